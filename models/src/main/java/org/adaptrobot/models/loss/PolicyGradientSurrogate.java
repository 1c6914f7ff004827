package org.adaptrobot.models.loss;

/**
 * The likelihood-ratio (REINFORCE) surrogate of a Gaussian policy, L = −(1/B) Σ_b A_b · log π(a_b |
 * s_b), whose gradient is the vanilla policy gradient. The policy output per sample is {@code [μ
 * (d), log σ (d)]} (see {@code GaussianPolicy}).
 */
public final class PolicyGradientSurrogate implements Loss {

  private final int actionSize;
  private double[] actions;
  private double[] advantages;

  public PolicyGradientSurrogate(int actionSize) {
    this.actionSize = actionSize;
  }

  /**
   * Binds the taken actions {@code [batch, actionSize]} and their advantages {@code [batch]}; kept
   * by reference.
   */
  public PolicyGradientSurrogate samples(double[] actions, double[] advantages) {
    this.actions = actions;
    this.advantages = advantages;
    return this;
  }

  @Override
  public int outputSize() {
    return 2 * actionSize;
  }

  @Override
  public double evaluate(double[] y, int batch, double[] grad) {
    return DiagonalGaussian.weightedLogProb(
        y, actions, advantages, -1.0 / batch, batch, actionSize, grad);
  }

  @Override
  public void hessianVectorProduct(double[] y, double[] direction, int batch, double[] result) {
    DiagonalGaussian.weightedLogProbHvp(
        y, actions, advantages, -1.0 / batch, batch, actionSize, direction, result);
  }
}
