package org.adaptrobot.trainer.meta;

import java.util.List;
import java.util.Map;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.ParameterSlice;
import org.adaptrobot.models.optim.Adam;

/**
 * Meta-SGD with one learned inner rate per parameter tensor instead of per parameter: θ′ = θ −
 * α_tensor ∇L_support(θ), with (θ, α) meta-learned by the exact second-order gradient. The rates
 * find the step size each tensor needs for the loss at hand (which a hand-set α cannot when the
 * loss is small), and, unlike Meta-SGD's per-parameter rates, they fit a bundle manifest's
 * per-tensor {@code inner_learning_rates}.
 */
public final class TensorRateMaml extends MetaLearner {

  private final List<ParameterSlice> tensors;
  private final double[] rates;
  private final double[] alpha;
  private final Adam rateOptimizer;

  public TensorRateMaml(
      DifferentiableModel model,
      double initialInnerRate,
      int innerSteps,
      double metaLearningRate,
      long seed,
      int threads,
      int maxBatch) {
    super(model, initialInnerRate, innerSteps, metaLearningRate, seed, threads, maxBatch);
    tensors = model.layout().slices();
    rates = new double[tensors.size()];
    java.util.Arrays.fill(rates, initialInnerRate);
    alpha = new double[theta.length];
    expand();
    rateOptimizer = new Adam(rates.length, metaLearningRate);
  }

  private void expand() {
    for (int t = 0; t < tensors.size(); t++) {
      ParameterSlice s = tensors.get(t);
      java.util.Arrays.fill(alpha, s.offset(), s.end(), rates[t]);
    }
  }

  @Override
  public String name() {
    return "tensor-rate-maml";
  }

  /** The learned rate of each tensor, in layout order. */
  public double[] tensorRates() {
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
    // a tensor's rate gradient is the sum of its parameters' rate gradients
    double[] g = new double[rates.length];
    for (double[] a : alphaGrads) {
      for (int t = 0; t < tensors.size(); t++) {
        ParameterSlice s = tensors.get(t);
        for (int i = s.offset(); i < s.end(); i++) {
          g[t] += a[i] / alphaGrads.size();
        }
      }
    }
    rateOptimizer.step(rates, g);
    for (int t = 0; t < rates.length; t++) {
      rates[t] = Math.max(0.0, rates[t]); // a negative rate would ascend the support loss
    }
    expand();
  }

  @Override
  public Map<String, double[]> state() {
    Map<String, double[]> m = super.state();
    m.put("tensor_rates", rates.clone());
    putAdam(m, "rate_outer", rateOptimizer);
    return m;
  }

  @Override
  public void restore(Map<String, double[]> state) {
    super.restore(state);
    System.arraycopy(require(state, "tensor_rates", rates.length), 0, rates, 0, rates.length);
    restoreAdam(state, "rate_outer", rateOptimizer);
    expand();
  }
}
