package org.adaptrobot.trainer.rl;

import static org.adaptrobot.trainer.io.CheckpointArrays.putAdam;
import static org.adaptrobot.trainer.io.CheckpointArrays.require;
import static org.adaptrobot.trainer.io.CheckpointArrays.restoreAdam;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.sim.env.Env;

/**
 * ProMP (Rothfuss et al. 2019): meta-training a policy so that one policy-gradient step on a new
 * task's trajectories adapts it. Per meta-iteration, for each task of the meta-batch: trajectories
 * under θ, the inner step θ' = θ + α ĝ_LVC(θ), trajectories under θ'. Then several Adam steps on
 * the outer objective, for every task the clipped surrogate of the post-update policy θ'(θ)
 * (recomputed from the stored trajectories, importance-weighted, as θ moves) minus η·KL(π_θ_old ‖
 * π_θ) on the pre-update trajectories; its gradient goes through the inner step with LVC's
 * curvature: (I + α H_LVC) ∇_θ' J_clip. Tasks run in parallel; their gradients are summed in task
 * order, so a run is bit-identical for any number of threads.
 */
public final class ProMp implements RemoteSampling.Learner<ProMp.TaskData> {

  /** Hyper-parameters (ProMP's defaults where it has them). */
  public record Config(
      int metaBatch,
      int trajectories,
      int horizon,
      double innerLr,
      double outerLr,
      int outerSteps,
      double clip,
      double klPenalty,
      double gamma,
      double lambda,
      int[] hidden,
      Activation activation,
      double initialLogStd,
      boolean adaptLogStd)
      implements java.io.Serializable {
    /** Settings whose inner step adapts every parameter, log-std included. */
    public Config(
        int metaBatch,
        int trajectories,
        int horizon,
        double innerLr,
        double outerLr,
        int outerSteps,
        double clip,
        double klPenalty,
        double gamma,
        double lambda,
        int[] hidden,
        Activation activation,
        double initialLogStd) {
      this(
          metaBatch,
          trajectories,
          horizon,
          innerLr,
          outerLr,
          outerSteps,
          clip,
          klPenalty,
          gamma,
          lambda,
          hidden,
          activation,
          initialLogStd,
          true);
    }

    /** These settings with another meta-batch, trajectories per task and episode length. */
    public Config sized(int tasks, int trajectoriesPerTask, int steps) {
      return new Config(
          tasks,
          trajectoriesPerTask,
          steps,
          innerLr,
          outerLr,
          outerSteps,
          clip,
          klPenalty,
          gamma,
          lambda,
          hidden,
          activation,
          initialLogStd,
          adaptLogStd);
    }

    public static Config pointNavigation() {
      return new Config(
          20,
          20,
          100,
          0.1,
          1e-3,
          5,
          0.3,
          5e-4,
          0.99,
          1.0,
          new int[] {64, 64},
          Activation.TANH,
          0.0);
    }
  }

  /** One meta-iteration's figures. */
  public record Point(
      int iteration, long envSteps, double preReturn, double postReturn, double seconds) {}

  private final Supplier<? extends Env> factory;
  private final Config c;
  private final long seed;
  private final ActorCritic ac;
  private final Adam adam;
  private final List<Point> curve = new ArrayList<>();
  private final double[] rates;
  private long envSteps;
  private int iteration;

  public ProMp(Supplier<? extends Env> factory, Config c, long seed) {
    this.factory = factory;
    this.c = c;
    this.seed = seed;
    this.ac = MetaBatch.policy(factory, c.hidden(), c.activation(), c.initialLogStd(), seed);
    this.rates = TaskBatch.innerRates(ac.policy, c.innerLr(), c.adaptLogStd());
    this.adam = new Adam(ac.policyParams.length, c.outerLr());
  }

  public ActorCritic model() {
    return ac;
  }

  public List<Point> curve() {
    return curve;
  }

  record TaskData(TaskBatch pre, TaskBatch post, double[] outOldPre)
      implements java.io.Serializable {}

  /**
   * The learner's state for a checkpoint: the policy, the iteration, the env steps, the learning
   * curve and the optimiser. A run restored from it continues bit-identically (task draws and
   * rollouts are seeded by the iteration).
   */
  public java.util.Map<String, double[]> state() {
    java.util.Map<String, double[]> m = new java.util.LinkedHashMap<>();
    m.put("policy", ac.policyParams.clone());
    m.put("iteration", new double[] {iteration});
    m.put("env_steps", new double[] {envSteps});
    double[] points = new double[curve.size() * 5];
    for (int i = 0; i < curve.size(); i++) {
      Point p = curve.get(i);
      double[] row = {p.iteration(), p.envSteps(), p.preReturn(), p.postReturn(), p.seconds()};
      System.arraycopy(row, 0, points, i * 5, 5);
    }
    m.put("curve", points);
    putAdam(m, "adam", adam);
    return m;
  }

  /** Continues from a {@link #state} of a run with the same settings and seed. */
  public void restore(java.util.Map<String, double[]> state) {
    double[] policy = require(state, "policy", ac.policyParams.length);
    System.arraycopy(policy, 0, ac.policyParams, 0, policy.length);
    iteration = (int) require(state, "iteration", 1)[0];
    envSteps = (long) require(state, "env_steps", 1)[0];
    double[] points = state.get("curve");
    if (points == null || points.length % 5 != 0) {
      throw new IllegalArgumentException("checkpoint: no learning curve of 5-value rows");
    }
    curve.clear();
    for (int i = 0; i < points.length / 5; i++) {
      double[] r = java.util.Arrays.copyOfRange(points, i * 5, (i + 1) * 5);
      curve.add(new Point((int) r[0], (long) r[1], r[2], r[3], r[4]));
    }
    restoreAdam(state, "adam", adam);
  }

  /** The inner rates (one per parameter). */
  public double[] innerRates() {
    return rates.clone();
  }

  /** One meta-iteration. */
  public Point iterate(ExecutorService pool, int threads) {
    long t0 = System.nanoTime();
    iteration++;
    List<double[]> tasks = MetaBatch.trainingTasks(factory, seed, iteration, c.metaBatch());
    double[] theta = ac.policyParams.clone();
    List<TaskData> data = work.sample(pool, threads, iteration, tasks, theta);
    envSteps += 2L * c.metaBatch() * c.trajectories() * c.horizon();
    for (int step = 0; step < c.outerSteps(); step++) {
      double[] current = ac.policyParams.clone();
      List<double[]> grads =
          work.map(pool, threads, data, (m, d, sampledAt, v) -> m.taskGradient(d, v), current);
      double[] total = new double[current.length];
      for (double[] g : grads) {
        for (int k = 0; k < total.length; k++) {
          total[k] -= g[k] / grads.size(); // Adam minimises: the negative of the ascent direction
        }
      }
      adam.step(ac.policyParams, total);
    }
    double pre = data.stream().mapToDouble(d -> d.pre().meanReturn()).average().orElse(Double.NaN);
    double post =
        data.stream().mapToDouble(d -> d.post().meanReturn()).average().orElse(Double.NaN);
    Point p = new Point(iteration, envSteps, pre, post, (System.nanoTime() - t0) * 1e-9);
    curve.add(p);
    return p;
  }

  /**
   * Task {@code i} of meta-iteration {@code it}: trajectories under θ, the inner step, trajectories
   * under the adapted parameters. What the trainer's threads and cluster members compute alike.
   */
  @Override
  public TaskData sample(int it, int i, double[] task, double[] theta) {
    long s = MetaBatch.taskSeed(seed, it, i);
    Supplier<Env> env = TaskEnvs.fixed(factory, task);
    TaskBatch pre =
        TaskBatch.sample(
            env, ac.policy, theta, c.trajectories(), c.horizon(), c.gamma(), c.lambda(), s);
    double[] adapted = pre.adapt(ac.policy, theta, rates);
    TaskBatch post =
        TaskBatch.sample(
            env, ac.policy, adapted, c.trajectories(), c.horizon(), c.gamma(), c.lambda(), s + 50);
    double[] outOld = new PolicyGradient(ac.policy).forward(theta, pre.obs(), pre.n());
    return new TaskData(pre, post, outOld.clone());
  }

  /**
   * The held-out few-shot test of the current policy: per task, the mean return before and after
   * each of {@code steps} steps at the inner rate for every parameter; on the pool, or one task per
   * job on the cluster's members once distributed.
   */
  public double[][] heldOut(
      List<double[]> tasks,
      int trajectories,
      int steps,
      long seed,
      ExecutorService pool,
      int threads) {
    double[] params = ac.policyParams.clone();
    return work.each(
        pool,
        threads,
        tasks,
        (m, i, task) -> m.uniformRate().test(params, task, trajectories, steps, seed, i));
  }

  private MetaEval.UniformRate uniformRate() {
    return new MetaEval.UniformRate(
        factory, ac.policy, c.horizon(), c.innerLr(), c.gamma(), c.lambda());
  }

  /** How cluster members rebuild a ProMP run (its environment by name, settings and seed). */
  public record Recipe(String env, Config config, long seed)
      implements RemoteSampling.Recipe<ProMp> {
    @Override
    public ProMp learner() {
      return new ProMp(RlEnvs.metaRl(env), config, seed);
    }
  }

  private RemoteSampling<ProMp, TaskData> work = new RemoteSampling<>(this);

  /**
   * From now on samples each meta-iteration's tasks and computes their outer-step gradients on
   * {@code cluster}'s members (Adam's step stays here); the result is the same.
   */
  public void distribute(org.adaptrobot.trainer.cluster.Cluster cluster, Recipe recipe) {
    this.work = work.distribute(cluster, recipe);
  }

  /** The ascent direction of one task's outer objective at θ. */
  double[] taskGradient(TaskData d, double[] theta) {
    TaskBatch pre = d.pre();
    TaskBatch post = d.post();
    double[] weights = pre.weightedAdvantages(ac.policy, theta);
    PolicyGradient pg = new PolicyGradient(ac.policy);
    double[] gIn = new double[theta.length];
    pg.weightedLogProbGradient(theta, pre.obs(), pre.actions(), weights, pre.n(), gIn);
    double[] adapted = theta.clone();
    for (int k = 0; k < adapted.length; k++) {
      adapted[k] += rates[k] * gIn[k];
    }
    // the clipped surrogate of the post-update policy on its trajectories
    double[] out = pg.forward(adapted, post.obs(), post.n());
    double[] lp = PolicyGradient.logProbs(out, post.actions(), post.n(), ac.policy.actionSize());
    double[] cw = new double[post.n()];
    for (int k = 0; k < post.n(); k++) {
      double r = Math.exp(lp[k] - post.logProbs()[k]);
      double a = post.advantages()[k];
      double unclipped = r * a;
      double clipped = Math.max(1 - c.clip(), Math.min(1 + c.clip(), r)) * a;
      cw[k] = unclipped <= clipped ? a * r : 0.0;
    }
    double[] gOut = new double[theta.length];
    pg.weightedLogProbGradient(adapted, post.obs(), post.actions(), cw, post.n(), gOut);
    // through the inner step: (I + α H_LVC(θ)) g_out
    // (with one rate per parameter, D = diag(rates): (I + H D) g_out, H symmetric)
    double[] g = new double[theta.length];
    if (c.adaptLogStd()) {
      double[] h =
          new LvcCurvature(ac.policy)
              .hessianVectorProduct(theta, pre.obs(), pre.actions(), weights, pre.n(), gOut);
      for (int k = 0; k < g.length; k++) {
        g[k] = gOut[k] + c.innerLr() * h[k];
      }
    } else {
      double[] dg = new double[theta.length];
      for (int k = 0; k < dg.length; k++) {
        dg[k] = rates[k] * gOut[k];
      }
      double[] h =
          new LvcCurvature(ac.policy)
              .hessianVectorProduct(theta, pre.obs(), pre.actions(), weights, pre.n(), dg);
      for (int k = 0; k < g.length; k++) {
        g[k] = gOut[k] + h[k];
      }
    }
    // the pre-update trust region: −η ∇ KL(π_θ_old ‖ π_θ)
    double[] kl = new double[theta.length];
    pg.klGradient(theta, pre.obs(), d.outOldPre(), pre.n(), kl);
    for (int k = 0; k < g.length; k++) {
      g[k] -= c.klPenalty() * kl[k];
    }
    return g;
  }
}
