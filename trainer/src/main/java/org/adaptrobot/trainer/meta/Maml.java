package org.adaptrobot.trainer.meta;

import java.util.Arrays;
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
    alpha = new double[theta.length];
    Arrays.fill(alpha, innerLearningRate);
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
    // θ′_i = θ − α ∇_θ L_Ti(f_θ)  (inner steps on the support set)
    double[][] trajectory =
        ws.inner.adapt(theta, alpha, task.supportX(), task.supportY(), task.k(), innerSteps);
    // ∇_θ L_Ti(f_θ′_i): gradient at θ′, then back through the adaptation
    ws.queryLoss.targets(task.queryY());
    double loss = ws.query.valueAndGradient(trajectory[innerSteps], task.queryX(), task.k(), grad);
    ws.inner.backpropagate(
        trajectory, alpha, task.supportX(), task.supportY(), task.k(), grad, null);
    return loss;
  }
}
