package org.adaptrobot.demo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

  record Run(int exit, String out, String err) {}

  /** The launcher's command line, as the plug-in adds demo to it, with captured output. */
  static Run robot(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    var cl = org.adaptrobot.runtime.cli.RobotCommand.commandLine();
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @TempDir Path dir;

  @Test
  void theDemoInLockstepEndsWithTheAdaptiveErrorBelowTheNonAdaptiveOne() throws Exception {
    Path json = dir.resolve("demo.json");
    Path png = dir.resolve("demo.png");
    var r =
        robot(
            "demo",
            "--config",
            "../src/examples/diffbot-demo.yaml",
            "--json",
            json.toString(),
            "--plot",
            png.toString());
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    assertThat(r.out()).contains("tracking error", "adaptive", "non-adaptive", "oracle");
    JsonNode s = new ObjectMapper().readTree(json.toFile());
    JsonNode runs = s.get("runs");
    double adaptive = runs.get("adaptive").get("after_adaptation").asDouble();
    double fixed = runs.get("non-adaptive").get("after_adaptation").asDouble();
    double oracle = runs.get("oracle").get("after_adaptation").asDouble();
    System.out.printf(
        "demo after adaptation: adaptive %.4f, non-adaptive %.4f, oracle %.4f m/s%n",
        adaptive, fixed, oracle);
    assertThat(adaptive).isLessThan(fixed);
    assertThat(oracle).isLessThan(fixed);
    // conditioning on this robot pays already before the change: the simulated robot is not the
    // prior's mean robot
    assertThat(runs.get("adaptive").get("before").asDouble())
        .isLessThan(runs.get("non-adaptive").get("before").asDouble());
    // the shipped bundle conditions its last layer on every transition, detected or not; its
    // detector is tuned for no false alarm (a weaker motor with a payload it may or may not flag,
    // BayesianLastLayerFeedTest shows one it flags): at most the one real change is reported
    double detected = runs.get("adaptive").get("change_detected_after_s").asDouble();
    assertThat(Double.isNaN(detected) || detected >= 0).isTrue();
    assertThat(runs.get("adaptive").get("adaptation_decisions").path("change_detected").asInt(0))
        .isLessThanOrEqualTo(1);
    // all three runs stayed ACTIVE to the end: no fault stopped the robot
    for (String k : new String[] {"adaptive", "non-adaptive", "oracle", "unchanged robot"}) {
      assertThat(runs.get(k).get("end_state").asText()).as(k).startsWith("ACTIVE");
    }
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }

  @Test
  void seedsOtherThanOneVaryTheProfileAndTheSizeOfTheChange() throws Exception {
    double[] before = new double[2];
    String[] described = new String[2];
    for (int k = 0; k < 2; k++) {
      Path json = dir.resolve("seed" + k + ".json");
      var r =
          robot(
              "demo",
              "--config",
              "../src/examples/diffbot-demo.yaml",
              "--seed",
              String.valueOf(2 + k),
              "--seconds",
              "8",
              "--change-at",
              "4",
              "--no-compare",
              "--json",
              json.toString(),
              "--plot",
              dir.resolve("seed" + k + ".png").toString());
      assertThat(r.exit()).as(r.err() + r.out()).isZero();
      assertThat(r.out()).contains("random profile");
      described[k] = r.out().lines().filter(l -> l.startsWith("demo:")).findFirst().orElseThrow();
      before[k] =
          new ObjectMapper()
              .readTree(json.toFile())
              .get("runs")
              .get("adaptive")
              .get("before")
              .asDouble();
    }
    assertThat(described[0]).isNotEqualTo(described[1]); // the change's size is named in it
    assertThat(before[0]).isNotEqualTo(before[1]);
  }

  @Test
  void theDemoRecordsItsLiveRunAndANonAdaptiveRecordingReplaysExactly() throws Exception {
    Path fixed = dir.resolve("fixed.mcap");
    var r =
        robot(
            "demo",
            "--config",
            "../src/examples/diffbot-demo.yaml",
            "--seconds",
            "6",
            "--change-at",
            "3",
            "--no-compare",
            "--no-adapt",
            "--record",
            fixed.toString(),
            "--plot",
            dir.resolve("fixed.png").toString());
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    // MPC with the meta-trained model, adaptation off: every action replays to the bit
    var replay = robot("replay", fixed.toString());
    assertThat(replay.exit()).as(replay.out() + replay.err()).isZero();
    assertThat(replay.out()).contains("every action bit-identical to the recording (300 of 300");
    Path adaptive = dir.resolve("adaptive.mcap");
    var a =
        robot(
            "demo",
            "--config",
            "../src/examples/diffbot-demo.yaml",
            "--seconds",
            "6",
            "--change-at",
            "3",
            "--no-compare",
            "--record",
            adaptive.toString(),
            "--plot",
            dir.resolve("adaptive.png").toString());
    assertThat(a.exit()).as(a.err() + a.out()).isZero();
    var again = robot("replay", adaptive.toString());
    assertThat(again.exit()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("the run adapted on the robot (mode bayesian-last-layer)");
    java.util.List<String> topics = new java.util.ArrayList<>();
    org.adaptrobot.runtime.record.McapReader.read(adaptive, (t, n, d) -> topics.add(t));
    assertThat(topics).contains("/robot/events", "/robot/session");
    assertThat(topics.stream().filter("/robot/step"::equals).count()).isEqualTo(300);
  }

  @Test
  void badOptionsAreRefusedNamingWhatIsWrong() {
    var unknown =
        robot("demo", "--config", "../src/examples/diffbot-demo.yaml", "--scenario", "flood");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown scenario 'flood'", "motor-payload");
    var late =
        robot(
            "demo",
            "--config",
            "../src/examples/diffbot-demo.yaml",
            "--seconds",
            "5",
            "--change-at",
            "10");
    assertThat(late.exit()).isEqualTo(2);
    assertThat(late.err()).contains("0 < --change-at < --seconds");
  }

  @Test
  void aBundleThatDoesNotAdaptIsRefused() {
    var r =
        robot(
            "demo",
            "--config",
            "../src/examples/diffbot-demo.yaml",
            "--bundle",
            "../bundles/tracking-integral",
            "--no-compare");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("needs a bundle that adapts on the robot");
  }

  @Test
  void aPolicyGradientBundleRunsTheDemoWithoutAnOracle() {
    var r =
        robot(
            "demo",
            "--config",
            "../src/examples/diffbot-demo.yaml",
            "--bundle",
            "../bundles/diffdrive-maml-rl",
            "--scenario",
            "weak-motor",
            "--seconds",
            "45",
            "--change-at",
            "15",
            "--plot",
            dir.resolve("pg.png").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("gradient, maml_trpo", "change detected", "adaptive", "non-adaptive")
        .doesNotContain("oracle:");
  }
}
