package org.adaptrobot.models.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The manifest parser must answer every input, however mangled, with either a manifest or a {@link
 * BundleException} that names {@code manifest.json}: never another exception, never a hang.
 */
class ManifestFuzzProperties {

  private static final byte[] VALID =
      ManifestCodec.write(
          TestBundles.template()
              .withFiles(
                  java.util.Map.of(
                      "policy.onnx", "0".repeat(64), "dynamics.onnx", "1".repeat(64))));

  @Provide
  Arbitrary<byte[]> mutatedManifests() {
    Arbitrary<Integer> position = Arbitraries.integers().between(0, VALID.length - 1);
    Arbitrary<Byte> value = Arbitraries.bytes();
    Arbitrary<byte[]> flipped =
        Combinators.combine(position.list().ofMaxSize(8), value.list().ofMaxSize(8))
            .as(
                (ps, vs) -> {
                  byte[] b = VALID.clone();
                  for (int i = 0; i < Math.min(ps.size(), vs.size()); i++) {
                    b[ps.get(i)] = vs.get(i);
                  }
                  return b;
                });
    Arbitrary<byte[]> cut = position.map(p -> java.util.Arrays.copyOf(VALID, p));
    Arbitrary<byte[]> tokens =
        Combinators.combine(
                position,
                Arbitraries.of(
                    "null",
                    "-1",
                    "1e999",
                    "\"\"",
                    "[]",
                    "{}",
                    "\"2.0\"",
                    "true",
                    "0",
                    "[null]",
                    "\"../x\"",
                    "NaN",
                    "[1,2,3]"))
            .as(
                (p, tok) -> {
                  String s = new String(VALID, StandardCharsets.UTF_8);
                  int colon = s.indexOf(':', p);
                  if (colon < 0) {
                    return VALID;
                  }
                  int end = colon + 1;
                  int depth = 0;
                  while (end < s.length()) {
                    char c = s.charAt(end);
                    if (c == '[' || c == '{') {
                      depth++;
                    } else if (c == ']' || c == '}') {
                      if (depth == 0) {
                        break;
                      }
                      depth--;
                    } else if (c == ',' && depth == 0) {
                      break;
                    }
                    end++;
                  }
                  return (s.substring(0, colon + 1) + " " + tok + s.substring(end))
                      .getBytes(StandardCharsets.UTF_8);
                });
    return Arbitraries.oneOf(flipped, cut, tokens);
  }

  @Property(tries = 3000, seed = "20261121")
  void parserAnswersEveryMutationWithAManifestOrANamedProblem(
      @ForAll("mutatedManifests") byte[] json) {
    try {
      Manifest m = ManifestCodec.parse(json);
      assertThat(m.observation().size()).isPositive();
    } catch (BundleException e) {
      assertThat(e.problems())
          .isNotEmpty()
          .allSatisfy(p -> assertThat(p).startsWith("manifest.json: "));
    }
  }
}
