package org.adaptrobot.demo;

/**
 * How an inferred latent answered a change of the robot, from its trace (one latent per step): the
 * size of its step (‖mean over the last seconds − mean over the seconds before the change‖), its
 * wander on the unchanged robot (the root mean square of its distance from that earlier mean over
 * the same seconds: set-point changes and noise move it too), and its rise time — from the change
 * until its trailing mean along the step's direction first covers 90 % of the step. RMA's
 * "adaptation in fractions of a second" is this rise time; a step smaller than a couple of wanders
 * is not one the latent can be said to have taken.
 *
 * @param step ‖z̄ after − z̄ before‖
 * @param wander RMS of ‖z − z̄ before‖ before the change
 * @param riseSeconds seconds from the change to 90 % of the step, NaN if never (or no step)
 */
public record LatentResponse(double step, double wander, double riseSeconds) {

  /**
   * @param z latents, {@code size} per step
   * @param dt seconds per step
   * @param changeStep the first step after the change
   * @param span seconds averaged before the change and at the end
   * @param smoothing seconds of the trailing mean the rise is read from
   */
  public static LatentResponse of(
      double[] z, int size, double dt, int changeStep, double span, double smoothing) {
    int n = z.length / size;
    int w = (int) Math.round(span / dt);
    if (changeStep - w < 0 || n - w < changeStep) {
      throw new IllegalArgumentException(
          "a trace of "
              + n
              + " steps has no "
              + span
              + " s before the change at step "
              + changeStep
              + " and after it");
    }
    double[] before = mean(z, size, changeStep - w, changeStep);
    double[] after = mean(z, size, n - w, n);
    double step = 0;
    for (int j = 0; j < size; j++) {
      step += (after[j] - before[j]) * (after[j] - before[j]);
    }
    step = Math.sqrt(step);
    double wander = 0;
    for (int t = changeStep - w; t < changeStep; t++) {
      for (int j = 0; j < size; j++) {
        double d = z[t * size + j] - before[j];
        wander += d * d;
      }
    }
    wander = Math.sqrt(wander / w);
    if (step == 0) {
      return new LatentResponse(0, wander, Double.NaN);
    }
    int m = Math.max(1, (int) Math.round(smoothing / dt));
    double[] along = new double[n];
    for (int t = 0; t < n; t++) {
      double p = 0;
      for (int j = 0; j < size; j++) {
        p += (z[t * size + j] - before[j]) * (after[j] - before[j]) / step;
      }
      along[t] = p;
    }
    double sum = 0;
    for (int t = changeStep - m + 1; t < changeStep; t++) {
      sum += along[t];
    }
    for (int t = changeStep; t < n; t++) {
      sum += along[t];
      if (sum / m >= (0.9 - 1e-12) * step) { // (rounding must not cost a step)
        return new LatentResponse(step, wander, (t - changeStep + 1) * dt);
      }
      sum -= along[t - m + 1];
    }
    return new LatentResponse(step, wander, Double.NaN);
  }

  private static double[] mean(double[] z, int size, int from, int to) {
    double[] m = new double[size];
    for (int t = from; t < to; t++) {
      for (int j = 0; j < size; j++) {
        m[j] += z[t * size + j] / (to - from);
      }
    }
    return m;
  }
}
