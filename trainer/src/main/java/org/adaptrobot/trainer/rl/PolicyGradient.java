package org.adaptrobot.trainer.rl;

import org.adaptrobot.models.nn.GaussianPolicy;

/**
 * Score-function quantities of a Gaussian policy on a batch: log-probabilities, the vanilla policy
 * gradient ĝ = (1/N) Σ Â_k ∇ log π(a_k|s_k), the mean KL to another parameter vector and the
 * Fisher-vector product of the mean KL's Hessian (the Fisher information), from the network's exact
 * Jacobian-vector and vector-Jacobian products.
 */
public final class PolicyGradient {

  private final GaussianPolicy policy;
  private final int d;
  private final int o;
  private GaussianPolicy.Tape tape;
  private double[] gradOut;

  public PolicyGradient(GaussianPolicy policy) {
    this.policy = policy;
    this.d = policy.actionSize();
    this.o = policy.inputSize();
  }

  private void ensure(int n) {
    if (tape == null || tape.maxBatch() < n) {
      tape = policy.newTape(n);
      gradOut = new double[n * 2 * d];
    }
  }

  /** Forward on the first {@code n} observations; returns the rows [μ, log σ]. */
  public double[] forward(double[] params, double[] obs, int n) {
    ensure(n);
    return policy.forward(params, obs, n, tape);
  }

  /** log π(a|s) per row of a forward's output. */
  public static double[] logProbs(double[] out, double[] actions, int n, int d) {
    double[] lp = new double[n];
    for (int b = 0; b < n; b++) {
      double sum = 0;
      for (int j = 0; j < d; j++) {
        double mu = out[b * 2 * d + j];
        double s = out[b * 2 * d + d + j];
        double u = (actions[b * d + j] - mu) * Math.exp(-s);
        sum += -0.5 * u * u - s - 0.5 * Math.log(2 * Math.PI);
      }
      lp[b] = sum;
    }
    return lp;
  }

  /**
   * ∇_θ (1/N) Σ w_k log π(a_k|s_k) (w: advantages for the vanilla policy gradient, or ratio ×
   * advantage for a surrogate), at {@code params}; added into {@code grad}.
   */
  public void weightedLogProbGradient(
      double[] params, double[] obs, double[] actions, double[] weights, int n, double[] grad) {
    double[] out = forward(params, obs, n);
    for (int b = 0; b < n; b++) {
      double w = weights[b] / n;
      for (int j = 0; j < d; j++) {
        double mu = out[b * 2 * d + j];
        double s = out[b * 2 * d + d + j];
        double diff = actions[b * d + j] - mu;
        double inv = Math.exp(-2 * s);
        gradOut[b * 2 * d + j] = w * diff * inv;
        gradOut[b * 2 * d + d + j] = w * (diff * diff * inv - 1);
      }
    }
    policy.backward(params, tape, gradOut, grad, null);
  }

  /** Mean over the batch of KL(π_old(·|s) ‖ π_new(·|s)), from two forwards' outputs. */
  public static double meanKl(double[] outOld, double[] outNew, int n, int d) {
    double sum = 0;
    for (int b = 0; b < n; b++) {
      for (int j = 0; j < d; j++) {
        double muP = outOld[b * 2 * d + j];
        double sP = outOld[b * 2 * d + d + j];
        double muQ = outNew[b * 2 * d + j];
        double sQ = outNew[b * 2 * d + d + j];
        double dm = muP - muQ;
        sum += sQ - sP + (Math.exp(2 * sP) + dm * dm) / (2 * Math.exp(2 * sQ)) - 0.5;
      }
    }
    return sum / n;
  }

  /**
   * F·v, the Hessian of the mean KL(π_θ ‖ π_θ') in θ' at θ' = θ applied to {@code v}: (1/N) Σ J_μᵀ
   * diag(1/σ²) J_μ v + 2 v_logσ, computed with one forward-mode and one reverse-mode pass, plus
   * {@code damping}·v. Call {@link #forward} with θ on the same observations first.
   */
  public double[] fisherVectorProduct(double[] params, double[] v, int n, double damping) {
    double[] rOut = policy.forwardDirection(params, v, null, tape);
    double[] out = tape.output();
    for (int b = 0; b < n; b++) {
      for (int j = 0; j < d; j++) {
        double s = out[b * 2 * d + d + j];
        gradOut[b * 2 * d + j] = rOut[b * 2 * d + j] * Math.exp(-2 * s) / n;
        gradOut[b * 2 * d + d + j] = 2 * rOut[b * 2 * d + d + j] / n;
      }
    }
    double[] fv = new double[v.length];
    policy.backward(params, tape, gradOut, fv, null);
    for (int i = 0; i < fv.length; i++) {
      fv[i] += damping * v[i];
    }
    return fv;
  }

  /**
   * ∇ in the new parameters of the mean KL(π_old ‖ π_params) over {@code n} observations, given the
   * old policy's forward output rows; added into {@code grad}.
   */
  public void klGradient(double[] params, double[] obs, double[] outOld, int n, double[] grad) {
    double[] out = forward(params, obs, n);
    for (int b = 0; b < n; b++) {
      for (int j = 0; j < d; j++) {
        int m = b * 2 * d + j;
        int s = m + d;
        double dm = out[m] - outOld[m];
        double inv = Math.exp(-2 * out[s]);
        gradOut[m] = dm * inv / n;
        gradOut[s] = (1 - (Math.exp(2 * outOld[s]) + dm * dm) * inv) / n;
      }
    }
    policy.backward(params, tape, gradOut, grad, null);
  }

  public int observationSize() {
    return o;
  }
}
