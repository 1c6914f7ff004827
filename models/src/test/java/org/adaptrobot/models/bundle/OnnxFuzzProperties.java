package org.adaptrobot.models.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.adaptrobot.models.onnx.OnnxExport;
import org.adaptrobot.models.onnx.OnnxFormatException;
import org.adaptrobot.models.onnx.OnnxImport;

/** Damaged ONNX bytes give a parsed model or an {@link OnnxFormatException}, nothing else. */
class OnnxFuzzProperties {

  private static final byte[] VALID =
      OnnxExport.export(
          TestBundles.DYNAMICS,
          TestBundles.params(TestBundles.DYNAMICS.layout().size(), 2),
          Set.of("layers.1.bias"));

  @Provide
  Arbitrary<byte[]> damaged() {
    Arbitrary<Integer> position = Arbitraries.integers().between(0, VALID.length - 1);
    Arbitrary<byte[]> flipped =
        Combinators.combine(position.list().ofMinSize(1).ofMaxSize(6), Arbitraries.bytes())
            .as(
                (ps, v) -> {
                  byte[] b = VALID.clone();
                  for (int p : ps) {
                    b[p] ^= (byte) (v | 1);
                  }
                  return b;
                });
    Arbitrary<byte[]> cut = position.map(p -> java.util.Arrays.copyOf(VALID, p));
    return Arbitraries.oneOf(flipped, cut);
  }

  @Property(tries = 2000, seed = "20261121")
  void damagedModelsAreParsedOrRejectedWithTheFileName(@ForAll("damaged") byte[] bytes) {
    try {
      var model = OnnxImport.parse(bytes, "dynamics.onnx");
      try {
        OnnxImport.readParameters(model, TestBundles.DYNAMICS.layout(), "dynamics.onnx");
      } catch (OnnxFormatException e) {
        assertThat(e.problems()).allSatisfy(p -> assertThat(p).startsWith("dynamics.onnx: "));
      }
    } catch (OnnxFormatException e) {
      List<String> problems = e.problems();
      assertThat(problems)
          .isNotEmpty()
          .allSatisfy(p -> assertThat(p).startsWith("dynamics.onnx: "));
    }
  }
}
