package org.adaptrobot.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validation compares ONNX Runtime with the declared architecture over the whole input box the
 * runtime can feed, so a graph that differs from it anywhere there is refused, with the input that
 * shows it.
 */
class OnnxRuntimeCheckTest {

  @TempDir Path dir;

  /**
   * The tracking controller with a Clip of every input to [−limit, limit] before its first layer.
   */
  Path clipped(String name, double limit) throws Exception {
    Path b = dir.resolve(name);
    TrackingControllerBundle.write(b, 0.0325, 0.15, 0.0022, 100, 0.05);
    Path onnx = b.resolve("policy.onnx");
    OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(onnx));
    OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
    for (int i = 0; i < g.getNodeCount(); i++) {
      OnnxMl.NodeProto n = g.getNode(i);
      for (int k = 0; k < n.getInputCount(); k++) {
        if (n.getInput(k).equals("input")) {
          g.setNode(i, n.toBuilder().setInput(k, "input_clipped"));
        }
      }
    }
    g.addInitializer(scalar("clip_min", (float) -limit));
    g.addInitializer(scalar("clip_max", (float) limit));
    g.addNode(
        0,
        OnnxMl.NodeProto.newBuilder()
            .setOpType("Clip")
            .setName("clip_input")
            .addInput("input")
            .addInput("clip_min")
            .addInput("clip_max")
            .addOutput("input_clipped"));
    byte[] bytes = model.toBuilder().setGraph(g).build().toByteArray();
    Files.write(onnx, bytes);
    ObjectMapper json = new ObjectMapper();
    ObjectNode manifest = (ObjectNode) json.readTree(b.resolve("manifest.json").toFile());
    ((ObjectNode) manifest.get("files")).put("policy.onnx", Sha256.hex(bytes));
    Files.write(b.resolve("manifest.json"), json.writeValueAsBytes(manifest));
    return b;
  }

  static OnnxMl.TensorProto scalar(String name, float v) {
    return OnnxMl.TensorProto.newBuilder()
        .setName(name)
        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
        .addFloatData(v)
        .build();
  }

  @Test
  void theShippedBundlesPass() throws Exception {
    for (String name : new String[] {"tracking-integral", "diffdrive-grbal", "diffdrive-cavia"}) {
      assertThat(OnnxRuntimeCheck.check(Bundle.load(Path.of("../bundles", name))))
          .as(name)
          .isEmpty();
    }
  }

  @Test
  void aClipInFrontOfTheFirstLayerIsRefusedWithTheInputThatShowsIt() throws Exception {
    List<String> problems = OnnxRuntimeCheck.check(Bundle.load(clipped("clip-1", 1.0)));
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0))
        .startsWith("policy.onnx: output 'output'[")
        .contains("in ONNX Runtime but")
        .contains("at a corner of the input box, input {v (normalised) = ")
        .endsWith("the graph does not implement its manifest architecture");
    System.out.println(problems.get(0));
  }

  @Test
  void aGraphThatDiffersOnlyOutsideTheOldTestRangeIsRefused() throws Exception {
    // the former check fed values in [-1.5, 1.5] only: a Clip at 1.6 passed it
    assertThat(OnnxRuntimeCheck.check(Bundle.load(clipped("clip-1.6", 1.6))))
        .singleElement()
        .asString()
        .contains("does not implement its manifest architecture");
    // and one far outside every input the runtime can produce changes nothing: it passes
    assertThat(OnnxRuntimeCheck.check(Bundle.load(clipped("clip-1000", 1000)))).isEmpty();
  }

  @Test
  void theBoxFollowsTheManifest() throws Exception {
    Bundle b = Bundle.load(Path.of("../bundles/tracking-integral"));
    var graph = b.graph("policy");
    OnnxRuntimeCheck.Box box =
        OnnxRuntimeCheck.box("policy", graph.spec().architecture(), b.manifest());
    var o = b.manifest().observation();
    for (int i = 0; i < o.size(); i++) {
      assertThat(box.low()[i]).isEqualTo((o.low()[i] - o.mean()[i]) / o.std()[i]);
      assertThat(box.high()[i]).isEqualTo((o.high()[i] - o.mean()[i]) / o.std()[i]);
    }
    var probes = OnnxRuntimeCheck.probes(box);
    assertThat(probes.get(0).count()).isEqualTo(1 << o.size()); // 9 inputs: all 512 corners
    assertThat(probes.get(2).count()).isEqualTo(OnnxRuntimeCheck.RANDOM_POINTS);
  }
}
