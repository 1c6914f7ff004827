package org.adaptrobot.trainer.meta;

import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.Objective;

/**
 * Task adaptation and its exact derivative, shared by the gradient-based meta-learners. The inner
 * update is θ′ ← θ′ − α ⊙ ∇L_support(θ′) with a per-parameter rate vector α (a constant for MAML,
 * learned for Meta-SGD, nonzero only on the context for CAVIA). Backpropagating a gradient g
 * through one step uses θ′_{s+1} = θ′_s − α ⊙ ∇L(θ′_s), whose Jacobian transposed is I −
 * H(θ′_s)·diag(α): g_s = g_{s+1} − H(θ′_s)(α ⊙ g_{s+1}), one exact Hessian-vector product per step.
 * One instance per thread.
 */
public final class InnerLoop {

  private final DifferentiableModel model;
  private final Objective support;
  private final MeanSquaredError supportLoss;
  private final int size;
  private final double[] grad;
  private final double[] direction;
  private final double[] hv;

  public InnerLoop(DifferentiableModel model, int maxBatch) {
    this.model = model;
    this.supportLoss = new MeanSquaredError(model.outputSize());
    this.support = new Objective(model, supportLoss, maxBatch);
    this.size = model.layout().size();
    this.grad = new double[size];
    this.direction = new double[size];
    this.hv = new double[size];
  }

  public DifferentiableModel model() {
    return model;
  }

  /**
   * Adapts {@code theta} with {@code steps} inner updates on the support set.
   *
   * @return the trajectory θ′_0 = θ, ..., θ′_steps (copies)
   */
  public double[][] adapt(
      double[] theta, double[] alpha, double[] x, double[] y, int k, int steps) {
    supportLoss.targets(y);
    double[][] trajectory = new double[steps + 1][];
    trajectory[0] = theta.clone();
    for (int s = 0; s < steps; s++) {
      double[] cur = trajectory[s];
      support.valueAndGradient(cur, x, k, grad);
      double[] next = cur.clone();
      for (int i = 0; i < size; i++) {
        next[i] -= alpha[i] * grad[i];
      }
      trajectory[s + 1] = next;
    }
    return trajectory;
  }

  /**
   * Turns g = dL/dθ′_n into dL/dθ in place (second order), adding dL/dα into {@code alphaGrad} when
   * it is not null: dL/dα += −Σ_s ∇L_support(θ′_s) ⊙ g_{s+1}.
   */
  public void backpropagate(
      double[][] trajectory,
      double[] alpha,
      double[] x,
      double[] y,
      int k,
      double[] g,
      double[] alphaGrad) {
    supportLoss.targets(y);
    for (int s = trajectory.length - 2; s >= 0; s--) {
      if (alphaGrad != null) {
        support.valueAndGradient(trajectory[s], x, k, grad);
        for (int i = 0; i < size; i++) {
          alphaGrad[i] -= grad[i] * g[i];
        }
      }
      for (int i = 0; i < size; i++) {
        direction[i] = alpha[i] * g[i];
      }
      support.hessianVectorProduct(trajectory[s], direction, x, k, hv);
      for (int i = 0; i < size; i++) {
        g[i] -= hv[i];
      }
    }
  }
}
