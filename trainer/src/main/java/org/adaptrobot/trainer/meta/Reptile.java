package org.adaptrobot.trainer.meta;

import org.adaptrobot.models.nn.DifferentiableModel;

/**
 * Reptile (Nichol, Achiam and Schulman 2018), Algorithm 2 (batched): for each task, W = the result
 * of k SGD steps from θ on the task's data (support and query together); the outer update moves θ
 * towards the mean of the W. Here the direction θ − W is handed to Adam as a pseudo-gradient.
 */
public final class Reptile extends MetaLearner {

  private final double[] alpha;

  public Reptile(
      DifferentiableModel model,
      double innerLearningRate,
      int innerSteps,
      double metaLearningRate,
      long seed,
      int threads,
      int maxBatch) {
    super(model, innerLearningRate, innerSteps, metaLearningRate, seed, threads, maxBatch);
    alpha = uniformRates(model.layout().size(), innerLearningRate);
  }

  @Override
  public String name() {
    return "reptile";
  }

  @Override
  public double[] adaptationRates() {
    return alpha;
  }

  @Override
  protected double taskGradient(Workspace ws, TaskData task, double[] grad) {
    int k = task.k();
    int in = model.inputSize();
    int out = model.outputSize();
    double[] x = new double[2 * k * in];
    double[] y = new double[2 * k * out];
    System.arraycopy(task.supportX(), 0, x, 0, k * in);
    System.arraycopy(task.queryX(), 0, x, k * in, k * in);
    System.arraycopy(task.supportY(), 0, y, 0, k * out);
    System.arraycopy(task.queryY(), 0, y, k * out, k * out);
    // W = SGD_k(θ) on the task
    double[][] trajectory = ws.inner.adapt(theta, alpha, x, y, 2 * k, innerSteps);
    double[] w = trajectory[innerSteps];
    for (int i = 0; i < theta.length; i++) {
      grad[i] += theta[i] - w[i];
    }
    ws.queryLoss.targets(task.queryY());
    return ws.query.value(w, task.queryX(), k);
  }
}
