package org.adaptrobot.trainer.meta;

import java.util.Arrays;
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
    alpha = new double[theta.length];
    Arrays.fill(alpha, innerLearningRate);
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
    double[][] trajectory =
        ws.inner.adapt(theta, alpha, task.supportX(), task.supportY(), task.k(), innerSteps);
    ws.queryLoss.targets(task.queryY());
    return ws.query.valueAndGradient(trajectory[innerSteps], task.queryX(), task.k(), grad);
  }
}
