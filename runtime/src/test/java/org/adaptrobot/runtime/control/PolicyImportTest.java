package org.adaptrobot.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.runtime.cli.BundleCommandTest;
import org.adaptrobot.runtime.cli.BundleCommandTest.Run;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code robot bundle import} on policies made by the real exporters (PyTorch 1.13 through
 * torch.onnx.export, and onnx.helper for the custom operator): {@code
 * src/test-models/export_policies.py} wrote the committed files. Each valid model is imported,
 * validated and drives the simulated robot to the commanded velocity with every executor that
 * applies; each invalid one is refused with its own message and nothing is written.
 */
class PolicyImportTest {

  static final Path MODELS = Path.of("../src/test-models");
  static final Path SPEC = Path.of("../src/examples/import-spec.yaml");

  @TempDir Path dir;

  static Run robot(String... args) {
    return BundleCommandTest.robot(args);
  }

  static Run importModel(Path model, Path spec, Path out) {
    return robot(
        "bundle", "import", model.toString(), "--spec", spec.toString(), "--out", out.toString());
  }

  /** Drives the simulated robot at (v, ω) for 8 s with the bundle; returns the run's figures. */
  JsonNode drive(Path bundle, String executor, double v, double w) throws Exception {
    Path json = dir.resolve(bundle.getFileName() + "-" + executor + "-" + v + "-" + w + ".json");
    Run r =
        robot(
            "run",
            "--config",
            "../src/examples/diffbot-sim.yaml",
            "--sim",
            "--bundle",
            bundle.toString(),
            "--executor",
            executor,
            "--seconds",
            "8",
            "--velocity",
            v + "," + w,
            "--json",
            json.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    return new ObjectMapper().readTree(json.toFile());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // model | recognised layers (- : ONNX Runtime only) | what the import says | m/s
        "mlp-fixed-batch      | [9, 4, 2]    | batch fixed at 1                     | 0.005",
        "mlp-dynamic-batch    | [9, 4, 2]    | input 'observation'                  | 0.005",
        "gaussian-mean        | [9, 4, 2]    | output 'mean_actions'                | 0.005",
        "matmul-add           | [9, 2]       | operators [MatMul, Add]              | 0.005",
        "sb3-actor            | [9, 4, 4, 2] | operators [Identity, Flatten, Gemm, Relu, Tanh] | 0.04",
        "tanh-normalised-clip | -            | node '/Clip' (Clip) is not a dense layer | 0.005"
      })
  void aModelFromTheRealExporterIsImportedValidatedAndTracks(
      String model, String layers, String says, double tolerance) throws Exception {
    Path bundle = dir.resolve(model);
    Run r = importModel(MODELS.resolve(model + ".onnx"), SPEC, bundle);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains(says, "written and validated");
    boolean java = !layers.equals("-");
    if (java) {
      assertThat(r.out())
          .contains("executors: Java and ONNX Runtime (recognised dense layers " + layers);
    } else {
      assertThat(r.out()).contains("executor: ONNX Runtime only (");
    }
    Run v = robot("bundle", "validate", bundle.toString());
    assertThat(v.exit()).as(v.err()).isZero();
    assertThat(v.out())
        .contains(java ? "Java and ONNX Runtime executors (they agree)" : "ONNX Runtime only");
    List<String> executors = java ? List.of("java", "onnxruntime") : List.of("onnxruntime", "java");
    List<Double> speeds = new ArrayList<>();
    for (String ex : executors) {
      for (double[] target : new double[][] {{0.3, 0.5}, {0.2, 0.0}}) {
        JsonNode run = drive(bundle, ex, target[0], target[1]);
        // an onnx_graph runs on ONNX Runtime whatever the configuration asks
        assertThat(run.get("executor").asText()).isEqualTo(java ? ex : "onnxruntime");
        assertThat(run.get("final_state").asText()).isEqualTo("ACTIVE");
        double speed = run.get("forward_speed_mps").asDouble();
        double yaw = run.get("yaw_rate_radps").asDouble();
        System.out.printf(
            "%s %s target (%.1f, %.1f): v %.3f m/s, omega %.3f rad/s%n",
            model, ex, target[0], target[1], speed, yaw);
        assertThat(speed).isCloseTo(target[0], org.assertj.core.data.Offset.offset(tolerance));
        assertThat(yaw)
            .isCloseTo(target[1], org.assertj.core.data.Offset.offset(2 * tolerance + 0.02));
        speeds.add(speed);
      }
    }
    // the executors compute the same function: the same runs, to float rounding
    assertThat(speeds.get(0)).isCloseTo(speeds.get(2), org.assertj.core.data.Offset.offset(1e-3));
  }

  static final Path VELOCITY_SPEC = Path.of("../src/examples/import-spec-velocity.yaml");

  /**
   * Policies that command the body velocity (v, ω), as navigation policies do: the wheel-speed loop
   * under them makes the duties, with either executor where the Java one applies.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // model | recognised layers (- : ONNX Runtime only) | m/s (odometry steps ~0.007 m/s)
        "velocity-mlp         | [8, 4, 2] | 0.012",
        "velocity-tanh-scaled | -         | 0.03"
      })
  void aBodyVelocityPolicyDrivesThroughTheWheelSpeedLoop(
      String model, String layers, double tolerance) throws Exception {
    Path bundle = dir.resolve(model);
    Run r = importModel(MODELS.resolve(model + ".onnx"), VELOCITY_SPEC, bundle);
    assertThat(r.exit()).as(r.err()).isZero();
    boolean java = !layers.equals("-");
    assertThat(r.out())
        .contains(
            java
                ? "executors: Java and ONNX Runtime (recognised dense layers " + layers
                : "executor: ONNX Runtime only (node '/Mul' (Mul)",
            "wheel-speed loop: (v, omega) -> wheel targets (r 0.0325 m, b 0.1500 m)",
            "observation [v, omega, v_target, omega_target, wheel_left, wheel_right, prev_left,"
                + " prev_right]",
            "written and validated (8 observations, 2 actions, 100 Hz)");
    JsonNode manifest = new ObjectMapper().readTree(bundle.resolve("manifest.json").toFile());
    assertThat(manifest.at("/action_spec/names").toString()).isEqualTo("[\"v\",\"omega\"]");
    assertThat(manifest.at("/action_spec/units").toString()).isEqualTo("[\"m/s\",\"rad/s\"]");
    assertThat(manifest.at("/wheel_speed_loop/duties/names").toString())
        .isEqualTo("[\"left\",\"right\"]");
    Run v = robot("bundle", "validate", bundle.toString());
    assertThat(v.exit()).as(v.err()).isZero();
    Run shown = robot("bundle", "inspect", bundle.toString());
    assertThat(shown.out()).contains("Wheel-speed loop (the policy commands v, omega)");
    List<String> executors = java ? List.of("java", "onnxruntime") : List.of("onnxruntime");
    for (String ex : executors) {
      for (double[] target : new double[][] {{0.3, 0.5}, {0.2, 0.0}, {-0.15, -1.0}}) {
        JsonNode run = drive(bundle, ex, target[0], target[1]);
        assertThat(run.get("executor").asText()).isEqualTo(ex);
        assertThat(run.get("final_state").asText()).isEqualTo("ACTIVE");
        assertThat(run.at("/counters/non_finite_action").asInt()).isZero();
        double speed = run.get("forward_speed_mps").asDouble();
        double yaw = run.get("yaw_rate_radps").asDouble();
        System.out.printf(
            "%s %s target (%.2f, %.1f): v %.4f m/s, omega %.4f rad/s%n",
            model, ex, target[0], target[1], speed, yaw);
        assertThat(speed).isCloseTo(target[0], org.assertj.core.data.Offset.offset(tolerance));
        assertThat(yaw)
            .isCloseTo(target[1], org.assertj.core.data.Offset.offset(2 * tolerance + 0.02));
      }
    }
  }

  @Test
  void aBodyVelocitySpecWithoutItsWheelSpeedLoopIsRefusedSayingWhatItNeeds() throws Exception {
    Path spec = dir.resolve("no-loop.yaml");
    String full = Files.readString(VELOCITY_SPEC);
    Files.writeString(spec, full.substring(0, full.indexOf("wheel_speed_loop:")));
    Run r = importModel(MODELS.resolve("velocity-mlp.onnx"), spec, dir.resolve("out"));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "no-loop.yaml:4: wheel_speed_loop: is required when action.names is [v, omega]"
                + " ({wheel_radius: m, track_width: m}");
    Path half = dir.resolve("half.yaml");
    Files.writeString(
        half, full.replace("  wheel_radius: 0.0325\n", "").replace("kp: 0.02", "kp: -1"));
    Run h = importModel(MODELS.resolve("velocity-mlp.onnx"), half, dir.resolve("out"));
    assertThat(h.exit()).isEqualTo(1);
    assertThat(h.err())
        .contains(
            "half.yaml:15: wheel_speed_loop.wheel_radius: is required (metres)",
            "half.yaml:16: wheel_speed_loop.kp: expected a gain ≥ 0, found -1.0");
    Path duties = dir.resolve("duties.yaml");
    Files.writeString(
        duties,
        Files.readString(SPEC) + "wheel_speed_loop: {wheel_radius: 0.0325, track_width: 0.15}\n");
    Run d = importModel(MODELS.resolve("mlp-fixed-batch.onnx"), duties, dir.resolve("out"));
    assertThat(d.exit()).isEqualTo(1);
    assertThat(d.err())
        .contains("wheel_speed_loop: applies only to a policy whose action.names is [v, omega]");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void anLstmAndACustomOperatorAreRefusedEachWithItsOwnReasonAndNothingIsWritten()
      throws Exception {
    Run lstm = importModel(MODELS.resolve("lstm.onnx"), SPEC, dir.resolve("lstm"));
    assertThat(lstm.exit()).isEqualTo(1);
    assertThat(lstm.err())
        .contains(
            "node '/lstm/LSTM' is a recurrent LSTM whose state is not a graph input and output",
            "starts from a zero state at every control step");
    Run custom = importModel(MODELS.resolve("custom-op.onnx"), SPEC, dir.resolve("custom"));
    assertThat(custom.exit()).isEqualTo(1);
    assertThat(custom.err())
        .contains(
            "node 'vendor_filter' uses operator SafetyFilter of domain 'com.example.robotics',"
                + " which ONNX Runtime does not implement");
    assertThat(dir.resolve("lstm")).doesNotExist();
    assertThat(dir.resolve("custom")).doesNotExist();
    try (var left = Files.list(dir)) {
      assertThat(left.toList()).as("no staging folder left behind").isEmpty();
    }
  }

  @Test
  void aSpecThatDoesNotFitTheGraphIsRefusedNamingTheTensorAndWhatToDo() throws Exception {
    Path spec = dir.resolve("seven.yaml");
    Files.writeString(spec, Files.readString(SPEC).replace("  - prev_left\n  - prev_right\n", ""));
    Run r = importModel(MODELS.resolve("mlp-fixed-batch.onnx"), spec, dir.resolve("out"));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "mlp-fixed-batch.onnx: graph input 'obs' has shape [1, 9], but the spec gives 7"
                + " observation values (expected [batch, 7])");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void aBadSpecIsRefusedWithFileLineAndKey() throws Exception {
    Path spec = dir.resolve("bad.yaml");
    Files.writeString(
        spec,
        """
        control_rate_hz: 100
        observation: [v, omega, speed_of_light, omega@t-x]
        normalisation: {mean: [0, 0, 0, 0]}
        action:
          names: [throttle, steering]
          low: [-1, -1]
          high: [1, 1]
          max_change_per_step: [0.05, 0]
        colour: blue
        """);
    Run r = importModel(MODELS.resolve("mlp-fixed-batch.onnx"), spec, dir.resolve("out"));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "bad.yaml:2: observation[2]: unknown signal 'speed_of_light'; the runtime provides [v,",
            "bad.yaml:2: observation[3]: unknown signal 'omega@t-x'",
            "bad.yaml:3: normalisation: needs both mean and std (or say in_graph)",
            "bad.yaml:5: action.names: expected [left, right]",
            "bad.yaml:9: colour: unknown key",
            "action.max_change_per_step: expected positive numbers, found 0.0");
  }

  @Test
  void anExistingBundleIsNeverOverwritten() throws Exception {
    Path target = dir.resolve("taken");
    Files.createDirectories(target);
    Files.writeString(target.resolve("manifest.json"), "{}");
    Run r = importModel(MODELS.resolve("mlp-fixed-batch.onnx"), SPEC, target);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("exists and is not empty");
    assertThat(Files.readString(target.resolve("manifest.json"))).isEqualTo("{}");
  }

  /**
   * The committed models are what the script makes: run it again (when Debian's python3-torch and
   * python3-onnx are installed) and import what it writes.
   */
  @Test
  void theExportScriptStillMakesModelsThatImport() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    boolean tools =
        Files.isExecutable(python)
            && new ProcessBuilder(python.toString(), "-c", "import torch, onnx")
                    .redirectErrorStream(true)
                    .start()
                    .waitFor()
                == 0;
    if (!tools) {
      System.out.println(
          "SKIPPED theExportScriptStillMakesModelsThatImport: /usr/bin/python3 with torch and onnx"
              + " is not installed (apt-get install python3-torch python3-onnx); the committed"
              + " models are tested instead");
    }
    Assumptions.assumeTrue(tools, "python3-torch and python3-onnx are not installed");
    Path fresh = dir.resolve("fresh");
    Process p =
        new ProcessBuilder(
                python.toString(),
                MODELS.resolve("export_policies.py").toString(),
                "--out",
                fresh.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
    for (String m : List.of("mlp-fixed-batch", "sb3-actor", "tanh-normalised-clip", "matmul-add")) {
      Run r = importModel(fresh.resolve(m + ".onnx"), SPEC, dir.resolve("fresh-" + m));
      assertThat(r.exit()).as(m + ": " + r.err()).isZero();
    }
    for (String m : List.of("velocity-mlp", "velocity-tanh-scaled")) {
      Run r = importModel(fresh.resolve(m + ".onnx"), VELOCITY_SPEC, dir.resolve("fresh-" + m));
      assertThat(r.exit()).as(m + ": " + r.err()).isZero();
    }
    Run lstm = importModel(fresh.resolve("lstm.onnx"), SPEC, dir.resolve("fresh-lstm"));
    assertThat(lstm.exit()).isEqualTo(1);
  }

  @Test
  void anOnnxGraphBundleRefusesAnAdaptationModeThatNeedsGradients() throws Exception {
    Path bundle = dir.resolve("clip");
    Run r = importModel(MODELS.resolve("tanh-normalised-clip.onnx"), SPEC, bundle);
    assertThat(r.exit()).as(r.err()).isZero();
    Path manifest = bundle.resolve("manifest.json");
    Files.writeString(
        manifest,
        Files.readString(manifest)
            .replace(
                "\"mode\" : \"none\"",
                "\"mode\" : \"gradient\", \"graph\" : \"policy\", \"adaptable_tensors\" :"
                    + " [ \"w\" ], \"inner_learning_rates\" : [ 0.01 ], \"inner_steps\" : 1,"
                    + " \"support_window\" : 8, \"query_window\" : 8, \"loss\" : \"mse\""));
    Run v = robot("bundle", "validate", bundle.toString());
    assertThat(v.exit()).isEqualTo(1);
    assertThat(v.err())
        .contains(
            "adaptation.mode: mode gradient needs the Java network of graph \"policy\" (its"
                + " parameters and gradients), but it is an onnx_graph that runs on ONNX Runtime"
                + " only (node '/Clip' (Clip) is not a dense layer");
  }

  @Test
  void anObservationFromEarlierStepsIsASignalToo() throws Exception {
    // the integral law does not read battery_volts: fed v one step ago instead, it drives the same
    Path spec = dir.resolve("history.yaml");
    Files.writeString(spec, Files.readString(SPEC).replace("  - battery_volts\n", "  - v@t-1\n"));
    Path bundle = dir.resolve("history");
    Run r = importModel(MODELS.resolve("mlp-fixed-batch.onnx"), spec, bundle);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readString(bundle.resolve("manifest.json"))).contains("\"v@t-1\"");
    JsonNode run = drive(bundle, "java", 0.3, 0.5);
    assertThat(run.get("forward_speed_mps").asDouble())
        .isCloseTo(0.3, org.assertj.core.data.Offset.offset(0.005));
  }
}
