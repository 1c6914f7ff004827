package org.adaptrobot.models.optim;

/**
 * Adam (Kingma and Ba, 2015) with bias-corrected first and second moment estimates. Its state can
 * be saved and restored so that training resumed from a checkpoint continues bit for bit.
 */
public final class Adam implements Optimizer {

  private double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double[] firstMoment;
  private final double[] secondMoment;
  private long stepCount;

  /** Adam with the paper's defaults β1 = 0.9, β2 = 0.999, ε = 1e-8. */
  public Adam(int size, double learningRate) {
    this(size, learningRate, 0.9, 0.999, 1e-8);
  }

  public Adam(int size, double learningRate, double beta1, double beta2, double epsilon) {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException(
          "Adam learning rate must be positive, got " + learningRate);
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException(
          "Adam betas must be in [0, 1), got " + beta1 + " and " + beta2);
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.firstMoment = new double[size];
    this.secondMoment = new double[size];
  }

  /** Changes the learning rate from the next step on (a schedule); the moments are kept. */
  public void learningRate(double rate) {
    if (!(rate > 0)) {
      throw new IllegalArgumentException("Adam learning rate must be positive, got " + rate);
    }
    this.learningRate = rate;
  }

  public double learningRate() {
    return learningRate;
  }

  @Override
  public void step(double[] params, double[] gradient) {
    Sgd.checkLengths(params, gradient);
    if (params.length != firstMoment.length) {
      throw new IllegalArgumentException(
          "Adam was sized for " + firstMoment.length + " parameters, given " + params.length);
    }
    stepCount++;
    double correction1 = 1.0 - Math.pow(beta1, stepCount);
    double correction2 = 1.0 - Math.pow(beta2, stepCount);
    for (int i = 0; i < params.length; i++) {
      double g = gradient[i];
      firstMoment[i] = beta1 * firstMoment[i] + (1.0 - beta1) * g;
      secondMoment[i] = beta2 * secondMoment[i] + (1.0 - beta2) * g * g;
      double mHat = firstMoment[i] / correction1;
      double vHat = secondMoment[i] / correction2;
      params[i] -= learningRate * mHat / (Math.sqrt(vHat) + epsilon);
    }
  }

  @Override
  public void reset() {
    java.util.Arrays.fill(firstMoment, 0.0);
    java.util.Arrays.fill(secondMoment, 0.0);
    stepCount = 0;
  }

  /** A copy of the optimiser's state, for checkpoints. */
  public State state() {
    return new State(stepCount, firstMoment.clone(), secondMoment.clone());
  }

  /** Restores a state saved by {@link #state()} from an optimiser of the same size. */
  public void restore(State state) {
    if (state.firstMoment().length != firstMoment.length
        || state.secondMoment().length != secondMoment.length) {
      throw new IllegalArgumentException(
          "Adam state holds "
              + state.firstMoment().length
              + " moments, this optimiser has "
              + firstMoment.length);
    }
    System.arraycopy(state.firstMoment(), 0, firstMoment, 0, firstMoment.length);
    System.arraycopy(state.secondMoment(), 0, secondMoment, 0, secondMoment.length);
    stepCount = state.stepCount();
  }

  /**
   * Adam's state.
   *
   * @param stepCount updates taken so far (t in the paper)
   * @param firstMoment m, per parameter
   * @param secondMoment v, per parameter
   */
  public record State(long stepCount, double[] firstMoment, double[] secondMoment) {}
}
