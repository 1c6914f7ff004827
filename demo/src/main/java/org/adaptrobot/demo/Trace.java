package org.adaptrobot.demo;

/**
 * What a {@link ScenarioRun} recorded, one row per control step: ground-truth forward speed and yaw
 * rate, the set-points, the tracking error, and the normalised observation and applied action the
 * controller had (for fitting models to the run).
 */
public final class Trace {

  private final double dt;
  private final double halfTrack;
  private final int obsSize;
  private final int actSize;
  private final double[] speed;
  private final double[] yawRate;
  private final double[] speedTarget;
  private final double[] yawRateTarget;
  private final double[] error;
  private final double[] observations;
  private final double[] actions;
  private final double[] obsScratch;
  private final double[] actScratch;
  private int length;

  Trace(int capacity, double dt, double trackWidth, int obsSize, int actSize) {
    this.dt = dt;
    this.halfTrack = trackWidth / 2;
    this.obsSize = obsSize;
    this.actSize = actSize;
    speed = new double[capacity];
    yawRate = new double[capacity];
    speedTarget = new double[capacity];
    yawRateTarget = new double[capacity];
    error = new double[capacity];
    observations = new double[capacity * obsSize];
    actions = new double[capacity * actSize];
    obsScratch = new double[obsSize];
    actScratch = new double[actSize];
  }

  double[] observationScratch() {
    return obsScratch;
  }

  double[] actionScratch() {
    return actScratch;
  }

  /** Stores step {@code i} (with the scratch observation and action). No allocation. */
  void record(int i, double v, double w, double vTarget, double wTarget) {
    speed[i] = v;
    yawRate[i] = w;
    speedTarget[i] = vTarget;
    yawRateTarget[i] = wTarget;
    double ev = v - vTarget;
    double ew = halfTrack * (w - wTarget);
    error[i] = Math.sqrt(ev * ev + ew * ew);
    System.arraycopy(obsScratch, 0, observations, i * obsSize, obsSize);
    System.arraycopy(actScratch, 0, actions, i * actSize, actSize);
    length = Math.max(length, i + 1);
  }

  /** Recorded steps. */
  public int length() {
    return length;
  }

  /** Control period, s. */
  public double dt() {
    return dt;
  }

  public double time(int i) {
    return i * dt;
  }

  public double speed(int i) {
    return speed[i];
  }

  public double yawRate(int i) {
    return yawRate[i];
  }

  public double speedTarget(int i) {
    return speedTarget[i];
  }

  public double yawRateTarget(int i) {
    return yawRateTarget[i];
  }

  /** Tracking error at step i, m/s (wheel-speed equivalent). */
  public double error(int i) {
    return error[i];
  }

  /** Mean tracking error over robot time [from, to) s (clipped to the recording). */
  public double meanError(double from, double to) {
    int a = Math.max(0, (int) Math.round(from / dt));
    int b = Math.min(length, (int) Math.round(to / dt));
    if (b <= a) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = a; i < b; i++) {
      sum += error[i];
    }
    return sum / (b - a);
  }

  /**
   * Recovery time after a change at {@code changeAt} s: the time from the change until the error,
   * averaged over a trailing window of {@code window} s that lies wholly after the change, is back
   * within {@code (1 + tolerance)} of the same window of {@code reference} (the same run with the
   * robot unchanged) and stays there to the end. Returns 0 when the change never pushed it out, and
   * NaN when it never comes back.
   */
  public double recoveryTime(Trace reference, double changeAt, double window, double tolerance) {
    int c = (int) Math.round(changeAt / dt);
    int w = Math.max(1, (int) Math.round(window / dt));
    int n = Math.min(length, reference.length);
    if (c + w > n) {
      return Double.NaN;
    }
    double sum = 0;
    double ref = 0;
    for (int i = c; i < c + w; i++) {
      sum += error[i];
      ref += reference.error[i];
    }
    // last index at which the trailing window was out of bounds
    int lastOut = -1;
    for (int end = c + w; ; end++) {
      if (sum > (1 + tolerance) * ref) {
        lastOut = end;
      }
      if (end == n) {
        break;
      }
      sum += error[end] - error[end - w];
      ref += reference.error[end] - reference.error[end - w];
    }
    if (lastOut < 0) {
      return 0;
    }
    if (lastOut >= n) {
      return Double.NaN;
    }
    return (lastOut + 1 - c) * dt;
  }

  /** Transitions recorded (one fewer than observations). */
  public int transitions() {
    return Math.max(0, length - 1);
  }

  /** Normalised observations, row after row, {@link #length()} rows. */
  public double[] observations() {
    return java.util.Arrays.copyOf(observations, length * obsSize);
  }

  /** Applied actions, row after row. */
  public double[] actions() {
    return java.util.Arrays.copyOf(actions, length * actSize);
  }

  /**
   * The error smoothed by a centred moving average of {@code seconds}, for plotting: one value per
   * step.
   */
  public double[] smoothedError(double seconds) {
    int h = Math.max(0, (int) Math.round(seconds / dt / 2));
    double[] out = new double[length];
    for (int i = 0; i < length; i++) {
      int a = Math.max(0, i - h);
      int b = Math.min(length, i + h + 1);
      double s = 0;
      for (int k = a; k < b; k++) {
        s += error[k];
      }
      out[i] = s / (b - a);
    }
    return out;
  }
}
