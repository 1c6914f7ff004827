package org.adaptrobot.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.cli.RobotCommand;
import org.adaptrobot.trainer.io.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainCommandTest {

  @TempDir Path dir;

  private record Run(int code, String err) {}

  private static Run robot(String... args) {
    CommandLine cl = RobotCommand.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, err.toString());
  }

  private static List<String> sineArgs(Path out, int iterations, boolean resume) {
    List<String> a =
        new java.util.ArrayList<>(
            List.of(
                "train",
                "sine",
                "--algorithms",
                "fomaml",
                "--shots",
                "5",
                "--iterations",
                String.valueOf(iterations),
                "--eval-every",
                "20",
                "--eval-tasks",
                "20",
                "--oracle-iterations",
                "0",
                "--threads",
                "2",
                "--out",
                out.toString()));
    if (resume) {
      a.add("--resume");
    }
    return a;
  }

  @Test
  void resumingFromACheckpointGivesTheSameModelAsOneUninterruptedRun() throws Exception {
    Path straight = dir.resolve("straight");
    Path resumed = dir.resolve("resumed");
    assertThat(robot(sineArgs(straight, 60, false).toArray(String[]::new)).code()).isZero();
    assertThat(robot(sineArgs(resumed, 20, false).toArray(String[]::new)).code()).isZero();
    double firstSeconds =
        Checkpoint.read(resumed.resolve("fomaml-k5/checkpoint.bin"))
            .arrays()
            .get("train_seconds")[0];
    assertThat(firstSeconds).isPositive();
    assertThat(robot(sineArgs(resumed, 60, true).toArray(String[]::new)).code()).isZero();

    Checkpoint a = Checkpoint.read(straight.resolve("fomaml-k5/checkpoint.bin"));
    Checkpoint b = Checkpoint.read(resumed.resolve("fomaml-k5/checkpoint.bin"));
    assertThat(b.iteration()).isEqualTo(60);
    // training time accumulates over the two invocations
    assertThat(b.arrays().get("train_seconds")[0]).isGreaterThan(firstSeconds);
    assertThat(b.arrays().get("theta")).containsExactly(a.arrays().get("theta"));
    assertThat(b.arrays().get("outer.v")).containsExactly(a.arrays().get("outer.v"));
    List<String> csv = Files.readAllLines(resumed.resolve("fomaml-k5/metrics.csv"));
    assertThat(csv.get(0)).startsWith("iteration,meta_loss,mse_after_1,mse_after_10");
    assertThat(csv).hasSize(4); // header + rows at 20, 40, 60
    assertThat(resumed.resolve("mse-vs-steps-k5.png")).isNotEmptyFile();
    JsonNode summary = RunFiles.JSON.readTree(resumed.resolve("summary.json").toFile());
    assertThat(summary.get("results").get(0).get("mse_after_1").asDouble()).isPositive();
  }

  @Test
  void aCheckpointOfAnotherRunIsRefusedByName() throws Exception {
    Path out = dir.resolve("run");
    assertThat(robot(sineArgs(out, 20, false).toArray(String[]::new)).code()).isZero();
    List<String> other = sineArgs(out, 40, true);
    other.addAll(List.of("--seed", "9"));
    Run r = robot(other.toArray(String[]::new));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("checkpoint.bin belongs to run 'sine fomaml K=5 meta-batch=25 seed=1'");
  }

  @Test
  void aDamagedCheckpointIsReportedWithItsPath() throws Exception {
    Path out = dir.resolve("run");
    assertThat(robot(sineArgs(out, 20, false).toArray(String[]::new)).code()).isZero();
    Path file = out.resolve("fomaml-k5/checkpoint.bin");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Run r = robot(sineArgs(out, 40, true).toArray(String[]::new));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(file.toString()).contains("checkpoint is truncated");
  }

  @Test
  void dynamicsTrainingWritesABundleTheRuntimeLoads() throws Exception {
    Path out = dir.resolve("dyn");
    Path bundle = dir.resolve("bundle");
    Path json = dir.resolve("summary.json");
    Run r =
        robot(
            "train",
            "dynamics",
            "--env",
            "pendulum",
            "--iterations",
            "30",
            "--meta-batch",
            "4",
            "--support",
            "16",
            "--eval-every",
            "15",
            "--eval-windows",
            "10",
            "--oracle-iterations",
            "20",
            "--threads",
            "2",
            "--out",
            out.toString(),
            "--bundle",
            bundle.toString(),
            "--json",
            json.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Bundle b = Bundle.load(bundle);
    Manifest m = b.manifest();
    assertThat(m.adaptation().mode()).isEqualTo(AdaptationMode.MODEL_BASED);
    assertThat(m.adaptation().supportWindow()).isEqualTo(16);
    assertThat(m.graphs()).containsOnlyKeys(Manifest.DYNAMICS);
    assertThat(m.provenance().hyperparameters().get("command").toString())
        .startsWith("robot train dynamics --env pendulum");
    assertThat(m.provenance().metrics()).containsKey("training_seconds");
    JsonNode summary = RunFiles.JSON.readTree(json.toFile());
    assertThat(summary.get("scenarios")).hasSize(5);
    assertThat(out.resolve("adaptation-steps.png")).isNotEmptyFile();
  }

  @Test
  void theCaviaVariantExportsAContextGradientDynamicsBundleTheRuntimePlansWith() throws Exception {
    Path bundle = dir.resolve("cavia-bundle");
    Run r =
        robot(
            "train",
            "dynamics",
            "--env",
            "pendulum",
            "--algorithm",
            "cavia",
            "--iterations",
            "20",
            "--meta-batch",
            "4",
            "--support",
            "16",
            "--eval-every",
            "10",
            "--eval-windows",
            "5",
            "--oracle-iterations",
            "0",
            "--no-baseline",
            "--out",
            dir.resolve("cavia").toString(),
            "--bundle",
            bundle.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Bundle b = Bundle.load(bundle);
    Manifest m = b.manifest();
    assertThat(m.adaptation().mode()).isEqualTo(AdaptationMode.CONTEXT_GRADIENT);
    assertThat(m.adaptation().graph()).isEqualTo(Manifest.DYNAMICS);
    assertThat(m.adaptation().adaptableTensors()).containsExactly("context");
    assertThat(m.graphs()).containsOnlyKeys(Manifest.DYNAMICS);
    assertThat(org.adaptrobot.runtime.RobotRuntime.plansWithDynamics(m)).isTrue();
    var model =
        org.adaptrobot.runtime.control.ControllerFactory.dynamicsModel(b.graph(Manifest.DYNAMICS));
    assertThat(model).isInstanceOf(org.adaptrobot.models.nn.ContextMlp.class);
    // the exported context is CAVIA's starting point: zero
    var context = model.layout().slice("context");
    for (int i = context.offset(); i < context.end(); i++) {
      assertThat(b.graph(Manifest.DYNAMICS).parameters().values()[i]).isZero();
    }
  }

  @Test
  void anUnknownEnvironmentIsNamed() {
    Run r = robot("train", "dynamics", "--env", "submarine");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--env: expected diffdrive or pendulum, got 'submarine'");
  }
}
