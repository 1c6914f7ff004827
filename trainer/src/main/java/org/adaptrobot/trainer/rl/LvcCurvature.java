package org.adaptrobot.trainer.rl;

import org.adaptrobot.models.nn.GaussianPolicy;

/**
 * Curvature of the inner objective for meta-gradients through a policy-gradient step: the
 * Hessian-vector product of ProMP's low-variance curvature objective (Rothfuss et al. 2019)
 * J_LVC(θ) = (1/N) Σ_k Â_k π_θ(a_k|s_k) / ⊥π_θ(a_k|s_k), at ratio 1:
 *
 * <pre>
 *   H v = (1/N) Σ_k Â_k [ ∇² log π_k · v + ∇ log π_k (∇ log π_k · v) ]
 * </pre>
 *
 * The second term is the one through the sampling distribution, which MAML's first estimator
 * dropped. Computed exactly with one forward, one forward-mode and one reverse-over-forward pass
 * (Pearlmutter's R-operator): no Hessian is formed. For one-step episodes this is the exact Hessian
 * of the expected return's estimate; for longer ones it is LVC's per-step (biased, low-variance)
 * form.
 */
public final class LvcCurvature {

  private final GaussianPolicy policy;
  private final int d;
  private GaussianPolicy.Tape tape;
  private double[] gradOut;
  private double[] rGradOut;

  public LvcCurvature(GaussianPolicy policy) {
    this.policy = policy;
    this.d = policy.actionSize();
  }

  /** H·v on the batch ({@code n} rows of observations, actions, advantages) at {@code params}. */
  public double[] hessianVectorProduct(
      double[] params, double[] obs, double[] actions, double[] adv, int n, double[] v) {
    if (tape == null || tape.maxBatch() < n) {
      tape = policy.newTape(n);
      gradOut = new double[n * 2 * d];
      rGradOut = new double[n * 2 * d];
    }
    double[] out = policy.forward(params, obs, n, tape);
    double[] rOut = policy.forwardDirection(params, v, null, tape);
    for (int b = 0; b < n; b++) {
      double w = adv[b] / n;
      double dirLogp = 0; // ∇ log π_k · v
      for (int j = 0; j < d; j++) {
        int m = b * 2 * d + j;
        int s = m + d;
        double e = Math.exp(-out[s]);
        double u = (actions[b * d + j] - out[m]) * e;
        double dMu = u * e;
        double dS = u * u - 1;
        dirLogp += dMu * rOut[m] + dS * rOut[s];
        gradOut[m] = dMu; // ∂ log π / ∂y for now; weighted below
        gradOut[s] = dS;
        // (∂² log π / ∂y²) · R{y}: ∂²/∂μ² = −e^{−2s}, ∂²/∂μ∂s = −2u e^{−s}, ∂²/∂s² = −2u²
        rGradOut[m] = w * (-e * e * rOut[m] - 2 * u * e * rOut[s]);
        rGradOut[s] = w * (-2 * u * e * rOut[m] - 2 * u * u * rOut[s]);
      }
      for (int j = 0; j < d; j++) {
        int m = b * 2 * d + j;
        // the sampling-distribution term: Â ∇log π (∇log π · v), through Jᵀ like the rest
        rGradOut[m] += w * dirLogp * gradOut[m];
        rGradOut[m + d] += w * dirLogp * gradOut[m + d];
        gradOut[m] *= w;
        gradOut[m + d] *= w;
      }
    }
    double[] hv = new double[v.length];
    policy.backwardDirection(params, v, tape, gradOut, rGradOut, hv, null);
    return hv;
  }
}
