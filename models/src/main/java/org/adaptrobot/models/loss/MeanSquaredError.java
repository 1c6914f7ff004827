package org.adaptrobot.models.loss;

/**
 * Mean squared error over every element of the batch: L = (1 / (B·d)) Σ (y − t)². Used for
 * regression and one-step dynamics prediction.
 */
public final class MeanSquaredError implements Loss {

  private final int outputSize;
  private double[] targets;

  public MeanSquaredError(int outputSize) {
    this.outputSize = outputSize;
  }

  /** Binds the targets, {@code [batch, outputSize]} row-major; kept by reference. */
  public MeanSquaredError targets(double[] targets) {
    this.targets = targets;
    return this;
  }

  @Override
  public int outputSize() {
    return outputSize;
  }

  @Override
  public double evaluate(double[] y, int batch, double[] grad) {
    int n = batch * outputSize;
    double scale = 1.0 / n;
    double sum = 0.0;
    for (int k = 0; k < n; k++) {
      double e = y[k] - targets[k];
      sum += e * e;
      if (grad != null) {
        grad[k] = 2.0 * e * scale;
      }
    }
    return sum * scale;
  }

  @Override
  public void hessianVectorProduct(double[] y, double[] direction, int batch, double[] result) {
    int n = batch * outputSize;
    double scale = 2.0 / n;
    for (int k = 0; k < n; k++) {
      result[k] = scale * direction[k];
    }
  }
}
