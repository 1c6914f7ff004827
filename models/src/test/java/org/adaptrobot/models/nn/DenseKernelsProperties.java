package org.adaptrobot.models.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The tiled kernels against the textbook triple loops, for every shape class (tiles and edges). */
class DenseKernelsProperties {

  private static double[] random(int n, long seed) {
    return FiniteDifferences.random(new SplittableRandom(seed), n, 1.0);
  }

  @Property(tries = 300, seed = "7")
  void kernelsEqualNaiveProducts(
      @ForAll @IntRange(min = 1, max = 13) int batch,
      @ForAll @IntRange(min = 1, max = 13) int in,
      @ForAll @IntRange(min = 1, max = 13) int out,
      @ForAll @IntRange(min = 0, max = 5) int offset) {
    double[] x = random(batch * in, 1);
    double[] p = random(offset + in * out + out, 2);
    int w = offset;
    int b = offset + in * out;
    double[] d = random(batch * out, 3);

    double[] y = new double[batch * out];
    DenseKernels.forward(x, batch, in, p, w, b, out, y);
    double[] grad = random(offset + in * out, 4);
    double[] gradNaive = grad.clone();
    DenseKernels.accumulateOuter(x, d, batch, in, out, grad, offset);
    double[] back = random(batch * in, 5);
    double[] backNaive = back.clone();
    DenseKernels.multiplyTransposed(d, batch, out, p, w, in, back, true);

    for (int s = 0; s < batch; s++) {
      for (int j = 0; j < out; j++) {
        double acc = p[b + j];
        for (int i = 0; i < in; i++) {
          acc += x[s * in + i] * p[w + i * out + j];
        }
        assertThat(y[s * out + j]).isCloseTo(acc, offset(1e-12));
      }
      double[] one = new double[out];
      DenseKernels.forwardOne(x, s * in, in, p, w, b, out, one, 0);
      for (int j = 0; j < out; j++) {
        assertThat(one[j]).isCloseTo(y[s * out + j], offset(1e-12));
      }
      for (int i = 0; i < in; i++) {
        double acc = 0;
        for (int j = 0; j < out; j++) {
          acc += d[s * out + j] * p[w + i * out + j];
        }
        backNaive[s * in + i] += acc;
      }
    }
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        double acc = 0;
        for (int s = 0; s < batch; s++) {
          acc += x[s * in + i] * d[s * out + j];
        }
        gradNaive[offset + i * out + j] += acc;
      }
    }
    assertThat(grad).containsExactly(gradNaive, offset(1e-12));
    assertThat(back).containsExactly(backNaive, offset(1e-12));
  }
}
