package org.adaptrobot.models.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The published schema and the reader must agree on what is required and what is known. */
class ManifestSchemaTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode schema() throws Exception {
    try (InputStream in = Manifest.class.getResourceAsStream("manifest.schema.json")) {
      assertThat(in).as("manifest.schema.json on the class path").isNotNull();
      return JSON.readTree(in);
    }
  }

  private static ObjectNode validManifest() throws Exception {
    byte[] bytes =
        ManifestCodec.write(
            TestBundles.template()
                .withFiles(Map.of("policy.onnx", "0".repeat(64), "dynamics.onnx", "1".repeat(64))));
    // graphs are filled by BundleExport; add them as the writer would
    ObjectNode root = (ObjectNode) JSON.readTree(bytes);
    ObjectNode graphs = root.putObject("graphs");
    graphs
        .putObject("policy")
        .put("file", "policy.onnx")
        .putObject("architecture")
        .put("type", "gaussian_mlp")
        .putPOJO("layer_sizes", List.of(4, 16, 2))
        .putPOJO("activations", List.of("tanh", "identity"));
    graphs
        .putObject("dynamics")
        .put("file", "dynamics.onnx")
        .putObject("architecture")
        .put("type", "mlp")
        .putPOJO("layer_sizes", List.of(6, 16, 4))
        .putPOJO("activations", List.of("tanh", "identity"));
    return (ObjectNode) JSON.readTree(JSON.writeValueAsBytes(root));
  }

  @Test
  void everyFieldTheSchemaRequiresIsRequiredByTheReader() throws Exception {
    JsonNode schema = schema();
    ObjectNode valid = validManifest();
    assertThat(ManifestCodec.parse(JSON.writeValueAsBytes(valid)).name()).isEqualTo("test-bundle");
    List<String> required = new ArrayList<>();
    schema.get("required").forEach(n -> required.add(n.asText()));
    for (String field : required) {
      ObjectNode copy = valid.deepCopy();
      copy.remove(field);
      try {
        ManifestCodec.parse(JSON.writeValueAsBytes(copy));
        throw new AssertionError("reader accepted a manifest without " + field);
      } catch (BundleException e) {
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains(field));
      }
    }
    for (String section : List.of("observation_spec", "action_spec", "provenance")) {
      JsonNode sec = schema.get("properties").get(section);
      if (sec.has("$ref")) { // "#/$defs/action"
        sec = schema.at(sec.get("$ref").asText().substring(1));
      }
      JsonNode req = sec.get("required");
      for (JsonNode f : req) {
        ObjectNode copy = valid.deepCopy();
        ((ObjectNode) copy.get(section)).remove(f.asText());
        try {
          ManifestCodec.parse(JSON.writeValueAsBytes(copy));
          throw new AssertionError("reader accepted " + section + " without " + f.asText());
        } catch (BundleException e) {
          assertThat(e.problems())
              .anySatisfy(p -> assertThat(p).contains(section + "." + f.asText()));
        }
      }
    }
  }

  @Test
  void everyTopLevelFieldTheWriterEmitsIsInTheSchema() throws Exception {
    JsonNode properties = schema().get("properties");
    validManifest()
        .fieldNames()
        .forEachRemaining(f -> assertThat(properties.has(f)).as(f).isTrue());
  }
}
