package org.adaptrobot.models.optim;

/** Gradient clipping, in place. */
public final class GradientClipping {

  private GradientClipping() {}

  /** Euclidean norm of {@code v}. */
  public static double norm(double[] v) {
    double sum = 0.0;
    for (double x : v) {
      sum += x * x;
    }
    return Math.sqrt(sum);
  }

  /**
   * Scales {@code gradient} so its Euclidean norm is at most {@code maxNorm}; returns the norm
   * before clipping. A non-finite norm leaves the gradient untouched so the caller can see and
   * reject it.
   */
  public static double clipByNorm(double[] gradient, double maxNorm) {
    if (!(maxNorm > 0)) {
      throw new IllegalArgumentException("maxNorm must be positive, got " + maxNorm);
    }
    double n = norm(gradient);
    if (Double.isFinite(n) && n > maxNorm) {
      double scale = maxNorm / n;
      for (int i = 0; i < gradient.length; i++) {
        gradient[i] *= scale;
      }
    }
    return n;
  }

  /** Clamps every entry to [−limit, limit]; returns how many entries were changed. */
  public static int clipByValue(double[] gradient, double limit) {
    if (!(limit > 0)) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
    int changed = 0;
    for (int i = 0; i < gradient.length; i++) {
      double g = gradient[i];
      if (g > limit) {
        gradient[i] = limit;
        changed++;
      } else if (g < -limit) {
        gradient[i] = -limit;
        changed++;
      }
    }
    return changed;
  }
}
