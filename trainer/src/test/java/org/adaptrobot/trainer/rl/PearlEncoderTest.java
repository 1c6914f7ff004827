package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PEARL's encoder: order does not matter, and its gradient through the product is exact. */
class PearlEncoderTest {

  static double[] context(int n, int size, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] c = new double[n * size];
    for (int i = 0; i < c.length; i++) {
      c[i] = 2 * r.nextDouble() - 1;
    }
    return c;
  }

  @Test
  void thePosteriorDoesNotDependOnTheOrderOfTheContext() {
    int size = 5;
    int n = 9;
    PearlEncoder e = new PearlEncoder(size, 3, new int[] {16}, 1);
    double[] c = context(n, size, 2);
    double[] shuffled = new double[c.length];
    int[] order = {4, 8, 0, 6, 2, 7, 1, 5, 3};
    for (int k = 0; k < n; k++) {
      System.arraycopy(c, order[k] * size, shuffled, k * size, size);
    }
    double[] noise = {0.3, -1.1, 0.7};
    PearlEncoder.Pass a = e.sample(e.parameters(), c, n, noise);
    PearlEncoder.Pass b = e.sample(e.parameters(), shuffled, n, noise);
    for (int j = 0; j < 3; j++) {
      assertThat(b.mean()[j]).isCloseTo(a.mean()[j], offset(1e-12));
      assertThat(b.variance()[j]).isCloseTo(a.variance()[j], offset(1e-12));
      assertThat(b.z()[j]).isCloseTo(a.z()[j], offset(1e-12));
    }
    assertThat(b.kl()).isCloseTo(a.kl(), offset(1e-12));
    // more transitions: a tighter posterior
    PearlEncoder.Pass fewer = e.sample(e.parameters(), c, 3, noise);
    for (int j = 0; j < 3; j++) {
      assertThat(a.variance()[j]).isLessThan(fewer.variance()[j]);
    }
  }

  @Test
  void theGradientThroughTheProductOfFactorsMatchesFiniteDifferences() {
    int size = 4;
    int n = 6;
    PearlEncoder e = new PearlEncoder(size, 2, new int[] {8}, 3);
    double[] c = context(n, size, 4);
    double[] noise = {0.8, -0.4};
    double[] w = {1.3, -0.7}; // L = w·z + β KL
    double beta = 0.5;
    double[] theta = e.parameters().clone();
    double[] grad = new double[theta.length];
    PearlEncoder.Pass p = e.sample(theta, c, n, noise);
    e.backward(theta, p, w, beta, grad);
    double worst =
        FiniteDifferences.assertGradient(
            theta, grad, x -> loss(e, x, c, n, noise, w, beta), 1e-7, 1e-5);
    assertThat(worst).isGreaterThan(1e-3);
  }

  static double loss(
      PearlEncoder e, double[] theta, double[] c, int n, double[] noise, double[] w, double beta) {
    PearlEncoder.Pass p = e.sample(theta, c, n, noise);
    double l = beta * p.kl();
    for (int j = 0; j < w.length; j++) {
      l += w[j] * p.z()[j];
    }
    return l;
  }

  @Test
  void theProductOfFactorsCanRepresentTheGoalOfATwoDimensionalNavigationContext() {
    // regression straight onto the goal: what the critics' signal would have to teach it
    int n = 64;
    PearlEncoder enc = new PearlEncoder(7, 5, new int[] {64, 64}, 1);
    org.adaptrobot.models.optim.Adam adam =
        new org.adaptrobot.models.optim.Adam(enc.parameters().length, 1e-3);
    java.util.SplittableRandom r = new java.util.SplittableRandom(2);
    double[] grad = new double[enc.parameters().length];
    double loss = Double.NaN;
    for (int step = 0; step < 800; step++) {
      java.util.Arrays.fill(grad, 0);
      loss = 0;
      for (int task = 0; task < 8; task++) {
        double gx = r.nextDouble() - 0.5;
        double gy = r.nextDouble() - 0.5;
        double[] ctx = new double[n * 7];
        for (int k = 0; k < n; k++) {
          double sx = 1.4 * r.nextDouble() - 0.7;
          double sy = 1.4 * r.nextDouble() - 0.7;
          double ax = 2 * r.nextDouble() - 1;
          double ay = 2 * r.nextDouble() - 1;
          double nx = sx + 0.1 * ax;
          double ny = sy + 0.1 * ay;
          double[] t = {sx, sy, ax, ay, -Math.hypot(nx - gx, ny - gy), nx, ny};
          System.arraycopy(t, 0, ctx, k * 7, 7);
        }
        PearlEncoder.Pass p = enc.sample(enc.parameters(), ctx, n, null);
        double[] z = p.z();
        double[] d = new double[5];
        d[0] = (z[0] - gx) / 8;
        d[1] = (z[1] - gy) / 8;
        loss += 0.5 * ((z[0] - gx) * (z[0] - gx) + (z[1] - gy) * (z[1] - gy)) / 8;
        enc.backward(enc.parameters(), p, d, 0, grad);
      }
      adam.step(enc.parameters(), grad);
    }
    // predicting the centre would leave ½ · 2 · 1/12 = 0.083
    assertThat(loss).isLessThan(0.01);
  }
}
