package org.adaptrobot.trainer.meta;

import java.util.Arrays;
import java.util.List;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.optim.Adam;

/**
 * Meta-SGD (Li, Zhou, Chen and Li 2017), Algorithm 1: the inner rates α are a vector as long as θ,
 * meta-learned with it: θ′ = θ − α ⊙ ∇L_support(θ), and (θ, α) ← (θ, α) − β∇_(θ,α) L_query(θ′).
 * Both gradients are exact (second order).
 */
public final class MetaSgd extends MetaLearner {

  private final double[] alpha;
  private final Adam alphaOptimizer;

  public MetaSgd(
      DifferentiableModel model,
      double initialInnerRate,
      int innerSteps,
      double metaLearningRate,
      long seed,
      int threads,
      int maxBatch) {
    super(model, initialInnerRate, innerSteps, metaLearningRate, seed, threads, maxBatch);
    alpha = new double[theta.length];
    Arrays.fill(alpha, initialInnerRate);
    alphaOptimizer = new Adam(theta.length, metaLearningRate);
  }

  @Override
  public String name() {
    return "metasgd";
  }

  @Override
  public double[] adaptationRates() {
    return alpha;
  }

  /** The learned per-parameter inner rates. */
  public double[] innerRates() {
    return alpha;
  }

  public Adam rateOptimizer() {
    return alphaOptimizer;
  }

  @Override
  public java.util.Map<String, double[]> state() {
    java.util.Map<String, double[]> m = super.state();
    m.put("alpha", alpha.clone());
    putAdam(m, "alpha_outer", alphaOptimizer);
    return m;
  }

  @Override
  public void restore(java.util.Map<String, double[]> state) {
    super.restore(state);
    System.arraycopy(require(state, "alpha", alpha.length), 0, alpha, 0, alpha.length);
    restoreAdam(state, "alpha_outer", alphaOptimizer);
  }

  @Override
  protected double[] newExtra() {
    return new double[theta.length];
  }

  @Override
  protected double taskGradient(Workspace ws, TaskData task, double[] grad) {
    return taskGradient(ws, task, grad, new double[theta.length]);
  }

  @Override
  protected double taskGradient(Workspace ws, TaskData task, double[] grad, double[] alphaGrad) {
    double[][] trajectory =
        ws.inner.adapt(theta, alpha, task.supportX(), task.supportY(), task.k(), innerSteps);
    ws.queryLoss.targets(task.queryY());
    double loss = ws.query.valueAndGradient(trajectory[innerSteps], task.queryX(), task.k(), grad);
    ws.inner.backpropagate(
        trajectory, alpha, task.supportX(), task.supportY(), task.k(), grad, alphaGrad);
    return loss;
  }

  @Override
  protected void outerStep(double[] meanGradient, List<double[]> alphaGrads) {
    outer.step(theta, meanGradient);
    double[] mean = new double[alpha.length];
    for (double[] g : alphaGrads) {
      for (int i = 0; i < mean.length; i++) {
        mean[i] += g[i] / alphaGrads.size();
      }
    }
    alphaOptimizer.step(alpha, mean);
  }
}
