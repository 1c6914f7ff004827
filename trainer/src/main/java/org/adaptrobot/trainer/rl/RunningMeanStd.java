package org.adaptrobot.trainer.rl;

/**
 * Running mean and variance of observations (Chan et al.'s parallel update of Welford's sums), for
 * normalising a policy's input: {@code (x − mean) / sqrt(var + ε)}, clipped to ±{@link #CLIP}. The
 * statistics are part of the policy (exported as the bundle's observation normalisation); they are
 * updated between rollouts, in a fixed order, so results do not depend on threads.
 */
public final class RunningMeanStd {

  public static final double CLIP = 10.0;
  private static final double EPS = 1e-8;

  private final int size;
  private final double[] mean;
  private final double[] m2;
  private double count;

  public RunningMeanStd(int size) {
    this.size = size;
    this.mean = new double[size];
    this.m2 = new double[size];
  }

  public int size() {
    return size;
  }

  public double count() {
    return count;
  }

  public double[] mean() {
    return mean.clone();
  }

  /** Variance per entry (1 before any data, so that normalising is then the identity). */
  public double[] variance() {
    double[] v = new double[size];
    for (int j = 0; j < size; j++) {
      v[j] = count < 2 ? 1.0 : m2[j] / count;
    }
    return v;
  }

  /** Standard deviation per entry as the normaliser uses it: sqrt(var + ε). */
  public double[] std() {
    double[] v = variance();
    for (int j = 0; j < size; j++) {
      v[j] = Math.sqrt(v[j] + EPS);
    }
    return v;
  }

  /** Adds {@code rows} observations stored row after row in {@code x}. */
  public void update(double[] x, int rows) {
    if (rows == 0) {
      return;
    }
    double[] bMean = new double[size];
    double[] bM2 = new double[size];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < size; j++) {
        bMean[j] += x[r * size + j];
      }
    }
    for (int j = 0; j < size; j++) {
      bMean[j] /= rows;
    }
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < size; j++) {
        double d = x[r * size + j] - bMean[j];
        bM2[j] += d * d;
      }
    }
    double total = count + rows;
    for (int j = 0; j < size; j++) {
      double delta = bMean[j] - mean[j];
      mean[j] += delta * rows / total;
      m2[j] += bM2[j] + delta * delta * count * rows / total;
    }
    count = total;
  }

  /** Normalises one observation into {@code out} with the statistics as they are now. */
  public void normalise(double[] x, int xOff, double[] out, int outOff, double[] std) {
    for (int j = 0; j < size; j++) {
      double v = (x[xOff + j] - mean[j]) / std[j];
      out[outOff + j] = Math.max(-CLIP, Math.min(CLIP, v));
    }
  }

  /** The state, for checkpoints: count, mean, m2. */
  public double[] state() {
    double[] s = new double[1 + 2 * size];
    s[0] = count;
    System.arraycopy(mean, 0, s, 1, size);
    System.arraycopy(m2, 0, s, 1 + size, size);
    return s;
  }

  public void restore(double[] s) {
    count = s[0];
    System.arraycopy(s, 1, mean, 0, size);
    System.arraycopy(s, 1 + size, m2, 0, size);
  }
}
