package org.adaptrobot.trainer.meta;

import org.adaptrobot.models.nn.DifferentiableModel;

/**
 * MAML (Finn, Abbeel and Levine 2017), Algorithm 2 for regression with the exact second-order
 * meta-gradient: for each task, adapt θ′ = θ − α∇L_support(θ) (repeated for the inner steps), then
 * the meta-gradient of L_query(θ′) with respect to θ, back through every inner step with
 * Hessian-vector products.
 */
public class Maml extends MetaLearner {

  private final double[] alpha;

  public Maml(
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
    return "maml";
  }

  @Override
  public double[] adaptationRates() {
    return alpha;
  }

  @Override
  protected double taskGradient(Workspace ws, TaskData task, double[] grad) {
    // θ′_i = θ − α ∇_θ L_Ti(f_θ) on the support set; ∇_θ L_Ti(f_θ′_i) back through the adaptation
    return adaptedQueryGradient(ws, task, theta, alpha, true, grad, null);
  }
}
