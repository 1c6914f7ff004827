package org.adaptrobot.models.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DiagonalGaussianTest {

  @Test
  void logProbOfStandardNormalAtZeroIsMinusHalfLogTwoPiPerDimension() {
    double[] zero = new double[3];
    assertThat(DiagonalGaussian.logProb(zero, 0, zero, 0, zero, 0, 3))
        .isCloseTo(-1.5 * Math.log(2 * Math.PI), offset(1e-15));
  }

  @Test
  void entropyMatchesMonteCarloEstimate() {
    double[] mean = {0.3, -1.0};
    double[] logStd = {-0.5, 0.7};
    SplittableRandom r = new SplittableRandom(3);
    double sum = 0;
    int n = 200_000;
    double[] x = new double[2];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 2; j++) {
        x[j] = mean[j] + Math.exp(logStd[j]) * r.nextGaussian();
      }
      sum -= DiagonalGaussian.logProb(x, 0, mean, 0, logStd, 0, 2);
    }
    assertThat(sum / n).isCloseTo(DiagonalGaussian.entropy(logStd, 0, 2), offset(0.01));
  }

  @Test
  void klIsZeroForEqualDistributionsAndMatchesTheOneDimensionalFormula() {
    double[] m = {0.5};
    double[] s = {0.2};
    assertThat(DiagonalGaussian.klDivergence(m, s, m, s, 1)).isCloseTo(0.0, offset(1e-15));
    // KL(N(0,1) ‖ N(1, 4)) = log 2 + (1 + 1)/8 − 1/2
    double kl =
        DiagonalGaussian.klDivergence(
            new double[] {0}, new double[] {0}, new double[] {1}, new double[] {Math.log(2)}, 1);
    assertThat(kl).isCloseTo(Math.log(2) + 0.25 - 0.5, offset(1e-14));
  }
}
