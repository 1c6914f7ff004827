package org.adaptrobot.models.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.junit.jupiter.api.Test;

/** A recurrent (RL²) policy's manifest: extra inputs, resets, and what is wrong named. */
class RecurrentManifestTest {

  static final Path SHIPPED = Path.of("../bundles/diffdrive-rl2/manifest.json");
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode manifest() throws Exception {
    return (ObjectNode) JSON.readTree(Files.readAllBytes(SHIPPED));
  }

  static ObjectNode architecture(ObjectNode m) {
    return (ObjectNode) m.path("graphs").path("policy").path("architecture");
  }

  static List<String> problems(ObjectNode m) {
    try {
      ManifestCodec.parse(JSON.writeValueAsBytes(m));
    } catch (BundleException e) {
      return e.problems();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("parsed: " + m);
  }

  @Test
  void extraInputsAndResetsSurviveARoundTrip() throws Exception {
    ObjectNode m = manifest();
    architecture(m).putArray("reset_on").add("activation").add("command");
    Manifest parsed = ManifestCodec.parse(JSON.writeValueAsBytes(m));
    GruArchitecture g = (GruArchitecture) parsed.graphs().get(Manifest.POLICY).architecture();
    assertThat(g.extraInputs())
        .containsExactly("previous_action", "previous_reward", "episode_done");
    assertThat(g.extraWidth(2)).isEqualTo(4);
    assertThat(g.resetsOn("activation")).isTrue();
    assertThat(g.resetsOn("e_stop")).isFalse();
    assertThat(ManifestCodec.parse(ManifestCodec.write(parsed))).isEqualTo(parsed);
  }

  @Test
  void withoutResetOnEveryEventResets() throws Exception {
    Manifest parsed = ManifestCodec.parse(Files.readAllBytes(SHIPPED));
    GruArchitecture g = (GruArchitecture) parsed.graphs().get(Manifest.POLICY).architecture();
    assertThat(g.resetOn()).isEqualTo(GruArchitecture.RESET_EVENTS);
  }

  @Test
  void anUnknownExtraInputOrResetEventIsNamedWithWhereItIs() throws Exception {
    ObjectNode m = manifest();
    architecture(m).putArray("extra_inputs").add("previous_action").add("previous_torque");
    architecture(m).putArray("reset_on").add("reboot");
    assertThat(problems(m))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("graphs.policy.architecture.extra_inputs[1]")
                    .contains("previous_torque"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("graphs.policy.architecture.reset_on[0]")
                    .contains("reboot"));
  }

  @Test
  void anInputSizeThatDoesNotCountTheExtraInputsIsNamed() throws Exception {
    ObjectNode m = manifest();
    architecture(m).putArray("extra_inputs").add("previous_reward");
    assertThat(problems(m))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("graphs.policy.architecture")
                    .contains("expected input size 10")
                    .contains("[previous_reward]")
                    .contains("found 13"));
  }

  @Test
  void aDuplicateExtraInputIsRefused() throws Exception {
    ObjectNode m = manifest();
    architecture(m).putArray("extra_inputs").add("previous_reward").add("previous_reward");
    assertThat(problems(m)).anySatisfy(p -> assertThat(p).contains("duplicate"));
    assertThatThrownBy(() -> ManifestCodec.parse(JSON.writeValueAsBytes(m)))
        .isInstanceOf(BundleException.class);
  }
}
