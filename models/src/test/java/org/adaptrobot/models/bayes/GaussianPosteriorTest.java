package org.adaptrobot.models.bayes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The product-of-Gaussians posterior and its KL terms against closed forms and numerics. */
class GaussianPosteriorTest {

  @Test
  void twoFactorsMultiplyAsTheClosedFormSays() {
    GaussianPosterior p = new GaussianPosterior(1, 10);
    p.add(new double[] {1.0}, new double[] {4.0}, 0);
    p.add(new double[] {-2.0}, new double[] {1.0}, 0);
    double[] m = new double[1];
    double[] v = new double[1];
    p.posterior(m, v);
    // σ² = σ1²σ2²/(σ1² + σ2²) = 0.8; μ = (μ1σ2² + μ2σ1²)/(σ1² + σ2²) = (1 − 8)/5 = −1.4
    assertThat(v[0]).isCloseTo(0.8, offset(1e-12));
    assertThat(m[0]).isCloseTo(-1.4, offset(1e-12));
    p.reset();
    p.posterior(m, v);
    assertThat(m[0]).isZero();
    assertThat(v[0]).isEqualTo(1.0);
  }

  @Test
  void theSlidingWindowIsTheProductOfTheLastFactorsOnly() {
    int z = 3;
    int w = 7;
    GaussianPosterior p = new GaussianPosterior(z, w);
    SplittableRandom r = new SplittableRandom(2);
    int n = 53;
    double[][] mus = new double[n][z];
    double[][] vars = new double[n][z];
    for (int k = 0; k < n; k++) {
      for (int j = 0; j < z; j++) {
        mus[k][j] = 4 * r.nextDouble() - 2;
        vars[k][j] = 0.01 + 3 * r.nextDouble();
      }
      p.add(mus[k], vars[k], 0);
      double[] m = new double[z];
      double[] v = new double[z];
      p.posterior(m, v);
      for (int j = 0; j < z; j++) {
        double prec = 0;
        double wsum = 0;
        for (int i = Math.max(0, k - w + 1); i <= k; i++) {
          prec += 1 / vars[i][j];
          wsum += mus[i][j] / vars[i][j];
        }
        assertThat(v[j]).isCloseTo(1 / prec, offset(1e-12 * (1 / prec)));
        assertThat(m[j]).isCloseTo(wsum / prec, offset(1e-10));
      }
    }
    assertThat(p.count()).isEqualTo(w);
  }

  @Test
  void thePosteriorDoesNotDependOnTheOrderOfTheTransitions() {
    int z = 2;
    int n = 12;
    SplittableRandom r = new SplittableRandom(4);
    double[] mus = new double[n * z];
    double[] vars = new double[n * z];
    for (int i = 0; i < n * z; i++) {
      mus[i] = r.nextGaussian();
      vars[i] = 0.1 + r.nextDouble();
    }
    GaussianPosterior forward = new GaussianPosterior(z, n);
    GaussianPosterior shuffled = new GaussianPosterior(z, n);
    int[] order = {5, 0, 11, 3, 8, 1, 10, 2, 7, 4, 9, 6};
    for (int k = 0; k < n; k++) {
      forward.add(mus, vars, k * z);
      shuffled.add(mus, vars, order[k] * z);
    }
    double[] m1 = new double[z];
    double[] v1 = new double[z];
    double[] m2 = new double[z];
    double[] v2 = new double[z];
    forward.posterior(m1, v1);
    shuffled.posterior(m2, v2);
    for (int j = 0; j < z; j++) {
      assertThat(m2[j]).isCloseTo(m1[j], offset(1e-12));
      assertThat(v2[j]).isCloseTo(v1[j], offset(1e-12));
    }
  }

  /** ∫ p log(p/q) for 1-D Gaussians by Simpson's rule over ±12 standard deviations of p. */
  static double numericKl(double m1, double v1, double m2, double v2) {
    double s1 = Math.sqrt(v1);
    double lo = m1 - 12 * s1;
    double hi = m1 + 12 * s1;
    int n = 20_000;
    double h = (hi - lo) / n;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
      double x = lo + i * h;
      double lp = -0.5 * (x - m1) * (x - m1) / v1 - 0.5 * Math.log(2 * Math.PI * v1);
      double lq = -0.5 * (x - m2) * (x - m2) / v2 - 0.5 * Math.log(2 * Math.PI * v2);
      double f = Math.exp(lp) * (lp - lq);
      sum += (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2) * f;
    }
    return sum * h / 3;
  }

  @Test
  void theKlTermsMatchNumericalIntegration() {
    double[][] cases = {{0.3, 0.5}, {-1.2, 2.0}, {0.0, 1.0}, {2.0, 0.05}};
    for (double[] c : cases) {
      double closed = GaussianPosterior.klToUnitPrior(new double[] {c[0]}, new double[] {c[1]});
      assertThat(closed).isCloseTo(numericKl(c[0], c[1], 0, 1), offset(1e-8));
      double shift =
          GaussianPosterior.kl(
              new double[] {c[0]}, new double[] {c[1]}, new double[] {0.5}, new double[] {0.8});
      assertThat(shift).isCloseTo(numericKl(c[0], c[1], 0.5, 0.8), offset(1e-8));
    }
    // diagonal: the dimensions add
    double two = GaussianPosterior.klToUnitPrior(new double[] {0.3, -1.2}, new double[] {0.5, 2.0});
    assertThat(two).isCloseTo(numericKl(0.3, 0.5, 0, 1) + numericKl(-1.2, 2.0, 0, 1), offset(1e-8));
    assertThat(
            GaussianPosterior.kl(
                new double[] {1}, new double[] {2}, new double[] {1}, new double[] {2}))
        .isZero();
  }

  @Test
  void addingAFactorAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    GaussianPosterior p = new GaussianPosterior(5, 25);
    double[] m = {0.1, 0.2, 0.3, 0.4, 0.5};
    double[] v = {1, 2, 3, 4, 5};
    double[] pm = new double[5];
    double[] pv = new double[5];
    for (int i = 0; i < 20_000; i++) {
      p.add(m, v, 0);
      p.posterior(pm, pv);
    }
    long id = Thread.currentThread().threadId();
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 10_000; i++) {
      m[0] = i * 1e-4;
      p.add(m, v, 0);
      p.posterior(pm, pv);
    }
    assertThat(threads.getThreadAllocatedBytes(id) - before).isLessThan(1_000);
  }
}
