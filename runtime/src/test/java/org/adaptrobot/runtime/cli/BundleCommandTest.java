package org.adaptrobot.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.BundleExport.GraphExport;
import org.adaptrobot.models.bundle.BundleWriter;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;
import org.adaptrobot.models.onnx.OnnxExport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class BundleCommandTest {

  @TempDir Path dir;

  static final MlpArchitecture POLICY =
      MlpArchitecture.of(Mlp.of(3, new int[] {8}, 2, Activation.TANH, Activation.IDENTITY));

  /** What a command line run printed and returned. */
  public record Run(int exit, String out, String err) {}

  /** Runs {@code robot ARGS} in this JVM, capturing its output (shared by the command tests). */
  public static Run robot(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = RobotCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static Manifest template() {
    return new Manifest(
        Manifest.FORMAT_VERSION,
        "cli-test",
        "",
        new Manifest.ObservationSpec(
            List.of("a", "b", "c"),
            List.of("m", "m/s", "rad"),
            new double[] {-1, -1, -1},
            new double[] {1, 1, 1},
            new double[] {0, 0, 0},
            new double[] {1, 1, 1}),
        new Manifest.ActionSpec(
            List.of("left", "right"),
            List.of("1", "1"),
            new double[] {-1, -1},
            new double[] {1, 1},
            new double[] {0.1, 0.1}),
        100,
        Map.of(),
        new Manifest.AdaptationSpec(
            AdaptationMode.GRADIENT,
            "policy",
            List.of("layers.1.bias"),
            new double[] {0.05},
            2,
            100,
            20,
            "mse"),
        new Manifest.Provenance("analytic", Map.of(), 7, "test", Map.of(), ""),
        Map.of());
  }

  static double[] params(int n) {
    double[] p = new double[n];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < n; i++) {
      p[i] = (float) (r.nextDouble() - 0.5);
    }
    return p;
  }

  Path validBundle(String name) throws Exception {
    Path b = dir.resolve(name);
    BundleExport.write(
        b,
        template(),
        Map.of(
            "policy",
            new GraphExport(POLICY, params(POLICY.layout().size()), Set.of("layers.1.bias"))));
    return b;
  }

  @Test
  void validateAcceptsAValidBundleAndWritesJson() throws Exception {
    Path b = validBundle("ok");
    Path json = dir.resolve("out/result.json");
    Run r = robot("bundle", "validate", b.toString(), "--json", json.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("valid bundle \"cli-test\"").contains("adaptation gradient");
    var node = new ObjectMapper().readTree(json.toFile());
    assertThat(node.get("valid").asBoolean()).isTrue();
  }

  @Test
  void validateAcceptsTheZipForm() throws Exception {
    Path zip = dir.resolve("ok.zip");
    BundleExport.write(
        zip,
        template(),
        Map.of(
            "policy",
            new GraphExport(POLICY, params(POLICY.layout().size()), Set.of("layers.1.bias"))));
    assertThat(robot("bundle", "validate", zip.toString()).exit()).isZero();
  }

  @Test
  void validateFailsWithTheProblemNamingFileAndField() throws Exception {
    Path b = validBundle("broken");
    Files.delete(b.resolve("policy.onnx"));
    Run r = robot("bundle", "validate", b.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("invalid bundle")
        .contains("policy.onnx: listed in manifest.json files but missing from the bundle");
  }

  @Test
  void validateRunsTheGraphAndCatchesOperatorsThatDifferFromTheManifest() throws Exception {
    // Same shapes and names, but the graph uses ReLU where the manifest declares tanh.
    Path b = validBundle("relu");
    MlpArchitecture relu =
        MlpArchitecture.of(Mlp.of(3, new int[] {8}, 2, Activation.RELU, Activation.IDENTITY));
    Manifest m = org.adaptrobot.models.bundle.Bundle.load(b).manifest();
    BundleWriter.write(
        b,
        m,
        Map.of(
            "policy.onnx",
            OnnxExport.export(relu, params(relu.layout().size()), Set.of("layers.1.bias"))));
    Run r = robot("bundle", "validate", b.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("policy.onnx: output 'output'")
        .contains("does not implement its manifest architecture");
  }

  @Test
  void inspectPrintsSpecsGraphsAndAdaptation() throws Exception {
    Path b = validBundle("inspect");
    Run r = robot("bundle", "inspect", b.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("cli-test")
        .contains("100.0 Hz")
        .containsPattern("left\\s+1\\s+-1.000\\s+1.000\\s+0.1000")
        .contains("policy.onnx")
        .contains("layers.1.bias")
        .contains("Adaptation    gradient");
  }

  @Test
  void inspectOfAMissingBundleSaysSo() {
    Run r = robot("bundle", "inspect", dir.resolve("nope").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("nope: no such bundle");
  }

  @Test
  void everyCommandHasHelpAndAMissingArgumentIsAUsageError() {
    assertThat(robot("--help").exit()).isZero();
    assertThat(robot("bundle", "validate", "--help").out()).contains("Exit status 0 when valid");
    Run r = robot("bundle", "validate");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required parameter: 'PATH'");
  }
}
