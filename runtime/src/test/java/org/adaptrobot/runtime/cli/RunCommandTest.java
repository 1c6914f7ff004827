package org.adaptrobot.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {

  @TempDir Path dir;

  @Test
  void runsTheExampleConfigurationOnTheSimulatedRobotAndWritesItsFigures() throws Exception {
    Path json = dir.resolve("run.json");
    var r =
        BundleCommandTest.robot(
            "run",
            "--config",
            "../src/examples/diffbot-sim.yaml",
            "--sim",
            "--seconds",
            "4",
            "--velocity",
            "0.3,0.5",
            "--json",
            json.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("simulation run: 400 steps at 100 Hz")
        .contains("final state     ACTIVE");
    var node = new ObjectMapper().readTree(json.toFile());
    assertThat(node.get("forward_speed_mps").asDouble()).isBetween(0.28, 0.32);
    assertThat(node.get("yaw_rate_radps").asDouble()).isBetween(0.45, 0.55);
    assertThat(node.get("counters").get("faults").asLong()).isZero();
    assertThat(node.get("compute_time_us").get("count").asDouble()).isEqualTo(400);
    assertThat(node.get("speed_vs_real_time").asDouble()).isGreaterThan(1.0);
  }

  @Test
  void theShippedModelBasedBundleTracksByMpcWithAndWithoutAdaptation() throws Exception {
    for (boolean adapt : new boolean[] {true, false}) {
      Path json = dir.resolve("mpc-" + adapt + ".json");
      java.util.List<String> args =
          new java.util.ArrayList<>(
              java.util.List.of(
                  "run",
                  "--config",
                  "../src/examples/diffbot-sim.yaml",
                  "--sim",
                  "--bundle",
                  "../bundles/diffdrive-grbal",
                  "--rate",
                  "50",
                  "--seconds",
                  "4",
                  "--velocity",
                  "0.3,0.5",
                  "--json",
                  json.toString()));
      if (!adapt) {
        args.add("--no-adapt");
      }
      var r = BundleCommandTest.robot(args.toArray(String[]::new));
      assertThat(r.exit()).as(r.err()).isZero();
      var node = new ObjectMapper().readTree(json.toFile());
      assertThat(node.get("forward_speed_mps").asDouble())
          .as("adapt %s", adapt)
          .isBetween(0.25, 0.35);
      assertThat(node.get("yaw_rate_radps").asDouble()).as("adapt %s", adapt).isBetween(0.40, 0.60);
      assertThat(node.get("counters").get("faults").asLong()).isZero();
    }
  }

  @Test
  void theShippedContextGradientBundleTracksByMpcWhileOnlyItsContextAdapts() throws Exception {
    Path json = dir.resolve("cavia.json");
    var r =
        BundleCommandTest.robot(
            "run",
            "--config",
            "../src/examples/diffbot-sim.yaml",
            "--sim",
            "--bundle",
            "../bundles/diffdrive-cavia",
            "--rate",
            "50",
            "--seconds",
            "4",
            "--velocity",
            "0.3,0.5",
            "--json",
            json.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    var node = new ObjectMapper().readTree(json.toFile());
    assertThat(node.get("forward_speed_mps").asDouble()).isBetween(0.25, 0.35);
    assertThat(node.get("yaw_rate_radps").asDouble()).isBetween(0.40, 0.60);
    assertThat(node.get("counters").get("faults").asLong()).isZero();
  }

  @Test
  void anInvalidConfigurationIsReportedWithEveryProblem() throws Exception {
    Path cfg = dir.resolve("bad.yaml");
    Files.writeString(cfg, "hardware: nowhere.yaml\nruntime:\n  control_rate_hz: -1\n");
    var r = BundleCommandTest.robot("run", "--config", cfg.toString(), "--sim");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("bad.yaml: hardware: the file nowhere.yaml has problems")
        .contains("bad.yaml: bundle: is required but missing")
        .contains("bad.yaml: runtime.control_rate_hz: expected a number in [1, 2000], found -1");
  }

  @Test
  void aBundleMadeForAnotherRateIsRefused() throws Exception {
    Path b = dir.resolve("b1k");
    assertThat(
            BundleCommandTest.robot("bundle", "tracking-controller", b.toString(), "--rate", "1000")
                .exit())
        .isZero();
    var r =
        BundleCommandTest.robot(
            "run",
            "--config",
            "../src/examples/diffbot-sim.yaml",
            "--sim",
            "--bundle",
            b.toString(),
            "--seconds",
            "1");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("control_rate_hz is 1000.0 Hz, the loop runs at 100.0 Hz");
  }

  @Test
  void realtimeNeedsSim() {
    var r =
        BundleCommandTest.robot(
            "run", "--config", "../src/examples/diffbot-sim.yaml", "--realtime");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--realtime only applies with --sim");
  }

  @Test
  void theModelBasedBundleTracksWhenItPlansEveryFiveStepsAndOtherBundlesRefusePlannerSettings()
      throws Exception {
    Path hw = Path.of("../src/examples/diffbot-hardware.yaml").toAbsolutePath();
    String common =
        "hardware: "
            + hw
            + "\nruntime:\n  control_rate_hz: 50\n"
            + "planner:\n  samples: 64\n  replan_every: 5\n";
    Path cfg = dir.resolve("every5.yaml");
    Files.writeString(
        cfg, common + "bundle: " + Path.of("../bundles/diffdrive-grbal").toAbsolutePath() + "\n");
    Path json = dir.resolve("every5.json");
    var r =
        BundleCommandTest.robot(
            "run",
            "--config",
            cfg.toString(),
            "--sim",
            "--seconds",
            "4",
            "--velocity",
            "0.3,0.5",
            "--json",
            json.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    var node = new ObjectMapper().readTree(json.toFile());
    assertThat(node.get("forward_speed_mps").asDouble()).isBetween(0.25, 0.35);
    assertThat(node.get("yaw_rate_radps").asDouble()).isBetween(0.40, 0.60);
    assertThat(node.get("counters").get("faults").asLong()).isZero();
    assertThat(node.get("planner").get("replan_every").asInt()).isEqualTo(5);
    assertThat(node.get("planner").get("plans_taken").asLong()).isBetween(35L, 40L); // 200 steps
    assertThat(node.get("planner").get("late_plans").asLong()).isZero(); // lockstep

    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        common.replace("50", "100")
            + "bundle: "
            + Path.of("../bundles/tracking-integral").toAbsolutePath()
            + "\n");
    var refused =
        BundleCommandTest.robot("run", "--config", policy.toString(), "--sim", "--seconds", "1");
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.err())
        .contains("the configuration has planner settings, but this bundle runs its policy graph")
        .contains("Remove the planner section");
  }

  @Test
  void aScenarioFileChangesTheSimulatedRobotAtItsTimesAndABadOneIsRefusedWithFileLineAndKey()
      throws Exception {
    Path stall = dir.resolve("stall.yaml");
    Files.writeString(
        stall,
        """
        name: right motor stalls
        events:
          - at: 2.0
            set: {right_torque_factor: 0.0}
        """);
    Path json = dir.resolve("stall.json");
    var r = runSim(4, stall, json);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).contains("scenario: right motor stalls, 1 event from t = 2.00 s");
    var node = new ObjectMapper().readTree(json.toFile());
    // a dead right wheel turns the robot: a yaw rate the controller cannot hold at zero
    assertThat(Math.abs(node.get("yaw_rate_radps").asDouble())).isGreaterThan(0.2);
    assertThat(node.get("final_state").asText()).isEqualTo("ACTIVE");

    Path glitch = dir.resolve("glitch.yaml");
    Files.writeString(
        glitch,
        """
        events:
          - at: 1.5
            fault: {device: imu, fault: io_error}
        """);
    Path json2 = dir.resolve("glitch.json");
    var g = runSim(3, glitch, json2);
    var node2 = new ObjectMapper().readTree(json2.toFile());
    // a failed read ends in the safe state and says why
    assertThat(node2.get("final_state").asText()).isEqualTo("INACTIVE");
    assertThat(node2.get("last_reason").asText()).contains("sensor_error", "'imu'");
    assertThat(node2.get("counters").get("sensor_error").asLong()).isPositive();
    assertThat(g.err()).contains("I/O error");

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "events:\n  - at: 1\n    set: {payload: 2}\n");
    var refused = runSim(1, bad, null);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("bad.yaml:3: events[0].set.payload: unknown parameter");
    var noSim =
        BundleCommandTest.robot(
            "run",
            "--config",
            "../src/examples/diffbot-sim.yaml",
            "--scenario-file",
            stall.toString());
    assertThat(noSim.exit()).isEqualTo(2);
    assertThat(noSim.err()).contains("--scenario-file only applies with --sim");
  }

  private static BundleCommandTest.Run runSim(double seconds, Path timeline, Path json) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "run",
                "--config",
                "../src/examples/diffbot-sim.yaml",
                "--sim",
                "--seconds",
                String.valueOf(seconds),
                "--velocity",
                "0.3,0",
                "--scenario-file",
                timeline.toString()));
    if (json != null) {
      args.add("--json");
      args.add(json.toString());
    }
    return BundleCommandTest.robot(args.toArray(String[]::new));
  }
}
