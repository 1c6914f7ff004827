package org.adaptrobot.models.bayes;

/**
 * The posterior of a linear last layer y = Kᵀφ + ε on fixed features φ (Bayesian linear regression
 * with a matrix-normal prior, as in ALPaCA, Harrison et al. 2018), kept up to date one transition
 * at a time. Prior: K ~ MN(K₀, Λ₀⁻¹, Σ), noise ε ~ N(0, Σ), Σ = diag(σ²). After data (φᵢ, yᵢ) with
 * weights wᵢ the posterior is MN(Kₙ, Λₙ⁻¹, Σ) with
 *
 * <pre>
 *   Λₙ = Λ₀ + Σ wᵢ φᵢ φᵢᵀ          Qₙ = Λ₀ K₀ + Σ wᵢ φᵢ yᵢᵀ          Kₙ = Λₙ⁻¹ Qₙ
 * </pre>
 *
 * and the predictive distribution of y at φ is N(Kₙᵀφ, s·Σ) with s = 1 + φᵀ Λₙ⁻¹ φ.
 *
 * <p>{@link #update} adds one transition with exponential forgetting <em>toward the prior</em>: the
 * data's weights decay by λ per step while the prior keeps its full weight,
 *
 * <pre>
 *   Λₜ = λ Λₜ₋₁ + (1 − λ) Λ₀ + φφᵀ          Qₜ = λ Qₜ₋₁ + (1 − λ) Λ₀K₀ + φ yᵀ
 * </pre>
 *
 * so after t steps wᵢ = λ^(t−i): the posterior tracks a change, and with no new information it
 * returns to the meta-learned prior instead of winding up. The information update is rank one
 * (O(m²) for m features); the mean then comes from a Cholesky solve (O(m³/6 + m²·outputs)). Nothing
 * allocates after construction; one thread at a time.
 */
public final class LastLayerPosterior {

  /** Added to the diagonal when a factorisation fails (a prior made singular by rounding). */
  private static final double JITTER = 1e-9;

  private final int m;
  private final int out;
  private final double[] priorPrecision;
  private final double[] priorInformation; // Λ₀K₀
  private final double[] priorMean;
  private final double[] noiseVariance;
  private final double[] precision;
  private final double[] information;
  private final double[] mean;
  private final double[] factor;
  private final double[] column;
  private boolean factored;

  /**
   * @param priorMean K₀, m × outputs, row-major
   * @param priorPrecision Λ₀, m × m, symmetric positive definite
   * @param noiseVariance σ², one per output
   */
  public LastLayerPosterior(double[] priorMean, double[] priorPrecision, double[] noiseVariance) {
    this.out = noiseVariance.length;
    if (out == 0 || priorMean.length % out != 0) {
      throw new IllegalArgumentException(
          "prior mean has " + priorMean.length + " values, not a multiple of " + out + " outputs");
    }
    this.m = priorMean.length / out;
    if (priorPrecision.length != m * m) {
      throw new IllegalArgumentException(
          "prior precision has " + priorPrecision.length + " values, expected " + m + "×" + m);
    }
    for (double v : noiseVariance) {
      if (!(v > 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("noise variances must be finite and > 0");
      }
    }
    this.priorMean = priorMean.clone();
    this.priorPrecision = priorPrecision.clone();
    this.noiseVariance = noiseVariance.clone();
    this.priorInformation = new double[m * out];
    multiply(this.priorPrecision, this.priorMean, priorInformation);
    this.precision = new double[m * m];
    this.information = new double[m * out];
    this.mean = new double[m * out];
    this.factor = new double[m * m];
    this.column = new double[m];
    if (!DenseLinearAlgebra.cholesky(this.priorPrecision, m, factor)) {
      throw new IllegalArgumentException("the prior precision is not positive definite");
    }
    reset();
  }

  /** Λ₀ K₀ (m×m times m×out). */
  private void multiply(double[] a, double[] b, double[] c) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < out; j++) {
        double s = 0;
        for (int k = 0; k < m; k++) {
          s += a[i * m + k] * b[k * out + j];
        }
        c[i * out + j] = s;
      }
    }
  }

  public int features() {
    return m;
  }

  public int outputs() {
    return out;
  }

  /** Back to the prior. */
  public void reset() {
    System.arraycopy(priorPrecision, 0, precision, 0, precision.length);
    System.arraycopy(priorInformation, 0, information, 0, information.length);
    System.arraycopy(priorMean, 0, mean, 0, mean.length);
    factored = DenseLinearAlgebra.cholesky(precision, m, factor);
  }

  /**
   * Keeps a fraction {@code keep} of the data's information and restores the rest of the prior: Λ ←
   * Λ₀ + keep·(Λ − Λ₀), Q likewise. After a detected change, the old data stop holding the
   * posterior back.
   */
  public void shrinkTowardPrior(double keep) {
    for (int i = 0; i < precision.length; i++) {
      precision[i] = priorPrecision[i] + keep * (precision[i] - priorPrecision[i]);
    }
    for (int i = 0; i < information.length; i++) {
      information[i] = priorInformation[i] + keep * (information[i] - priorInformation[i]);
    }
    solve();
  }

  /**
   * One transition with forgetting factor λ ∈ (0, 1] (1: none), then the posterior mean.
   *
   * @param phi features, {@code m} values from {@code phiOff}
   * @param y the target, {@code outputs} values from {@code yOff}
   */
  public void update(double[] phi, int phiOff, double[] y, int yOff, double lambda) {
    double keep = 1 - lambda;
    for (int i = 0; i < m; i++) {
      double pi = phi[phiOff + i];
      int ri = i * m;
      for (int j = 0; j < m; j++) {
        precision[ri + j] =
            lambda * precision[ri + j] + keep * priorPrecision[ri + j] + pi * phi[phiOff + j];
      }
      int qi = i * out;
      for (int k = 0; k < out; k++) {
        information[qi + k] =
            lambda * information[qi + k] + keep * priorInformation[qi + k] + pi * y[yOff + k];
      }
    }
    solve();
  }

  /**
   * Adds a transition with weight {@code w} and no forgetting; call {@link #solve} after a batch.
   */
  public void add(double[] phi, int phiOff, double[] y, int yOff, double w) {
    for (int i = 0; i < m; i++) {
      double wi = w * phi[phiOff + i];
      int ri = i * m;
      for (int j = 0; j < m; j++) {
        precision[ri + j] += wi * phi[phiOff + j];
      }
      int qi = i * out;
      for (int k = 0; k < out; k++) {
        information[qi + k] += wi * y[yOff + k];
      }
    }
  }

  /** Recomputes the posterior mean Kₙ = Λₙ⁻¹ Qₙ (and the factor for predictions). */
  public void solve() {
    factored = DenseLinearAlgebra.cholesky(precision, m, factor);
    if (!factored) {
      // rounding made Λ indefinite (cannot happen in exact arithmetic: Λ ⪰ Λ₀ ≻ 0): nudge it
      for (int i = 0; i < m; i++) {
        precision[i * m + i] += JITTER * (1 + Math.abs(precision[i * m + i]));
      }
      factored = DenseLinearAlgebra.cholesky(precision, m, factor);
      if (!factored) {
        reset();
        return;
      }
    }
    DenseLinearAlgebra.solve(factor, m, information, out, mean, column);
  }

  /**
   * The predictive mean Kₙᵀφ into {@code prediction} (from {@code predOff}); returns the variance
   * factor s = 1 + φᵀΛₙ⁻¹φ (the predictive variance of output k is s·σₖ²).
   */
  public double predict(double[] phi, int phiOff, double[] prediction, int predOff) {
    for (int k = 0; k < out; k++) {
      double s = 0;
      for (int i = 0; i < m; i++) {
        s += mean[i * out + k] * phi[phiOff + i];
      }
      prediction[predOff + k] = s;
    }
    System.arraycopy(phi, phiOff, column, 0, m);
    DenseLinearAlgebra.forwardSubstitute(factor, m, column, 0);
    double q = 0;
    for (int i = 0; i < m; i++) {
      q += column[i] * column[i];
    }
    return 1 + q;
  }

  /** The posterior mean Kₙ (m × outputs, row-major): read only. */
  public double[] mean() {
    return mean;
  }

  /** Λₙ (m × m): read only. */
  public double[] precision() {
    return precision;
  }

  /** σ² per output: read only. */
  public double[] noiseVariance() {
    return noiseVariance;
  }
}
