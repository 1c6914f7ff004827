package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;

/**
 * The few-shot test of a policy, as the MAML paper measures it: on held-out tasks, the mean return
 * of fresh trajectories before adaptation and after each of up to K vanilla policy-gradient steps
 * (each step on the previous step's trajectories), per task; then mean ± 95 % CI and median over
 * the tasks.
 */
public final class MetaEval {

  private MetaEval() {}

  /** Held-out tasks: unseen draws from a split, from their own random stream. */
  public static List<double[]> tasks(
      Supplier<? extends Env> factory, TaskDistribution.Split split, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x7E57L);
    TaskDistribution dist = factory.get().tasks();
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(dist.sample(split, r));
    }
    return out;
  }

  /**
   * Returns per task (rows) and step (columns 0..steps).
   *
   * @param taskEnv the environment for a task (the oracle's sees the task)
   */
  public static double[][] adaptation(
      java.util.function.Function<double[], Supplier<Env>> taskEnv,
      GaussianPolicy policy,
      double[] params,
      List<double[]> tasks,
      int trajectories,
      int horizon,
      double alpha,
      int steps,
      double gamma,
      double lambda,
      long seed,
      ExecutorService pool,
      int threads) {
    double[] rates = new double[params.length];
    Arrays.fill(rates, alpha);
    return adaptation(
        taskEnv,
        policy,
        params,
        tasks,
        trajectories,
        horizon,
        rates,
        steps,
        gamma,
        lambda,
        seed,
        pool,
        threads);
  }

  /** As the other, with one inner rate per parameter. */
  public static double[][] adaptation(
      java.util.function.Function<double[], Supplier<Env>> taskEnv,
      GaussianPolicy policy,
      double[] params,
      List<double[]> tasks,
      int trajectories,
      int horizon,
      double[] alpha,
      int steps,
      double gamma,
      double lambda,
      long seed,
      ExecutorService pool,
      int threads) {
    return adaptation(
        taskEnv,
        policy,
        params,
        tasks,
        trajectories,
        horizon,
        alpha,
        steps,
        gamma,
        lambda,
        seed,
        pool,
        threads,
        0);
  }

  /**
   * As the other; with {@code deterministicEpisodes} > 0 the return at each step is that of the
   * mean action (no exploration noise) over that many whole episodes of the task — what a robot
   * runs between adaptations — while the steps still learn from sampled trajectories.
   */
  public static double[][] adaptation(
      java.util.function.Function<double[], Supplier<Env>> taskEnv,
      GaussianPolicy policy,
      double[] params,
      List<double[]> tasks,
      int trajectories,
      int horizon,
      double[] alpha,
      int steps,
      double gamma,
      double lambda,
      long seed,
      ExecutorService pool,
      int threads,
      int deterministicEpisodes) {
    List<double[]> rows =
        MetaBatch.parallel(
            pool,
            threads,
            tasks.size(),
            i ->
                task(
                    taskEnv.apply(tasks.get(i)),
                    policy,
                    params,
                    trajectories,
                    horizon,
                    alpha,
                    steps,
                    gamma,
                    lambda,
                    seed,
                    i,
                    deterministicEpisodes));
    return rows.toArray(new double[0][]);
  }

  /** Task {@code i}'s returns before and after each step (one row of {@link #adaptation}). */
  static double[] task(
      Supplier<Env> env,
      GaussianPolicy policy,
      double[] params,
      int trajectories,
      int horizon,
      double[] alpha,
      int steps,
      double gamma,
      double lambda,
      long seed,
      int i,
      int deterministicEpisodes) {
    double[] r = new double[steps + 1];
    double[] theta = params.clone();
    for (int k = 0; k <= steps; k++) {
      TaskBatch b =
          TaskBatch.sample(
              env,
              policy,
              theta,
              trajectories,
              horizon,
              gamma,
              lambda,
              seed * 1_000_003L + i * 131L + k);
      r[k] =
          deterministicEpisodes > 0
              ? Arrays.stream(
                      Sampler.evaluate(
                          env,
                          policy,
                          theta,
                          null,
                          deterministicEpisodes,
                          seed * 1_000_003L + i * 131L + k + 777))
                  .average()
                  .orElse(Double.NaN)
              : b.meanReturn();
      if (k < steps) {
        theta = b.adapt(policy, theta, alpha);
      }
    }
    return r;
  }

  /**
   * What the held-out test reads of a policy-gradient meta-learner that adapts every parameter at
   * one inner rate (ProMP, MAML-TRPO): its environment, policy, horizon, rate and returns' γ, λ.
   */
  record UniformRate(
      Supplier<? extends Env> factory,
      GaussianPolicy policy,
      int horizon,
      double innerLr,
      double gamma,
      double lambda) {

    /** One held-out task's row at {@code params}: {@link #uniformRateTask} with these settings. */
    double[] test(double[] params, double[] task, int trajectories, int steps, long seed, int i) {
      return uniformRateTask(
          factory,
          policy,
          params,
          task,
          trajectories,
          horizon,
          innerLr,
          steps,
          gamma,
          lambda,
          seed,
          i);
    }
  }

  /**
   * One held-out task's row of the gradient-based meta-RL learners' test: inner rate {@code alpha}
   * for every parameter, fresh sampled trajectories at each step.
   */
  static double[] uniformRateTask(
      Supplier<? extends Env> factory,
      GaussianPolicy policy,
      double[] params,
      double[] task,
      int trajectories,
      int horizon,
      double alpha,
      int steps,
      double gamma,
      double lambda,
      long seed,
      int i) {
    double[] rates = new double[params.length];
    Arrays.fill(rates, alpha);
    return task(
        TaskEnvs.fixed(factory, task),
        policy,
        params,
        trajectories,
        horizon,
        rates,
        steps,
        gamma,
        lambda,
        seed,
        i,
        0);
  }

  /** mean, 95 % CI half-width (normal), median of one column. */
  public static double[] summary(double[][] rows, int column) {
    double[] v = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      v[i] = rows[i][column];
    }
    double mean = Arrays.stream(v).average().orElse(Double.NaN);
    double var =
        Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.length - 1);
    double[] sorted = v.clone();
    Arrays.sort(sorted);
    double median =
        sorted.length % 2 == 1
            ? sorted[sorted.length / 2]
            : 0.5 * (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]);
    return new double[] {mean, 1.96 * Math.sqrt(var / v.length), median};
  }
}
