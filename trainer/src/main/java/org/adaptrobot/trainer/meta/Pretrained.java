package org.adaptrobot.trainer.meta;

import org.adaptrobot.models.nn.DifferentiableModel;

/**
 * The multi-task baseline of the MAML paper: one network trained on all tasks' data pooled (no
 * adaptation during training), fine-tuned at test time with the same SGD steps.
 */
public final class Pretrained extends MetaLearner {

  private final double[] alpha;

  public Pretrained(
      DifferentiableModel model,
      double innerLearningRate,
      double learningRate,
      long seed,
      int threads,
      int maxBatch) {
    super(model, innerLearningRate, 0, learningRate, seed, threads, maxBatch);
    alpha = uniformRates(model.layout().size(), innerLearningRate);
  }

  @Override
  public String name() {
    return "pretrained";
  }

  @Override
  public double[] adaptationRates() {
    return alpha;
  }

  @Override
  protected double taskGradient(Workspace ws, TaskData task, double[] grad) {
    ws.queryLoss.targets(task.queryY());
    return ws.query.valueAndGradient(theta, task.queryX(), task.k(), grad);
  }
}
