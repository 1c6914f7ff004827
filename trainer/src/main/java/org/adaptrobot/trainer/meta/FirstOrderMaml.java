package org.adaptrobot.trainer.meta;

import org.adaptrobot.models.nn.DifferentiableModel;

/**
 * First-order MAML (Finn et al. 2017, §5.2): the meta-gradient is the query gradient at the adapted
 * parameters, ∇L_query(θ′), dropping the second-order terms.
 */
public final class FirstOrderMaml extends MetaLearner {

  private final double[] alpha;

  public FirstOrderMaml(
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
    return "fomaml";
  }

  @Override
  public double[] adaptationRates() {
    return alpha;
  }

  @Override
  protected double taskGradient(Workspace ws, TaskData task, double[] grad) {
    // the query gradient at θ′ is used as the meta-gradient: no backpropagation through the steps
    return adaptedQueryGradient(ws, task, theta, alpha, false, grad, null);
  }
}
