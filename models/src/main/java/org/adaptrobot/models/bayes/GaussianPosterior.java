package org.adaptrobot.models.bayes;

/**
 * A latent task posterior as the product of diagonal Gaussian factors, one per transition (PEARL's
 * permutation-invariant posterior): precision Σ_k 1/σ²_k, mean σ² Σ_k μ_k/σ²_k, per latent
 * dimension, over a sliding window of the last {@code window} factors. Adding a factor is O(z) and
 * allocates nothing (the factors sit in a ring; the sums are updated in place and recomputed from
 * the ring once per window to keep the running sums from drifting). With no factor the posterior is
 * the prior N(0, I). Closed forms: the KL from the posterior to the unit prior (PEARL's bottleneck)
 * and between two diagonal Gaussians (the posterior's shift, a change signal).
 */
public final class GaussianPosterior {

  /** The smallest factor variance accepted (an encoder's softplus output is clamped here). */
  public static final double MIN_VARIANCE = 1e-7;

  private final int z;
  private final int window;
  private final double[] ringMean;
  private final double[] ringVar;
  private final double[] precisionSum;
  private final double[] weightedSum;
  private int head;
  private int count;
  private int sinceRecompute;

  public GaussianPosterior(int latentSize, int window) {
    if (latentSize < 1 || window < 1) {
      throw new IllegalArgumentException(
          "latent size and window must be >= 1, got " + latentSize + " and " + window);
    }
    this.z = latentSize;
    this.window = window;
    ringMean = new double[window * z];
    ringVar = new double[window * z];
    precisionSum = new double[z];
    weightedSum = new double[z];
  }

  public int latentSize() {
    return z;
  }

  /** Factors in the window. */
  public int count() {
    return count;
  }

  /** Forgets every factor (back to the prior). */
  public void reset() {
    count = 0;
    head = 0;
    sinceRecompute = 0;
    java.util.Arrays.fill(precisionSum, 0);
    java.util.Arrays.fill(weightedSum, 0);
  }

  /**
   * Multiplies in one factor N(mean, variance) (arrays of the latent size from {@code off}),
   * dividing out the oldest when the window is full.
   */
  public void add(double[] mean, double[] variance, int off) {
    int slot = head;
    if (count == window) {
      for (int j = 0; j < z; j++) {
        double p = 1 / ringVar[slot * z + j];
        precisionSum[j] -= p;
        weightedSum[j] -= p * ringMean[slot * z + j];
      }
    } else {
      count++;
    }
    for (int j = 0; j < z; j++) {
      double v = Math.max(MIN_VARIANCE, variance[off + j]);
      ringMean[slot * z + j] = mean[off + j];
      ringVar[slot * z + j] = v;
      precisionSum[j] += 1 / v;
      weightedSum[j] += mean[off + j] / v;
    }
    head = (head + 1) % window;
    if (++sinceRecompute >= window) {
      recompute();
    }
  }

  private void recompute() {
    sinceRecompute = 0;
    java.util.Arrays.fill(precisionSum, 0);
    java.util.Arrays.fill(weightedSum, 0);
    for (int k = 0; k < count; k++) {
      int slot = Math.floorMod(head - 1 - k, window);
      for (int j = 0; j < z; j++) {
        double p = 1 / ringVar[slot * z + j];
        precisionSum[j] += p;
        weightedSum[j] += p * ringMean[slot * z + j];
      }
    }
  }

  /**
   * A factor's variance from an encoder's raw output: softplus, at least {@link #MIN_VARIANCE} (the
   * trainer's PEARL encoder and the runtime read the same number).
   */
  public static double factorVariance(double raw) {
    double sp = raw > 30 ? raw : Math.log1p(Math.exp(raw));
    return Math.max(MIN_VARIANCE, sp);
  }

  /** Writes the posterior's mean and variance (the prior's 0 and 1 with no factor). */
  public void posterior(double[] mean, double[] variance) {
    for (int j = 0; j < z; j++) {
      if (count == 0) {
        mean[j] = 0;
        variance[j] = 1;
      } else {
        variance[j] = 1 / precisionSum[j];
        mean[j] = weightedSum[j] * variance[j];
      }
    }
  }

  /** KL(N(mean, diag variance) ‖ N(0, I)) = ½ Σ (σ² + μ² − 1 − ln σ²). */
  public static double klToUnitPrior(double[] mean, double[] variance) {
    double kl = 0;
    for (int j = 0; j < mean.length; j++) {
      kl += 0.5 * (variance[j] + mean[j] * mean[j] - 1 - Math.log(variance[j]));
    }
    return kl;
  }

  /**
   * KL(N(m1, diag v1) ‖ N(m2, diag v2)) = ½ Σ (v1/v2 + (m2 − m1)²/v2 − 1 + ln(v2/v1)): how far the
   * posterior now (1) has moved from one taken earlier (2).
   */
  public static double kl(double[] m1, double[] v1, double[] m2, double[] v2) {
    double kl = 0;
    for (int j = 0; j < m1.length; j++) {
      double dm = m2[j] - m1[j];
      kl += 0.5 * (v1[j] / v2[j] + dm * dm / v2[j] - 1 + Math.log(v2[j] / v1[j]));
    }
    return kl;
  }
}
