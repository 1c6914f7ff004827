package org.adaptrobot.models.nn;

import java.util.function.ToDoubleFunction;

/**
 * Central finite differences in double precision, the reference every gradient is checked against.
 */
final class FiniteDifferences {

  private FiniteDifferences() {}

  /** ∂f/∂x_i by (f(x + h e_i) − f(x − h e_i)) / 2h, for every i; restores x. */
  static double[] gradient(ToDoubleFunction<double[]> f, double[] x, double h) {
    double[] g = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double saved = x[i];
      x[i] = saved + h;
      double plus = f.applyAsDouble(x);
      x[i] = saved - h;
      double minus = f.applyAsDouble(x);
      x[i] = saved;
      g[i] = (plus - minus) / (2 * h);
    }
    return g;
  }

  /**
   * Directional derivative of a vector function: (g(x + h v) − g(x − h v)) / 2h, where {@code
   * gradient} writes g(x) into its second argument.
   */
  static double[] directional(
      java.util.function.BiConsumer<double[], double[]> gradient,
      double[] x,
      double[] v,
      double h,
      int outSize) {
    double[] xp = x.clone();
    double[] xm = x.clone();
    for (int i = 0; i < x.length; i++) {
      xp[i] += h * v[i];
      xm[i] -= h * v[i];
    }
    double[] gp = new double[outSize];
    double[] gm = new double[outSize];
    gradient.accept(xp, gp);
    gradient.accept(xm, gm);
    double[] r = new double[outSize];
    for (int i = 0; i < outSize; i++) {
      r[i] = (gp[i] - gm[i]) / (2 * h);
    }
    return r;
  }

  /** Largest |a_i − b_i| / max(1, |a_i|, |b_i|). */
  static double maxRelativeError(double[] a, double[] b) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      double scale = Math.max(1.0, Math.max(Math.abs(a[i]), Math.abs(b[i])));
      worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
    }
    return worst;
  }

  static double[] random(java.util.SplittableRandom r, int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (2 * r.nextDouble() - 1) * scale;
    }
    return v;
  }
}
