package org.adaptrobot.models.optim;

/** Plain gradient descent θ ← θ − η·∇, the inner-loop update of MAML-family algorithms. */
public final class Sgd implements Optimizer {

  private final double learningRate;

  public Sgd(double learningRate) {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("SGD learning rate must be positive, got " + learningRate);
    }
    this.learningRate = learningRate;
  }

  public double learningRate() {
    return learningRate;
  }

  @Override
  public void step(double[] params, double[] gradient) {
    checkLengths(params, gradient);
    for (int i = 0; i < params.length; i++) {
      params[i] -= learningRate * gradient[i];
    }
  }

  @Override
  public void reset() {}

  static void checkLengths(double[] params, double[] gradient) {
    if (params.length != gradient.length) {
      throw new IllegalArgumentException(
          "gradient has " + gradient.length + " entries, parameters " + params.length);
    }
  }
}
