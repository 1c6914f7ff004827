package org.adaptrobot.models.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.adaptrobot.models.onnx.OnnxExport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path valid() throws Exception {
    Path b = dir.resolve("bundle");
    TestBundles.write(b);
    return b;
  }

  private static void editManifest(Path bundle, Consumer<ObjectNode> edit) throws Exception {
    Path m = bundle.resolve(Manifest.FILE_NAME);
    ObjectNode root = (ObjectNode) JSON.readTree(m.toFile());
    edit.accept(root);
    Files.write(m, JSON.writeValueAsBytes(root));
  }

  /** Replaces a file and records its new hash, so only the content problem remains. */
  private static void replaceHashed(Path bundle, String name, byte[] data) throws Exception {
    Files.write(bundle.resolve(name), data);
    editManifest(bundle, root -> ((ObjectNode) root.get("files")).put(name, Sha256.hex(data)));
  }

  private static BundleException failure(Path bundle) {
    try {
      Bundle.load(bundle);
    } catch (BundleException e) {
      return e;
    }
    throw new AssertionError("bundle " + bundle + " loaded but should have been rejected");
  }

  @Test
  void validBundleLoadsWithEveryGraphAndItsParameters() throws Exception {
    Bundle b = Bundle.load(valid());
    assertThat(b.graphs()).containsOnlyKeys("policy", "dynamics");
    assertThat(b.graph("policy").parameters().values())
        .containsExactly(TestBundles.params(TestBundles.POLICY.layout().size(), 1));
    assertThat(b.graph("dynamics").info().adaptableInputs())
        .containsOnlyKeys("layers.1.weight", "layers.1.bias");
    assertThat(b.manifest().files()).containsOnlyKeys("policy.onnx", "dynamics.onnx");
  }

  @Test
  void manifestSurvivesAWriteReadRoundTrip() throws Exception {
    Manifest m = Bundle.load(valid()).manifest();
    assertThat(ManifestCodec.parse(ManifestCodec.write(m))).isEqualTo(m);
  }

  @Test
  void zipOfTheSameFilesLoadsTheSame() throws Exception {
    Path zip = dir.resolve("bundle.zip");
    TestBundles.write(zip);
    Bundle fromZip = Bundle.load(zip);
    Bundle fromDir = Bundle.load(valid());
    assertThat(fromZip.manifest().files()).isEqualTo(fromDir.manifest().files());
    assertThat(fromZip.graph("dynamics").parameters().values())
        .containsExactly(fromDir.graph("dynamics").parameters().values());
  }

  @Test
  void zipWithEverythingInOneFolderLoads() throws Exception {
    Path b = valid();
    Path zip = dir.resolve("folder.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (String name : new String[] {"manifest.json", "policy.onnx", "dynamics.onnx"}) {
        z.putNextEntry(new ZipEntry("my-bundle/" + name));
        z.write(Files.readAllBytes(b.resolve(name)));
        z.closeEntry();
      }
    }
    assertThat(Bundle.load(zip).graphs()).containsOnlyKeys("policy", "dynamics");
  }

  @Test
  void zipEntryEscapingTheBundleIsRefused() throws Exception {
    Path zip = dir.resolve("evil.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      z.putNextEntry(new ZipEntry("../outside.onnx"));
      z.write(1);
      z.closeEntry();
    }
    assertThat(failure(zip))
        .hasMessageContaining("evil.zip")
        .hasMessageContaining("../outside.onnx");
  }

  @Test
  void notABundleAtAllIsReported() throws Exception {
    Path junk = dir.resolve("junk.zip");
    Files.writeString(junk, "this is not a zip");
    assertThat(failure(junk))
        .hasMessageContaining("junk.zip")
        .hasMessageContaining("manifest.json");
    assertThat(failure(dir.resolve("absent")))
        .hasMessageContaining("absent")
        .hasMessageContaining("no such bundle");
  }

  @Test
  void missingGraphFileIsNamed() throws Exception {
    Path b = valid();
    Files.delete(b.resolve("policy.onnx"));
    assertThat(failure(b).problems())
        .anySatisfy(
            p -> assertThat(p).startsWith("policy.onnx:").contains("missing from the bundle"));
  }

  @Test
  void missingManifestIsNamed() throws Exception {
    Path b = valid();
    Files.delete(b.resolve("manifest.json"));
    assertThat(failure(b))
        .hasMessageContaining("not a bundle: no manifest.json")
        .as("no file listing in the message")
        .message()
        .doesNotContain("policy.onnx");
  }

  @Test
  void whatCannotBeABundleIsRefusedBeforeItIsRead() throws Exception {
    // a FIFO would block its reader until someone writes to it
    Path fifo = dir.resolve("fifo");
    new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
    assertThat(failure(fifo))
        .hasMessageContaining("not a bundle: neither a directory nor a regular (.zip) file");
    // a FIFO, or a link, inside a bundle directory
    Path b = valid();
    Files.createSymbolicLink(b.resolve("passwd"), Path.of("/etc/passwd"));
    assertThat(failure(b)).hasMessageContaining("passwd is a symbolic link");
    Files.delete(b.resolve("passwd"));
    new ProcessBuilder("mkfifo", b.resolve("pipe").toString()).start().waitFor();
    assertThat(failure(b)).hasMessageContaining("pipe is a device, FIFO or socket");
    Files.delete(b.resolve("pipe"));
    // a large tree is refused after MAX_FILES entries, without reading it
    for (int i = 0; i <= BundleFiles.MAX_FILES; i++) {
      Files.writeString(b.resolve("extra-" + i + ".txt"), "x");
    }
    assertThat(failure(b)).hasMessageContaining("more than " + BundleFiles.MAX_FILES + " files");
  }

  @Test
  void truncatedOnnxIsReportedAsNotAModel() throws Exception {
    Path b = valid();
    byte[] full = Files.readAllBytes(b.resolve("policy.onnx"));
    replaceHashed(b, "policy.onnx", Arrays.copyOf(full, full.length / 3));
    assertThat(failure(b).problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("policy.onnx:")
                    .containsAnyOf("not a valid ONNX model", "no graph nodes"));
  }

  @Test
  void corruptOnnxIsReportedAsNotAModel() throws Exception {
    Path b = valid();
    byte[] data = Files.readAllBytes(b.resolve("dynamics.onnx"));
    for (int i = 0; i < 64; i++) {
      data[i] = (byte) 0xff;
    }
    replaceHashed(b, "dynamics.onnx", data);
    assertThat(failure(b).problems())
        .anySatisfy(
            p -> assertThat(p).startsWith("dynamics.onnx:").contains("not a valid ONNX model"));
  }

  @Test
  void changedFileFailsItsHashWithExpectedAndFoundDigests() throws Exception {
    Path b = valid();
    Path f = b.resolve("dynamics.onnx");
    byte[] data = Files.readAllBytes(f);
    String expected = Sha256.hex(data);
    data[data.length - 1] ^= 1; // inside the last float of the last initializer
    Files.write(f, data);
    assertThat(failure(b).problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("dynamics.onnx: SHA-256 mismatch")
                    .contains("files.\"dynamics.onnx\"")
                    .contains("expects " + expected)
                    .contains("found " + Sha256.hex(data)));
  }

  @Test
  void manifestObservationCountThatDisagreesWithTheGraphIsReported() throws Exception {
    Path b = valid();
    editManifest(
        b,
        root -> {
          ObjectNode obs = (ObjectNode) root.get("observation_spec");
          ((ArrayNode) obs.get("names")).add("extra");
          ((ArrayNode) obs.get("units")).add("m");
          for (String k : new String[] {"low", "mean"}) {
            ((ArrayNode) obs.get(k)).add(0.0);
          }
          ((ArrayNode) obs.get("high")).add(1.0);
          ((ArrayNode) obs.get("std")).add(1.0);
        });
    // the manifest now says 5 observations while its own policy architecture and graph take 4
    assertThat(failure(b).problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .isEqualTo(
                        "manifest.json: graphs.policy.architecture: expected input size 5"
                            + " (observation_spec has 5 names), found 4"));
  }

  @Test
  void graphWhoseShapeDisagreesWithTheManifestArchitectureIsReported() throws Exception {
    Path b = valid();
    // A policy graph for 3 observations under a manifest that declares 4.
    var other =
        new org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture(
            org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture.of(
                org.adaptrobot.models.nn.Mlp.of(
                    3,
                    new int[] {16},
                    2,
                    org.adaptrobot.models.nn.Activation.TANH,
                    org.adaptrobot.models.nn.Activation.IDENTITY)));
    replaceHashed(
        b,
        "policy.onnx",
        OnnxExport.export(other, TestBundles.params(other.layout().size(), 3), Set.of()));
    assertThat(failure(b).problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .isEqualTo(
                        "policy.onnx: input 'input' has shape [batch, 3], manifest.json"
                            + " graphs.policy.architecture expects [batch, 4]"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .isEqualTo(
                        "policy.onnx: initializer 'layers.0.weight' has shape [3, 16], the"
                            + " architecture expects [4, 16]"));
  }

  @Test
  void nanWeightsAreReportedWithTensorAndIndex() throws Exception {
    Path b = valid();
    double[] p = TestBundles.params(TestBundles.DYNAMICS.layout().size(), 2);
    p[5] = Double.NaN;
    replaceHashed(
        b,
        "dynamics.onnx",
        OnnxExport.export(TestBundles.DYNAMICS, p, Set.of("layers.1.weight", "layers.1.bias")));
    assertThat(failure(b).problems())
        .containsExactly(
            "dynamics.onnx: initializer 'layers.0.weight' holds NaN at index 5; weights must be finite");
  }

  @Test
  void infiniteWeightsAreReportedWithTensorAndIndex() throws Exception {
    Path b = valid();
    double[] p = TestBundles.params(TestBundles.POLICY.layout().size(), 1);
    int logStd = TestBundles.POLICY.layout().slice("log_std").offset();
    p[logStd + 1] = Double.POSITIVE_INFINITY;
    replaceHashed(b, "policy.onnx", OnnxExport.export(TestBundles.POLICY, p, Set.of()));
    assertThat(failure(b).problems())
        .containsExactly(
            "policy.onnx: initializer 'log_std' holds Infinity at index 1; weights must be finite");
  }

  @Test
  void unknownMajorFormatVersionIsRejected() throws Exception {
    Path b = valid();
    editManifest(b, root -> root.put("format_version", "2.0"));
    assertThat(failure(b))
        .hasMessage(
            "manifest.json: format_version: this runtime reads major version 1 (\"1.x\"), found"
                + " \"2.0\"; use a runtime that supports it or re-export the bundle");
  }

  @Test
  void newerMinorVersionWithUnknownFieldsStillLoads() throws Exception {
    Path b = valid();
    editManifest(b, root -> root.put("format_version", "1.7").put("added_in_1_7", true));
    assertThat(Bundle.load(b).manifest().formatVersion()).isEqualTo("1.7");
  }

  @Test
  void missingRequiredFieldIsNamedByItsPath() throws Exception {
    Path b = valid();
    editManifest(b, root -> ((ObjectNode) root.get("action_spec")).remove("low"));
    assertThat(failure(b).problems())
        .containsExactly("manifest.json: action_spec.low: is required but missing");
  }

  @Test
  void everyManifestProblemIsReportedAtOnce() throws Exception {
    Path b = valid();
    editManifest(
        b,
        root -> {
          root.remove("name");
          root.put("control_rate_hz", -5);
          ((ObjectNode) root.get("adaptation")).put("mode", "telepathy");
          ((ArrayNode) root.get("action_spec").get("max_change_per_step")).set(0, 0.0);
        });
    assertThat(failure(b).problems())
        .containsExactlyInAnyOrder(
            "manifest.json: name: is required but missing",
            "manifest.json: control_rate_hz: expected a rate in (0, 10000] Hz, found -5.0",
            "manifest.json: action_spec.max_change_per_step[0]: expected a positive number, found 0.0",
            "manifest.json: adaptation.mode: expected one of none | recurrent | latent |"
                + " context-gradient | gradient | model-based | bayesian-last-layer, found"
                + " \"telepathy\"");
  }

  /** Turns the test bundle into one whose policy commands (v, ω) over a wheel-speed loop. */
  private static void bodyVelocity(ObjectNode root) {
    ArrayNode names = (ArrayNode) root.get("observation_spec").get("names");
    names.removeAll();
    names.add("wheel_left").add("wheel_right").add("prev_left").add("prev_right");
    ArrayNode actions = (ArrayNode) root.get("action_spec").get("names");
    actions.removeAll();
    actions.add("v").add("omega");
    root.put("adaptation", JSON.createObjectNode().put("mode", "none"));
    ObjectNode loop = root.putObject("wheel_speed_loop");
    loop.put("wheel_radius", 0.0325).put("track_width", 0.15).put("kp", 0.08).put("ki", 1.6);
    loop.set("duties", root.get("action_spec").deepCopy());
    ArrayNode duties = (ArrayNode) loop.get("duties").get("names");
    duties.removeAll();
    duties.add("left").add("right");
  }

  @Test
  void aBodyVelocityPolicyWithItsWheelSpeedLoopLoadsAndSurvivesARoundTrip() throws Exception {
    Path b = valid();
    editManifest(b, BundleTest::bodyVelocity);
    Manifest m = Bundle.load(b).manifest();
    assertThat(m.wheelSpeedLoop().kp()).isEqualTo(0.08);
    assertThat(m.actuators().names()).containsExactly("left", "right");
    assertThat(m.action().names()).containsExactly("v", "omega");
    assertThat(ManifestCodec.parse(ManifestCodec.write(m))).isEqualTo(m);
  }

  @Test
  void aWheelSpeedLoopAndABodyVelocityActionComeTogetherWithTheLoopsSignals() throws Exception {
    Path noLoop = valid();
    editManifest(
        noLoop,
        root -> {
          bodyVelocity(root);
          root.remove("wheel_speed_loop");
        });
    assertThat(failure(noLoop).problems())
        .containsExactly(
            "manifest.json: wheel_speed_loop: is required when action_spec.names is [v, omega]:"
                + " it says how the body velocity becomes wheel duties");
    Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    Path duties = valid();
    editManifest(
        duties,
        root -> {
          bodyVelocity(root);
          ((ArrayNode) root.get("action_spec").get("names")).removeAll().add("left").add("right");
          root.set("adaptation", JSON.valueToTree(Map.of("mode", "model-based")));
        });
    editManifest(
        duties,
        root -> {
          // the model-based adaptation of the test bundle, back as it was
          ObjectNode a = (ObjectNode) root.get("adaptation");
          a.put("graph", "dynamics");
          a.putArray("adaptable_tensors").add("layers.1.weight").add("layers.1.bias");
          a.putArray("inner_learning_rates").add(0.01);
          a.put("inner_steps", 3).put("support_window", 200).put("query_window", 50);
          a.put("loss", "mse");
        });
    assertThat(failure(duties).problems())
        .containsExactlyInAnyOrder(
            "manifest.json: action_spec.names: expected [v, omega] with a wheel_speed_loop (the"
                + " policy commands the body velocity), found [left, right]",
            "manifest.json: wheel_speed_loop: applies to a policy graph; adaptation mode"
                + " model-based plans wheel duties with its dynamics model");
    Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    Path signals = valid();
    editManifest(
        signals,
        root -> {
          bodyVelocity(root);
          ((ArrayNode) root.get("observation_spec").get("names")).set(2, "v");
          ((ObjectNode) root.get("wheel_speed_loop")).put("kp", -1);
        });
    assertThat(failure(signals).problems())
        .containsExactlyInAnyOrder(
            "manifest.json: observation_spec.names: expected [prev_left] among them: the"
                + " wheel-speed loop reads them",
            "manifest.json: wheel_speed_loop.kp: expected a gain ≥ 0, found -1.0");
  }

  @Test
  void adaptableTensorThatTheGraphDoesNotTakeAsInputIsReported() throws Exception {
    Path b = valid();
    editManifest(
        b,
        root -> ((ArrayNode) root.get("adaptation").get("adaptable_tensors")).add("layers.0.bias"));
    assertThat(failure(b).problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "dynamics.onnx: manifest.json adaptation.adaptable_tensors[2] names \"layers.0.bias\""));
  }

  @Test
  void unlistedExtraFileIsReported() throws Exception {
    Path b = valid();
    Files.writeString(b.resolve("notes.txt"), "hello");
    assertThat(failure(b).problems())
        .containsExactly(
            "notes.txt: present in the bundle but not listed in manifest.json files, so its content"
                + " cannot be verified");
  }

  @Test
  void invalidJsonNamesLineAndColumn() throws Exception {
    Path b = valid();
    Files.writeString(b.resolve("manifest.json"), "{\n  \"format_version\": \"1.0\",\n  oops\n}");
    assertThat(failure(b)).hasMessageStartingWith("manifest.json: not valid JSON at line 3");
  }

  @Test
  void aPolicyBundleWithoutPolicyGraphIsRejected() throws Exception {
    Path b = valid();
    editManifest(
        b,
        root -> {
          ((ObjectNode) root.get("graphs")).remove("policy");
          root.set("adaptation", JSON.createObjectNode().put("mode", "none"));
        });
    assertThat(failure(b).problems())
        .anySatisfy(
            p -> assertThat(p).startsWith("manifest.json: graphs: expected a \"policy\" graph"));
  }

  @Test
  void aModelBasedBundleNeedsItsDynamicsGraphButNoPolicy() throws Exception {
    Path b = valid();
    editManifest(b, root -> ((ObjectNode) root.get("graphs")).remove("policy"));
    assertThat(Bundle.load(b).manifest().graphs()).containsOnlyKeys("dynamics");

    Path c = dir.resolve("second");
    TestBundles.write(c);
    editManifest(c, root -> ((ObjectNode) root.get("graphs")).remove("dynamics"));
    assertThat(failure(c).problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "manifest.json: adaptation.graph: expected one of the graphs [policy],"
                            + " found \"dynamics\""));
  }

  @Test
  void writerRefusesFileNamesThatEscapeTheBundle() {
    assertThatThrownBy(
            () ->
                BundleWriter.write(
                    dir.resolve("x"), TestBundles.template(), Map.of("../x.onnx", new byte[1])))
        .hasMessageContaining("../x.onnx");
  }
}
