package org.adaptrobot.models.rl;

import java.util.Arrays;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.ModelTape;

/**
 * The inner step of MAML-RL and ProMP as the robot takes it: the vanilla policy gradient of a
 * Gaussian policy on N rollouts of T steps each, θ' = θ + α ĝ with ĝ = (1/NT) Σ Â ∇ log π(a|s).
 * Advantages are GAE(γ, λ) on the linear feature baseline of Duan et al. (2016) fitted to the
 * batch's discounted returns (φ = [s, s², t/100, (t/100)², (t/100)³, 1] with s clipped to ±10,
 * ridge 1e-5 growing tenfold until the solve is finite), then normalised to zero mean and unit
 * standard deviation. A rollout's last step bootstraps from the baseline's value of its own
 * observation. This is the computation the trainer meta-trains through (its {@code TaskBatch}), so
 * the step the robot takes is the one the meta-trained parameters were optimised for.
 *
 * <p>Data are time-major: transition (t, i) of rollout i at step t is row {@code t·N + i}. All
 * buffers are allocated at construction; {@link #step} allocates nothing.
 */
public final class PolicyGradientStep {

  /** Discount the meta-learners train with. */
  public static final double GAMMA = 0.99;

  /** GAE λ the meta-learners train with. */
  public static final double LAMBDA = 1.0;

  private final GaussianPolicy policy;
  private final int steps;
  private final int rollouts;
  private final int n;
  private final int o;
  private final int d;
  private final int f;
  private final double gamma;
  private final double lambda;
  private final ModelTape tape;
  private final double[] returns;
  private final double[] values;
  private final double[] advantages;
  private final double[] gradOut;
  private final double[] phi;
  private final double[] ata;
  private final double[] atb;
  private final double[] m;
  private final double[] b;
  private final double[] w;

  public PolicyGradientStep(GaussianPolicy policy, int steps, int rollouts) {
    this(policy, steps, rollouts, GAMMA, LAMBDA);
  }

  public PolicyGradientStep(
      GaussianPolicy policy, int steps, int rollouts, double gamma, double lambda) {
    if (steps < 2 || rollouts < 2) {
      throw new IllegalArgumentException(
          "a policy-gradient step needs at least 2 rollouts of at least 2 steps, got "
              + rollouts
              + " of "
              + steps);
    }
    this.policy = policy;
    this.steps = steps;
    this.rollouts = rollouts;
    this.n = steps * rollouts;
    this.o = policy.inputSize();
    this.d = policy.actionSize();
    this.f = 2 * o + 4;
    this.gamma = gamma;
    this.lambda = lambda;
    this.tape = policy.newTape(n);
    returns = new double[n];
    values = new double[n];
    advantages = new double[n];
    gradOut = new double[n * 2 * d];
    phi = new double[f];
    ata = new double[f * f];
    atb = new double[f];
    m = new double[f * f];
    b = new double[f];
    w = new double[f];
  }

  public int steps() {
    return steps;
  }

  public int rollouts() {
    return rollouts;
  }

  /** Transitions per step (steps × rollouts). */
  public int size() {
    return n;
  }

  /**
   * Writes θ + α ĝ into {@code next} (which may be {@code params}) and returns the mean
   * undiscounted return per rollout.
   *
   * @param obs the normalised observations, n × o, time-major
   * @param actions the sampled actions, n × d
   * @param rewards the reward of each transition, n
   * @param alpha the inner learning rate per parameter
   */
  public double step(
      double[] params,
      double[] obs,
      double[] actions,
      double[] rewards,
      double[] alpha,
      double[] grad,
      double[] next) {
    gradient(params, obs, actions, rewards, grad);
    for (int i = 0; i < params.length; i++) {
      next[i] = params[i] + alpha[i] * grad[i];
    }
    double total = 0;
    for (int k = 0; k < n; k++) {
      total += rewards[k];
    }
    return total / rollouts;
  }

  /** ĝ at {@code params} into {@code grad}. */
  public void gradient(
      double[] params, double[] obs, double[] actions, double[] rewards, double[] grad) {
    advantages(obs, rewards);
    double[] out = policy.forward(params, obs, n, tape);
    for (int k = 0; k < n; k++) {
      double a = advantages[k] / n;
      for (int j = 0; j < d; j++) {
        double mu = out[k * 2 * d + j];
        double s = out[k * 2 * d + d + j];
        double diff = actions[k * d + j] - mu;
        double inv = Math.exp(-2 * s);
        gradOut[k * 2 * d + j] = a * diff * inv;
        gradOut[k * 2 * d + d + j] = a * (diff * diff * inv - 1);
      }
    }
    Arrays.fill(grad, 0);
    policy.backward(params, tape, gradOut, grad, null);
  }

  /** The normalised advantages of the last {@link #gradient} (row order as the data). */
  public double[] advantages() {
    return advantages;
  }

  private void advantages(double[] obs, double[] rewards) {
    for (int i = 0; i < rollouts; i++) {
      double next = 0;
      for (int t = steps - 1; t >= 0; t--) {
        int k = t * rollouts + i;
        next = rewards[k] + gamma * next;
        returns[k] = next;
      }
    }
    fitBaseline(obs);
    for (int k = 0; k < n; k++) {
      features(obs, k, k / rollouts);
      double v = 0;
      for (int a = 0; a < f; a++) {
        v += w[a] * phi[a];
      }
      values[k] = v;
    }
    for (int i = 0; i < rollouts; i++) {
      double nextAdvantage = 0;
      double nextValue = values[(steps - 1) * rollouts + i];
      for (int t = steps - 1; t >= 0; t--) {
        int k = t * rollouts + i;
        double delta = rewards[k] + gamma * nextValue - values[k];
        double a = delta + gamma * lambda * nextAdvantage;
        advantages[k] = a;
        nextAdvantage = a;
        nextValue = values[k];
      }
    }
    double mean = 0;
    for (int k = 0; k < n; k++) {
      mean += advantages[k];
    }
    mean /= n;
    double var = 0;
    for (int k = 0; k < n; k++) {
      var += (advantages[k] - mean) * (advantages[k] - mean);
    }
    double std = Math.sqrt(var / (n - 1)) + 1e-8;
    for (int k = 0; k < n; k++) {
      advantages[k] = (advantages[k] - mean) / std;
    }
  }

  private void features(double[] obs, int k, int t) {
    for (int j = 0; j < o; j++) {
      double x = Math.max(-10, Math.min(10, obs[k * o + j]));
      phi[j] = x;
      phi[o + j] = x * x;
    }
    double s = t / 100.0;
    phi[2 * o] = s;
    phi[2 * o + 1] = s * s;
    phi[2 * o + 2] = s * s * s;
    phi[2 * o + 3] = 1.0;
  }

  private void fitBaseline(double[] obs) {
    Arrays.fill(ata, 0);
    Arrays.fill(atb, 0);
    for (int k = 0; k < n; k++) {
      features(obs, k, k / rollouts);
      for (int a = 0; a < f; a++) {
        atb[a] += phi[a] * returns[k];
        for (int c = 0; c < f; c++) {
          ata[a * f + c] += phi[a] * phi[c];
        }
      }
    }
    double reg = 1e-5;
    for (int attempt = 0; attempt < 8; attempt++, reg *= 10) {
      System.arraycopy(ata, 0, m, 0, f * f);
      System.arraycopy(atb, 0, b, 0, f);
      for (int a = 0; a < f; a++) {
        m[a * f + a] += reg;
      }
      if (LinearSolve.solve(m, b, w, f)) {
        return;
      }
    }
    Arrays.fill(w, 0);
  }
}
