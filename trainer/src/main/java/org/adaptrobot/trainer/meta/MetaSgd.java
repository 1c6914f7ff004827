package org.adaptrobot.trainer.meta;

import java.util.List;
import java.util.Map;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.ParameterSlice;
import org.adaptrobot.models.optim.Adam;

/**
 * Meta-SGD (Li, Zhou, Chen and Li 2017), Algorithm 1: the inner rates α are meta-learned with θ: θ′
 * = θ − α ⊙ ∇L_support(θ), and (θ, α) ← (θ, α) − β∇_(θ,α) L_query(θ′). Both gradients are exact
 * (second order).
 *
 * <p>{@link #perParameter} is the paper's form, one rate per parameter. {@link #perTensor} ties the
 * rates within each parameter tensor (a tensor's rate gradient is the sum of its parameters'): it
 * finds the step size each tensor needs for the loss at hand, which a hand-set α cannot when the
 * loss is small, and it fits a bundle manifest's per-tensor {@code inner_learning_rates}.
 */
public final class MetaSgd extends MetaLearner {

  private final List<ParameterSlice> tensors; // null: one rate per parameter
  private final double[] rates; // the learned vector: per parameter or per tensor
  private final double[] alpha; // per parameter, as the inner loop uses it
  private final Adam rateOptimizer;

  private MetaSgd(
      DifferentiableModel model,
      boolean tied,
      double initialInnerRate,
      int innerSteps,
      double metaLearningRate,
      long seed,
      int threads,
      int maxBatch) {
    super(model, initialInnerRate, innerSteps, metaLearningRate, seed, threads, maxBatch);
    tensors = tied ? model.layout().slices() : null;
    rates = new double[tied ? tensors.size() : theta.length];
    java.util.Arrays.fill(rates, initialInnerRate);
    alpha = new double[theta.length];
    expand();
    rateOptimizer = new Adam(rates.length, metaLearningRate);
  }

  /** One learned rate per parameter (the paper). */
  public static MetaSgd perParameter(
      DifferentiableModel model,
      double initialInnerRate,
      int innerSteps,
      double metaLearningRate,
      long seed,
      int threads,
      int maxBatch) {
    return new MetaSgd(
        model, false, initialInnerRate, innerSteps, metaLearningRate, seed, threads, maxBatch);
  }

  /** One learned rate per parameter tensor. */
  public static MetaSgd perTensor(
      DifferentiableModel model,
      double initialInnerRate,
      int innerSteps,
      double metaLearningRate,
      long seed,
      int threads,
      int maxBatch) {
    return new MetaSgd(
        model, true, initialInnerRate, innerSteps, metaLearningRate, seed, threads, maxBatch);
  }

  private void expand() {
    if (tensors == null) {
      System.arraycopy(rates, 0, alpha, 0, alpha.length);
      return;
    }
    for (int t = 0; t < tensors.size(); t++) {
      ParameterSlice s = tensors.get(t);
      java.util.Arrays.fill(alpha, s.offset(), s.end(), rates[t]);
    }
  }

  @Override
  public String name() {
    return tensors == null ? "metasgd" : "tensor-rate";
  }

  public boolean perTensorRates() {
    return tensors != null;
  }

  /** The learned rates: one per parameter, or one per tensor in layout order. */
  public double[] learnedRates() {
    return rates.clone();
  }

  @Override
  public double[] adaptationRates() {
    return alpha;
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
    return adaptedQueryGradient(ws, task, theta, alpha, true, grad, alphaGrad);
  }

  @Override
  protected void outerStep(double[] meanGradient, List<double[]> alphaGrads) {
    outer.step(theta, meanGradient);
    double[] g = new double[rates.length];
    double w = 1.0 / alphaGrads.size();
    for (double[] a : alphaGrads) {
      if (tensors == null) {
        for (int i = 0; i < a.length; i++) {
          g[i] += w * a[i];
        }
      } else {
        for (int t = 0; t < tensors.size(); t++) {
          ParameterSlice s = tensors.get(t);
          for (int i = s.offset(); i < s.end(); i++) {
            g[t] += w * a[i];
          }
        }
      }
    }
    rateOptimizer.step(rates, g);
    if (tensors != null) {
      for (int t = 0; t < rates.length; t++) {
        rates[t] = Math.max(0.0, rates[t]); // a negative rate would ascend the support loss
      }
    }
    expand();
  }

  @Override
  public Map<String, double[]> state() {
    Map<String, double[]> m = super.state();
    m.put("rates", rates.clone());
    putAdam(m, "rates_outer", rateOptimizer);
    return m;
  }

  @Override
  protected Map<String, double[]> taskState() {
    Map<String, double[]> m = super.taskState();
    m.put("rates", rates.clone());
    return m;
  }

  @Override
  protected void restoreTaskState(Map<String, double[]> state) {
    super.restoreTaskState(state);
    System.arraycopy(require(state, "rates", rates.length), 0, rates, 0, rates.length);
    expand();
  }

  @Override
  public void restore(Map<String, double[]> state) {
    super.restore(state);
    System.arraycopy(require(state, "rates", rates.length), 0, rates, 0, rates.length);
    restoreAdam(state, "rates_outer", rateOptimizer);
    expand();
  }
}
