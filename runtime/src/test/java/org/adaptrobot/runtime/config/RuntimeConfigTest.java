package org.adaptrobot.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.runtime.clock.OverrunPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeConfigTest {

  static final Path EXAMPLE = Path.of("../src/examples/diffbot-sim.yaml");

  @TempDir Path dir;

  @Test
  void theShippedExampleLoads() throws Exception {
    RuntimeConfig c = RuntimeConfig.load(EXAMPLE);
    assertThat(c.hardware().name()).isEqualTo("diffbot");
    assertThat(c.bundle()).endsWith(Path.of("bundles", "tracking-integral"));
    assertThat(c.runtime().controlRateHz()).isEqualTo(100);
    assertThat(c.runtime().overrunPolicy()).isEqualTo(OverrunPolicy.SKIP);
    assertThat(c.runtime().executor()).isEqualTo(RuntimeConfig.Executor.JAVA);
    assertThat(c.telemetry().robotId()).isEqualTo("diffbot-1");
  }

  @Test
  void inlineHardwareAndEveryProblemWithItsPath() throws Exception {
    String hardware =
        Files.readString(Path.of("../src/examples/diffbot-hardware.yaml"))
            .replace("in1: 23", "in1: 17")
            .replaceAll("(?m)^", "  ");
    Path f = dir.resolve("robot.yaml");
    Files.writeString(
        f,
        "hardware:\n"
            + hardware
            + "\nbundle: nowhere\nruntime:\n  control_rate_hz: 5000\n"
            + "  executor: gpu\n  colour: red\ntelemetry:\n  broker: http://x\n  robot_id: a/b\n");
    try {
      RuntimeConfig.load(f);
      throw new AssertionError("accepted");
    } catch (ConfigException e) {
      assertThat(e.problems())
          .containsExactlyInAnyOrder(
              "robot.yaml: hardware.motors.right.in1: GPIO 17 is already used by hardware.motors.left.in1",
              "robot.yaml: bundle: nowhere does not exist (resolved to "
                  + dir.resolve("nowhere")
                  + ")",
              "robot.yaml: runtime.control_rate_hz: expected a number in [1, 2000], found 5000",
              "robot.yaml: runtime.executor: expected one of [java, onnxruntime], found \"gpu\"",
              "robot.yaml: runtime.colour: unknown setting; expected one of [command_timeout_s, control_rate_hz,"
                  + " executor, load_bundle_timeout_s, max_consecutive_faults, overrun_policy, spin_us,"
                  + " stale_sensor_s, watchdog_overruns]",
              "robot.yaml: telemetry.broker: expected none, embedded, tcp://host:port or ssl://host:port,"
                  + " found \"http://x\"",
              "robot.yaml: telemetry.robot_id: expected 1..64 letters, digits, '-' or '_' (it is an MQTT topic level),"
                  + " found \"a/b\"");
    }
  }

  @Test
  void missingSectionsAreNamed() throws Exception {
    Path f = dir.resolve("empty.yaml");
    Files.writeString(f, "runtime: {}\n");
    try {
      RuntimeConfig.load(f);
      throw new AssertionError("accepted");
    } catch (ConfigException e) {
      assertThat(e.problems())
          .hasSize(2)
          .allSatisfy(p -> assertThat(p).contains("is required but missing"));
    }
  }

  @Test
  void plannerSettingsAreReadAndCheckedWithTheirPath() throws Exception {
    Path hw = Path.of("../src/examples/diffbot-hardware.yaml").toAbsolutePath();
    Path bundle = Path.of("../bundles/diffdrive-grbal").toAbsolutePath();
    String head = "hardware: " + hw + "\nbundle: " + bundle + "\n";
    Path ok = dir.resolve("ok.yaml");
    Files.writeString(ok, head + "planner:\n  samples: 200\n  iterations: 1\n  replan_every: 5\n");
    var p = RuntimeConfig.load(ok).planner();
    assertThat(p.samples()).isEqualTo(200);
    assertThat(p.iterations()).isEqualTo(1);
    assertThat(p.replanEvery()).isEqualTo(5);
    assertThat(p.horizon()).isEqualTo(10); // the standard value where nothing is said
    assertThat(RuntimeConfig.load(EXAMPLE).planner()).isNull();
    assertThat(
            RuntimeConfig.load(Path.of("../src/examples/diffbot-demo-replan5.yaml"))
                .plannerOrStandard())
        .isEqualTo(
            org.adaptrobot.runtime.control.MpcController.Settings.standard().replanningEvery(5));
    assertThat(RuntimeConfig.load(EXAMPLE).plannerOrStandard())
        .isEqualTo(org.adaptrobot.runtime.control.MpcController.Settings.standard());

    String[][] cases = {
      {
        "  samples: 2.5\n  speed: 3\n",
        "bad.yaml: planner.samples: expected a whole number in [2, 100000], found 2.5",
        "bad.yaml: planner.speed: unknown setting; expected one of [action_cost, elites, horizon,"
            + " iterations, replan_every, samples]"
      },
      {
        "  samples: 8\n  elites: 9\n",
        "bad.yaml: planner.elites: 9 is more than planner.samples (8)"
      },
      {
        "  horizon: 6\n  replan_every: 7\n",
        "bad.yaml: planner.replan_every: 7 is longer than planner.horizon (6); the loop would run"
            + " out of plan"
      },
      {
        "  action_cost: -1\n",
        "bad.yaml: planner.action_cost: expected a number in [0, 1000000], found -1"
      },
    };
    for (String[] c : cases) {
      Path bad = dir.resolve("bad.yaml");
      Files.writeString(bad, head + "planner:\n" + c[0]);
      try {
        RuntimeConfig.load(bad);
        throw new AssertionError("accepted " + c[0]);
      } catch (ConfigException e) {
        assertThat(e.problems())
            .containsExactlyInAnyOrder(java.util.Arrays.copyOfRange(c, 1, c.length));
      }
    }
  }

  @Test
  void detectorSettingsAreReadCheckedAndReachTheEngine() throws Exception {
    Path hw = Path.of("../src/examples/diffbot-hardware.yaml").toAbsolutePath();
    String head =
        "hardware: "
            + hw
            + "\nbundle: "
            + Path.of("../bundles/diffdrive-grbal").toAbsolutePath()
            + "\nruntime:\n  control_rate_hz: 50\n";
    Path ok = dir.resolve("ok.yaml");
    Files.writeString(ok, head + "detector:\n  threshold: 12\n  calibration_steps: 300\n");
    RuntimeConfig c = RuntimeConfig.load(ok);
    assertThat(c.detector().threshold()).isEqualTo(12);
    assertThat(c.detector().calibration()).isEqualTo(300);
    assertThat(c.detector().drift()).isEqualTo(1); // the standard value where nothing is said
    assertThat(RuntimeConfig.load(EXAMPLE).detectorOrStandard())
        .isEqualTo(org.adaptrobot.runtime.adaptation.ChangeDetector.Settings.standard());
    try (var rt =
        org.adaptrobot.runtime.RobotRuntime.start(
            c, true, false, 1, new org.adaptrobot.runtime.loop.RuntimeEvents() {}, true)) {
      assertThat(rt.adaptationFeed().engine().detector().settings()).isEqualTo(c.detector());
    }

    String[][] cases = {
      {
        "  threshold: 0\n  window: 3\n",
        "bad.yaml: detector.threshold: expected a number in [0.001, 1000000000], found 0",
        "bad.yaml: detector.window: unknown setting; expected one of [calibration_steps, clip,"
            + " drift, smoothing, threshold]"
      },
      {
        "  smoothing: 0.01\n  calibration_steps: 100\n",
        "bad.yaml: detector.calibration_steps: 100 is too few for smoothing 0.01; need at least 400"
            + " (4 / smoothing)"
      },
      {
        "  drift: 2\n  clip: 3\n",
        "bad.yaml: detector.clip: 3 must exceed 1 + detector.drift (3), or no step could raise the"
            + " statistic"
      },
    };
    for (String[] k : cases) {
      Path bad = dir.resolve("bad.yaml");
      Files.writeString(bad, head + "detector:\n" + k[0]);
      try {
        RuntimeConfig.load(bad);
        throw new AssertionError("accepted " + k[0]);
      } catch (ConfigException e) {
        assertThat(e.problems())
            .containsExactlyInAnyOrder(java.util.Arrays.copyOfRange(k, 1, k.length));
      }
    }

    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        "hardware: "
            + hw
            + "\nbundle: "
            + Path.of("../bundles/tracking-integral").toAbsolutePath()
            + "\ndetector:\n  threshold: 12\n");
    try {
      org.adaptrobot.runtime.RobotRuntime.start(
              RuntimeConfig.load(policy),
              true,
              false,
              1,
              new org.adaptrobot.runtime.loop.RuntimeEvents() {},
              true)
          .close();
      throw new AssertionError("a bundle that does not adapt took detector settings");
    } catch (org.adaptrobot.models.bundle.BundleException e) {
      assertThat(e.getMessage())
          .contains(
              "the configuration has change-detector settings, but this bundle does not adapt")
          .contains("Remove the detector section");
    }
  }

  @Test
  void wholeNumbersMustBeWholeAndInRangeNotTruncated() throws Exception {
    String hw = Path.of("../src/examples/diffbot-hardware.yaml").toAbsolutePath().toString();
    String head =
        "hardware: " + hw + "\nbundle: " + Path.of("../bundles/tracking-integral").toAbsolutePath();
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad,
        head
            + "\nruntime:\n  watchdog_overruns: 2.5\n  spin_us: 4294967297\n"
            + "  max_consecutive_faults: 1e3\ntelemetry:\n  broker: tcp://h:1883\n"
            + "  event_buffer: 10.0\n  on_disconnect: sometimes\n");
    try {
      RuntimeConfig.load(bad);
      throw new AssertionError("accepted");
    } catch (ConfigException e) {
      assertThat(e.problems())
          .containsExactlyInAnyOrder(
              "bad.yaml: runtime.watchdog_overruns: expected a whole number in [1, 1000000], found 2.5",
              "bad.yaml: runtime.spin_us: expected a whole number in [0, 10000], found 4294967297",
              "bad.yaml: runtime.max_consecutive_faults: expected a whole number in [1, 1000000],"
                  + " found 1000.0",
              "bad.yaml: telemetry.event_buffer: expected a whole number in [1, 10000000], found 10.0",
              "bad.yaml: telemetry.on_disconnect: expected stop or continue, found \"sometimes\"");
    }
  }

  @Test
  void bundleDirectoriesAndTheRemoteControlPolicyAreRead() throws Exception {
    String hw = Path.of("../src/examples/diffbot-hardware.yaml").toAbsolutePath().toString();
    Files.createDirectories(dir.resolve("fleet-bundles"));
    Path f = dir.resolve("robot.yaml");
    Files.writeString(
        f,
        "hardware: "
            + hw
            + "\nbundle: "
            + Path.of("../bundles/tracking-integral").toAbsolutePath()
            + "\nbundles: [fleet-bundles]\nruntime:\n  load_bundle_timeout_s: 3\n"
            + "telemetry:\n  broker: tcp://h:1883\n  on_disconnect: continue\n"
            + "  disconnect_grace_s: 2.5\n");
    RuntimeConfig c = RuntimeConfig.load(f);
    assertThat(c.bundleDirectoriesOrDefault()).containsExactly(dir.resolve("fleet-bundles"));
    assertThat(c.runtime().loadBundleTimeoutSeconds()).isEqualTo(3);
    assertThat(c.telemetry().stopOnDisconnect()).isFalse();
    assertThat(c.telemetry().disconnectGraceSeconds()).isEqualTo(2.5);
    // by default: stop after 5 s, and bundles from the configured bundle's folder
    RuntimeConfig d = RuntimeConfig.load(EXAMPLE);
    assertThat(d.telemetry().stopOnDisconnect()).isTrue();
    assertThat(d.telemetry().disconnectGraceSeconds()).isEqualTo(5);
    Files.writeString(f, "hardware: " + hw + "\nbundle: x\nbundles: [missing]\n");
    try {
      RuntimeConfig.load(f);
      throw new AssertionError("accepted");
    } catch (ConfigException e) {
      assertThat(e.problems())
          .contains(
              "robot.yaml: bundles[0]: missing is not a directory (resolved to "
                  + dir.resolve("missing")
                  + ")");
    }
  }
}
