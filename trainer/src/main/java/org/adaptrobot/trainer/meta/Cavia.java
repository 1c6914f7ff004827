package org.adaptrobot.trainer.meta;

import java.util.Arrays;
import org.adaptrobot.models.nn.ContextMlp;
import org.adaptrobot.models.nn.ParameterSlice;

/**
 * CAVIA (Zintgraf, Shiarlis, Kurin, Hofmann and Whiteson 2019), Algorithm 1: the network takes a
 * context vector φ as extra input; per task φ starts at zero and only φ adapts, φ′ = φ − α∇_φ
 * L_support; the shared parameters θ are meta-updated with the exact gradient of L_query(θ, φ′)
 * through the adaptation (mixed second derivatives via Hessian-vector products).
 */
public final class Cavia extends MetaLearner {

  private final double[] alpha;
  private final ParameterSlice context;

  public Cavia(
      ContextMlp model,
      double innerLearningRate,
      int innerSteps,
      double metaLearningRate,
      long seed,
      int threads,
      int maxBatch) {
    super(model, innerLearningRate, innerSteps, metaLearningRate, seed, threads, maxBatch);
    context = model.layout().slice(ContextMlp.CONTEXT);
    alpha = new double[theta.length];
    Arrays.fill(alpha, context.offset(), context.end(), innerLearningRate);
  }

  @Override
  public String name() {
    return "cavia";
  }

  @Override
  public double[] adaptationRates() {
    return alpha;
  }

  @Override
  public double[] adaptationStart() {
    double[] start = theta.clone();
    Arrays.fill(start, context.offset(), context.end(), 0.0);
    return start;
  }

  @Override
  protected double taskGradient(Workspace ws, TaskData task, double[] grad) {
    // φ_0 = 0; φ_i = φ_0 − α ∇_φ L_support(f_{φ_0, θ})
    double loss = adaptedQueryGradient(ws, task, adaptationStart(), alpha, true, grad, null);
    // the context is reset per task, never meta-learned
    Arrays.fill(grad, context.offset(), context.end(), 0.0);
    return loss;
  }
}
