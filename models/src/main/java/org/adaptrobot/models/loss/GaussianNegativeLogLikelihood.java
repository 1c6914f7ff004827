package org.adaptrobot.models.loss;

/**
 * Mean negative log-likelihood of targets under a predicted diagonal Gaussian. The network output
 * per sample is {@code [μ (d), log σ (d)]}; L = −(1/B) Σ_b log N(t_b; μ_b, σ_b²). Used for
 * probabilistic dynamics models.
 */
public final class GaussianNegativeLogLikelihood implements Loss {

  private final int dim;
  private double[] targets;

  /**
   * @param dim dimension of the predicted variable (the output size is {@code 2 * dim})
   */
  public GaussianNegativeLogLikelihood(int dim) {
    this.dim = dim;
  }

  /** Binds targets, {@code [batch, dim]}; kept by reference. */
  public GaussianNegativeLogLikelihood targets(double[] targets) {
    this.targets = targets;
    return this;
  }

  @Override
  public int outputSize() {
    return 2 * dim;
  }

  @Override
  public double evaluate(double[] y, int batch, double[] grad) {
    return DiagonalGaussian.weightedLogProb(y, targets, null, -1.0 / batch, batch, dim, grad);
  }

  @Override
  public void hessianVectorProduct(double[] y, double[] direction, int batch, double[] result) {
    DiagonalGaussian.weightedLogProbHvp(
        y, targets, null, -1.0 / batch, batch, dim, direction, result);
  }
}
