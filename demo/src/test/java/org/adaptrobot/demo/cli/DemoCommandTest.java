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
    // the change is real: without adaptation the error grows against the unchanged robot
    assertThat(fixed)
        .isGreaterThan(1.2 * runs.get("unchanged robot").get("after_adaptation").asDouble());
    assertThat(runs.get("adaptive").get("adaptation_decisions").get("accepted").asInt())
        .isPositive();
    assertThat(runs.get("non-adaptive").get("adaptation_decisions").has("accepted")).isFalse();
    // all three runs stayed ACTIVE to the end: no fault stopped the robot
    for (String k : new String[] {"adaptive", "non-adaptive", "oracle", "unchanged robot"}) {
      assertThat(runs.get(k).get("end_state").asText()).as(k).startsWith("ACTIVE");
    }
    assertThat(Files.size(png)).isGreaterThan(10_000);
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
  void aPolicyBundleIsRefusedBecauseTheDemoNeedsADynamicsModel() {
    var r =
        robot(
            "demo",
            "--config",
            "../src/examples/diffbot-demo.yaml",
            "--bundle",
            "../bundles/tracking-integral",
            "--no-compare");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("needs a model-based bundle");
  }
}
