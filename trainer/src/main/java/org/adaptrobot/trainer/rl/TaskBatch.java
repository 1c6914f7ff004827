package org.adaptrobot.trainer.rl;

import java.util.function.Supplier;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.sim.env.Env;

/**
 * One task's trajectories under one parameter vector, ready for policy gradients: observations,
 * actions, log-probabilities under the sampling parameters, and advantages (returns minus the
 * linear feature baseline fitted to this batch, GAE, normalised), plus the mean undiscounted return
 * per trajectory.
 */
public record TaskBatch(
    double[] obs,
    double[] actions,
    double[] logProbs,
    double[] advantages,
    int n,
    double meanReturn)
    implements java.io.Serializable {

  /**
   * Samples {@code trajectories} episodes of {@code horizon} steps of a task (copy i reset with
   * {@code seed + i}).
   */
  public static TaskBatch sample(
      Supplier<? extends Env> taskEnv,
      GaussianPolicy policy,
      double[] params,
      int trajectories,
      int horizon,
      double gamma,
      double lambda,
      long seed) {
    Sampler sampler = new Sampler(taskEnv, trajectories, policy, null, null, seed, null, 1);
    Env probe = sampler.env(0);
    RolloutBuffer buf =
        new RolloutBuffer(
            horizon, trajectories, probe.observationSpace().size(), probe.actionSpace().size());
    sampler.collect(params, null, buf);
    LinearFeatureBaseline baseline = new LinearFeatureBaseline();
    baseline.fit(buf, gamma);
    baseline.apply(buf);
    buf.computeGae(gamma, lambda);
    double[] adv = Trpo.normalised(buf.advantages, buf.size());
    double total = 0;
    for (double r : buf.rewards) {
      total += r;
    }
    return new TaskBatch(buf.obs, buf.actions, buf.logProbs, adv, buf.size(), total / trajectories);
  }

  /** The vanilla policy-gradient step θ + α ĝ (importance-weighted when θ is not the sampler's). */
  public double[] adapt(GaussianPolicy policy, double[] params, double alpha) {
    double[] weights = weightedAdvantages(policy, params);
    double[] g = new double[params.length];
    new PolicyGradient(policy).weightedLogProbGradient(params, obs, actions, weights, n, g);
    double[] next = params.clone();
    for (int i = 0; i < next.length; i++) {
      next[i] += alpha * g[i];
    }
    return next;
  }

  /** θ + α ∘ ĝ with one inner rate per parameter (0 holds a parameter fixed). */
  public double[] adapt(GaussianPolicy policy, double[] params, double[] alpha) {
    double[] weights = weightedAdvantages(policy, params);
    double[] g = new double[params.length];
    new PolicyGradient(policy).weightedLogProbGradient(params, obs, actions, weights, n, g);
    double[] next = params.clone();
    for (int i = 0; i < next.length; i++) {
      next[i] += alpha[i] * g[i];
    }
    return next;
  }

  /**
   * The inner rates of a learner: α on every parameter, or on all but the log-std (the exploration
   * level then stays what the meta-learner set; one noisy step does not change it).
   */
  public static double[] innerRates(GaussianPolicy policy, double alpha, boolean adaptLogStd) {
    double[] a = new double[policy.layout().size()];
    java.util.Arrays.fill(a, alpha);
    if (!adaptLogStd) {
      var slice = policy.layout().slice(GaussianPolicy.LOG_STD);
      java.util.Arrays.fill(a, slice.offset(), slice.end(), 0.0);
    }
    return a;
  }

  /** Â_k · π_θ(a_k|s_k) / π_θ_sampling(a_k|s_k): LVC's importance-weighted advantages. */
  public double[] weightedAdvantages(GaussianPolicy policy, double[] params) {
    PolicyGradient pg = new PolicyGradient(policy);
    double[] out = pg.forward(params, obs, n);
    double[] lp = PolicyGradient.logProbs(out, actions, n, policy.actionSize());
    double[] w = new double[n];
    for (int k = 0; k < n; k++) {
      w[k] = advantages[k] * Math.exp(lp[k] - logProbs[k]);
    }
    return w;
  }
}
