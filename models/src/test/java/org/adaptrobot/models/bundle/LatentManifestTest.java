package org.adaptrobot.models.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A latent bundle's manifest (RMA-style window, PEARL-style factors): the window, the encoder, and
 * what is wrong named.
 */
class LatentManifestTest {

  static final Path SHIPPED = Path.of("../bundles/diffdrive-rma/manifest.json");
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode manifest() throws Exception {
    return (ObjectNode) JSON.readTree(Files.readAllBytes(SHIPPED));
  }

  static ObjectNode latent(ObjectNode m) {
    return (ObjectNode) m.path("adaptation").path("latent");
  }

  /** What the codec names wrong in {@code m} (it must not parse). */
  static List<String> problems(ObjectNode m) {
    return RecurrentManifestTest.problems(m);
  }

  @Test
  void theLatentSpecSurvivesARoundTrip() throws Exception {
    ObjectNode m = manifest();
    latent(m).putArray("reset_on").add("activation");
    Manifest parsed = ManifestCodec.parse(JSON.writeValueAsBytes(m));
    Manifest.LatentSpec l = parsed.adaptation().latent();
    assertThat(parsed.adaptation().mode()).isEqualTo(AdaptationMode.LATENT);
    assertThat(parsed.adaptation().graph()).isEqualTo(Manifest.ENCODER);
    assertThat(l.window()).isEqualTo(25);
    assertThat(l.resetsOn("activation")).isTrue();
    assertThat(l.resetsOn("command")).isFalse();
    assertThat(ManifestCodec.parse(ManifestCodec.write(parsed))).isEqualTo(parsed);
    // without reset_on it restarts on every event
    latent(m).remove("reset_on");
    assertThat(ManifestCodec.parse(JSON.writeValueAsBytes(m)).adaptation().latent().resetOn())
        .isEqualTo(Manifest.LatentSpec.RESET_EVENTS);
  }

  @Test
  void aMissingOrWrongLatentSpecIsNamedWithWhereItIs() throws Exception {
    ObjectNode m = manifest();
    ((ObjectNode) m.path("adaptation")).remove("latent");
    assertThat(problems(m)).anySatisfy(p -> assertThat(p).contains("adaptation.latent"));
    m = manifest();
    latent(m).put("window", 0);
    latent(m).putArray("reset_on").add("reboot");
    assertThat(problems(m))
        .anySatisfy(
            p -> assertThat(p).contains("adaptation.latent.window").contains("expected an integer"))
        .anySatisfy(
            p -> assertThat(p).contains("adaptation.latent.reset_on[0]").contains("reboot"));
  }

  @Test
  void graphsThatDoNotFitTheWindowOrTheLatentAreNamed() throws Exception {
    ObjectNode m = manifest();
    latent(m).put("window", 20); // the encoder reads 25 × 9
    assertThat(problems(m))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("graphs.encoder.architecture")
                    .contains("expected input size 180")
                    .contains("found 225"));
    m = manifest();
    latent(m).put("latent_size", 3);
    assertThat(problems(m))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("graphs.encoder.architecture")
                    .contains("expected output size 3"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("graphs.policy.architecture")
                    .contains("expected input size 12")
                    .contains("then the latent's 3"));
  }

  @Test
  void theEncoderMustBeAnMlp() throws Exception {
    ObjectNode m = manifest();
    ObjectNode arch = (ObjectNode) m.path("graphs").path("encoder").path("architecture");
    arch.put("type", "gaussian_mlp");
    assertThat(problems(m))
        .anySatisfy(p -> assertThat(p).contains("mode latent needs an mlp encoder graph"));
  }

  /** The shipped manifest turned into a factors one: the encoder reads 2 × 9, gives 2 × 7. */
  static ObjectNode factors() throws Exception {
    ObjectNode m = manifest();
    latent(m).put("encoding", "factors");
    latent(m).put("window", 50);
    ObjectNode arch = (ObjectNode) m.path("graphs").path("encoder").path("architecture");
    arch.putArray("layer_sizes").add(18).add(64).add(14);
    arch.putArray("activations").add("tanh").add("identity");
    return m;
  }

  @Test
  void theFactorsEncodingSurvivesARoundTripAndSizesItsEncoder() throws Exception {
    Manifest parsed = ManifestCodec.parse(JSON.writeValueAsBytes(factors()));
    Manifest.LatentSpec l = parsed.adaptation().latent();
    assertThat(l.factors()).isTrue();
    assertThat(l.encoding()).isEqualTo("factors");
    assertThat(l.encoderInput(9)).isEqualTo(18);
    assertThat(l.encoderOutput()).isEqualTo(14);
    assertThat(ManifestCodec.parse(ManifestCodec.write(parsed))).isEqualTo(parsed);
    // the window encoding is the default and is not written
    Manifest shipped = ManifestCodec.parse(Files.readAllBytes(SHIPPED));
    assertThat(shipped.adaptation().latent().encoding()).isEqualTo("window");
    assertThat(new String(ManifestCodec.write(shipped), java.nio.charset.StandardCharsets.UTF_8))
        .doesNotContain("encoding");
  }

  @Test
  void aFactorsEncoderOfTheWrongShapeOrAnUnknownEncodingIsNamed() throws Exception {
    ObjectNode m = manifest();
    latent(m).put("encoding", "factors"); // the shipped window encoder: 225 → 7
    assertThat(problems(m))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("graphs.encoder.architecture")
                    .contains("expected output size 14 (2 × adaptation.latent.latent_size")
                    .contains("found 7"));
    m = factors();
    ObjectNode arch = (ObjectNode) m.path("graphs").path("encoder").path("architecture");
    arch.putArray("layer_sizes").add(225).add(64).add(14);
    assertThat(problems(m))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("graphs.encoder.architecture")
                    .contains("expected input size 18 (encoding factors: a transition is 2 × 9")
                    .contains("found 225"));
    m = factors();
    latent(m).put("encoding", "recurrent");
    assertThat(problems(m))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("adaptation.latent.encoding")
                    .contains("expected window or factors")
                    .contains("recurrent"));
  }
}
