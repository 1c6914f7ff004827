package org.adaptrobot.models.loss;

/**
 * A Gaussian with diagonal covariance, parameterised by mean μ and log standard deviation s = log
 * σ, per dimension. Static helpers with exact first and second derivatives of the log-density, used
 * by the Gaussian losses and by stochastic policies.
 */
public final class DiagonalGaussian {

  private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2.0 * Math.PI);

  private DiagonalGaussian() {}

  /** log N(x; μ, diag(exp(2s))) over {@code dim} entries starting at the given offsets. */
  public static double logProb(
      double[] x, int xOff, double[] mean, int meanOff, double[] logStd, int sOff, int dim) {
    double sum = 0.0;
    for (int j = 0; j < dim; j++) {
      double s = logStd[sOff + j];
      double u = (x[xOff + j] - mean[meanOff + j]) * Math.exp(-s);
      sum += -0.5 * u * u - s - HALF_LOG_TWO_PI;
    }
    return sum;
  }

  /** Differential entropy Σ (s + ½ log 2πe). */
  public static double entropy(double[] logStd, int sOff, int dim) {
    double sum = 0.0;
    for (int j = 0; j < dim; j++) {
      sum += logStd[sOff + j] + HALF_LOG_TWO_PI + 0.5;
    }
    return sum;
  }

  /** KL(p ‖ q) between two diagonal Gaussians of dimension {@code dim}. */
  public static double klDivergence(
      double[] meanP, double[] logStdP, double[] meanQ, double[] logStdQ, int dim) {
    double sum = 0.0;
    for (int j = 0; j < dim; j++) {
      double varP = Math.exp(2.0 * logStdP[j]);
      double varQ = Math.exp(2.0 * logStdQ[j]);
      double d = meanP[j] - meanQ[j];
      sum += logStdQ[j] - logStdP[j] + (varP + d * d) / (2.0 * varQ) - 0.5;
    }
    return sum;
  }

  /** ∂ log p / ∂μ for one dimension: (x − μ) / σ². */
  static double dLogProbdMean(double x, double mean, double logStd) {
    return (x - mean) * Math.exp(-2.0 * logStd);
  }

  /** ∂ log p / ∂s for one dimension: (x − μ)² / σ² − 1. */
  static double dLogProbdLogStd(double x, double mean, double logStd) {
    double u = (x - mean) * Math.exp(-logStd);
    return u * u - 1.0;
  }

  /** ∂² log p / ∂μ² = −1/σ². */
  static double d2LogProbdMean2(double logStd) {
    return -Math.exp(-2.0 * logStd);
  }

  /** ∂² log p / ∂μ∂s = −2(x − μ)/σ². */
  static double d2LogProbdMeandLogStd(double x, double mean, double logStd) {
    return -2.0 * (x - mean) * Math.exp(-2.0 * logStd);
  }

  /** ∂² log p / ∂s² = −2(x − μ)²/σ². */
  static double d2LogProbdLogStd2(double x, double mean, double logStd) {
    double u = (x - mean) * Math.exp(-logStd);
    return -2.0 * u * u;
  }

  /**
   * For outputs laid out per sample as {@code [μ (dim), s (dim)]}: writes weight·∂logp/∂(μ, s) into
   * {@code grad} and returns Σ weight_b · log p_b. Shared by the NLL loss (weight −1/B) and the
   * policy-gradient surrogate (weight −A_b/B).
   */
  static double weightedLogProb(
      double[] y,
      double[] x,
      double[] weights,
      double commonWeight,
      int batch,
      int dim,
      double[] grad) {
    double total = 0.0;
    for (int b = 0; b < batch; b++) {
      int base = b * 2 * dim;
      double w = commonWeight * (weights == null ? 1.0 : weights[b]);
      total += w * logProb(x, b * dim, y, base, y, base + dim, dim);
      if (grad != null) {
        for (int j = 0; j < dim; j++) {
          double xv = x[b * dim + j];
          double mu = y[base + j];
          double s = y[base + dim + j];
          grad[base + j] = w * dLogProbdMean(xv, mu, s);
          grad[base + dim + j] = w * dLogProbdLogStd(xv, mu, s);
        }
      }
    }
    return total;
  }

  /** The Hessian-vector product matching {@link #weightedLogProb}. */
  static void weightedLogProbHvp(
      double[] y,
      double[] x,
      double[] weights,
      double commonWeight,
      int batch,
      int dim,
      double[] direction,
      double[] result) {
    for (int b = 0; b < batch; b++) {
      int base = b * 2 * dim;
      double w = commonWeight * (weights == null ? 1.0 : weights[b]);
      for (int j = 0; j < dim; j++) {
        double xv = x[b * dim + j];
        double mu = y[base + j];
        double s = y[base + dim + j];
        double vm = direction[base + j];
        double vs = direction[base + dim + j];
        double hmm = d2LogProbdMean2(s);
        double hms = d2LogProbdMeandLogStd(xv, mu, s);
        double hss = d2LogProbdLogStd2(xv, mu, s);
        result[base + j] = w * (hmm * vm + hms * vs);
        result[base + dim + j] = w * (hms * vm + hss * vs);
      }
    }
  }
}
