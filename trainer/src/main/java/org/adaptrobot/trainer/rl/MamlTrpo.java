package org.adaptrobot.trainer.rl;

import static org.adaptrobot.trainer.io.CheckpointArrays.require;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.sim.env.Env;

/**
 * MAML for reinforcement learning (Finn et al. 2017, §5.3) with the exact meta-gradient: per task
 * an inner vanilla policy-gradient step θ'(θ) = θ + α ĝ_LVC(θ); the outer step is TRPO on the mean
 * post-update surrogate, whose gradient and Fisher-vector products go through the inner step:
 *
 * <pre>
 *   g = mean_i (I + α H_i) ∇ L_i(θ'_i)      F v = mean_i (I + α H_i) F_i (I + α H_i) v
 * </pre>
 *
 * with H_i the LVC curvature of task i's inner trajectories (the term through the sampling
 * distribution included) and F_i the Fisher of the post-update policy on its trajectories; the line
 * search recomputes every θ'_i for each candidate and accepts the first within the mean post-update
 * KL bound whose surrogate improved. Tasks run in parallel and are summed in task order:
 * bit-identical for any number of threads.
 */
public final class MamlTrpo implements RemoteSampling.Learner<MamlTrpo.TaskData> {

  /** Hyper-parameters (the MAML paper's for 2D navigation where it gives them). */
  public record Config(
      int metaBatch,
      int trajectories,
      int horizon,
      double innerLr,
      int innerSteps,
      double maxKl,
      int cgIterations,
      double damping,
      int backtracks,
      double backtrackRatio,
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
        int innerSteps,
        double maxKl,
        int cgIterations,
        double damping,
        int backtracks,
        double backtrackRatio,
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
          innerSteps,
          maxKl,
          cgIterations,
          damping,
          backtracks,
          backtrackRatio,
          gamma,
          lambda,
          hidden,
          activation,
          initialLogStd,
          true);
    }

    /**
     * These settings with another meta-batch, trajectories per task, episode length and number of
     * inner steps.
     */
    public Config sized(int tasks, int trajectoriesPerTask, int steps, int inner) {
      return new Config(
          tasks,
          trajectoriesPerTask,
          steps,
          innerLr,
          inner,
          maxKl,
          cgIterations,
          damping,
          backtracks,
          backtrackRatio,
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
          1,
          0.01,
          10,
          0.01,
          10,
          0.8,
          0.99,
          1.0,
          new int[] {64, 64},
          Activation.TANH,
          0.0);
    }
  }

  /** One meta-iteration's figures. */
  public record Point(
      int iteration,
      long envSteps,
      double preReturn,
      double postReturn,
      double kl,
      boolean accepted,
      double seconds) {}

  private final Supplier<? extends Env> factory;
  private final Config c;
  private final long seed;
  private final ActorCritic ac;
  private final List<Point> curve = new ArrayList<>();
  private final double[] rates;
  private long envSteps;
  private int iteration;

  public MamlTrpo(Supplier<? extends Env> factory, Config c, long seed) {
    this.factory = factory;
    this.c = c;
    this.seed = seed;
    this.ac = MetaBatch.policy(factory, c.hidden(), c.activation(), c.initialLogStd(), seed);
    this.rates = TaskBatch.innerRates(ac.policy, c.innerLr(), c.adaptLogStd());
  }

  public ActorCritic model() {
    return ac;
  }

  public List<Point> curve() {
    return curve;
  }

  /**
   * One task's trajectories: the inner batches D_0..D_{K−1} (D_i sampled under θ_i, θ_0 = θ), the
   * post-update batch under θ_K, and the post-update policy's output on it.
   */
  /**
   * Task {@code i} of meta-iteration {@code it}: the inner steps' trajectories and steps from θ,
   * then trajectories under the adapted parameters. What the trainer's threads and cluster members
   * compute alike.
   */
  @Override
  public TaskData sample(int it, int i, double[] task, double[] theta) {
    long s = MetaBatch.taskSeed(seed, it, i);
    Supplier<Env> env = TaskEnvs.fixed(factory, task);
    List<TaskBatch> inner = new ArrayList<>();
    double[] adapted = theta;
    for (int k = 0; k < c.innerSteps(); k++) {
      TaskBatch b =
          TaskBatch.sample(
              env,
              ac.policy,
              adapted,
              c.trajectories(),
              c.horizon(),
              c.gamma(),
              c.lambda(),
              s + 1000L * k);
      inner.add(b);
      adapted = b.adapt(ac.policy, adapted, rates);
    }
    TaskBatch post =
        TaskBatch.sample(
            env, ac.policy, adapted, c.trajectories(), c.horizon(), c.gamma(), c.lambda(), s + 50);
    double[] out = new PolicyGradient(ac.policy).forward(adapted, post.obs(), post.n());
    return new TaskData(inner, post, adapted, out.clone());
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

  /** How cluster members rebuild a MAML-TRPO run (its environment by name, settings and seed). */
  public record Recipe(String env, Config config, long seed)
      implements RemoteSampling.Recipe<MamlTrpo> {
    @Override
    public MamlTrpo learner() {
      return new MamlTrpo(RlEnvs.metaRl(env), config, seed);
    }
  }

  private RemoteSampling<MamlTrpo, TaskData> work = new RemoteSampling<>(this);

  /**
   * From now on samples each meta-iteration's tasks and computes the per-task meta-gradients,
   * Fisher-vector products and line-search evaluations on {@code cluster}'s members (the conjugate
   * gradient and the step stay here); the result is the same.
   */
  public void distribute(org.adaptrobot.trainer.cluster.Cluster cluster, Recipe recipe) {
    this.work = work.distribute(cluster, recipe);
  }

  record TaskData(List<TaskBatch> inner, TaskBatch post, double[] adapted, double[] outPostOld)
      implements java.io.Serializable {
    TaskBatch pre() {
      return inner.get(0);
    }
  }

  /**
   * The learner's state for a checkpoint: the policy, the iteration, the env steps, the learning
   * curve. A run restored from it continues bit-identically (task draws and rollouts are seeded by
   * the iteration).
   */
  public java.util.Map<String, double[]> state() {
    java.util.Map<String, double[]> m = new java.util.LinkedHashMap<>();
    m.put("policy", ac.policyParams.clone());
    m.put("iteration", new double[] {iteration});
    m.put("env_steps", new double[] {envSteps});
    double[] points = new double[curve.size() * 7];
    for (int i = 0; i < curve.size(); i++) {
      Point p = curve.get(i);
      double[] row = {
        p.iteration(),
        p.envSteps(),
        p.preReturn(),
        p.postReturn(),
        p.kl(),
        p.accepted() ? 1 : 0,
        p.seconds()
      };
      System.arraycopy(row, 0, points, i * 7, 7);
    }
    m.put("curve", points);
    return m;
  }

  /** Continues from a {@link #state} of a run with the same settings and seed. */
  public void restore(java.util.Map<String, double[]> state) {
    double[] policy = require(state, "policy", ac.policyParams.length);
    System.arraycopy(policy, 0, ac.policyParams, 0, policy.length);
    iteration = (int) require(state, "iteration", 1)[0];
    envSteps = (long) require(state, "env_steps", 1)[0];
    double[] points = state.get("curve");
    if (points == null || points.length % 7 != 0) {
      throw new IllegalArgumentException("checkpoint: no learning curve of 7-value rows");
    }
    curve.clear();
    for (int i = 0; i < points.length / 7; i++) {
      double[] r = java.util.Arrays.copyOfRange(points, i * 7, (i + 1) * 7);
      curve.add(new Point((int) r[0], (long) r[1], r[2], r[3], r[4], r[5] != 0, r[6]));
    }
  }

  /** One meta-iteration. */
  public Point iterate(ExecutorService pool, int threads) {
    long t0 = System.nanoTime();
    iteration++;
    List<double[]> tasks = MetaBatch.trainingTasks(factory, seed, iteration, c.metaBatch());
    double[] theta = ac.policyParams.clone();
    List<TaskData> data = work.sample(pool, threads, iteration, tasks, theta);
    envSteps += (c.innerSteps() + 1L) * c.metaBatch() * c.trajectories() * c.horizon();
    int p = theta.length;
    // the meta-gradient at θ
    List<double[]> grads =
        work.map(pool, threads, data, (m, d, sampledAt, v) -> m.metaGradient(d, sampledAt), null);
    double[] g = mean(grads, p);
    // natural-gradient direction by conjugate gradient on the meta Fisher-vector products
    double[] x = new double[p];
    double[] r = g.clone();
    double[] dir = g.clone();
    double rr = Trpo.dot(r, r);
    for (int it = 0; it < c.cgIterations() && rr > 1e-12; it++) {
      double[] fd = fisherVector(data, dir, pool, threads);
      double alpha = rr / Trpo.dot(dir, fd);
      for (int k = 0; k < p; k++) {
        x[k] += alpha * dir[k];
        r[k] -= alpha * fd[k];
      }
      double next = Trpo.dot(r, r);
      for (int k = 0; k < p; k++) {
        dir[k] = r[k] + (next / rr) * dir[k];
      }
      rr = next;
    }
    double xFx = Trpo.dot(x, fisherVector(data, x, pool, threads));
    double kl = 0;
    boolean accepted = false;
    if (xFx > 0) {
      double beta = Math.sqrt(2 * c.maxKl() / xFx);
      double frac = 1.0;
      for (int k = 0; k <= c.backtracks() && !accepted; k++) {
        double[] candidate = theta.clone();
        for (int q = 0; q < p; q++) {
          candidate[q] += frac * beta * x[q];
        }
        List<double[]> res =
            work.map(pool, threads, data, (m, d, sampledAt, at) -> m.evaluate(d, at), candidate);
        double surrogate = 0;
        double meanKl = 0;
        for (double[] v : res) {
          surrogate += v[0] / res.size();
          meanKl += v[1] / res.size();
        }
        if (meanKl <= c.maxKl() && surrogate > 0 && Double.isFinite(surrogate)) {
          System.arraycopy(candidate, 0, ac.policyParams, 0, p);
          accepted = true;
          kl = meanKl;
        }
        frac *= c.backtrackRatio();
      }
    }
    double pre = data.stream().mapToDouble(d -> d.pre().meanReturn()).average().orElse(Double.NaN);
    double post =
        data.stream().mapToDouble(d -> d.post().meanReturn()).average().orElse(Double.NaN);
    Point pt =
        new Point(iteration, envSteps, pre, post, kl, accepted, (System.nanoTime() - t0) * 1e-9);
    curve.add(pt);
    return pt;
  }

  /**
   * Jᵀv with J = dθ_K/dθ = (I + αH_{K−1})…(I + αH_0), each H_i the LVC curvature of D_i at θ_i
   * (symmetric, so Jᵀ applies the factors from the last to the first).
   */
  private double[] throughInner(TaskData d, double[] theta, double[] v) {
    double[][] params = innerParams(d, theta);
    double[] out = v;
    for (int i = d.inner().size() - 1; i >= 0; i--) {
      out = plusCurvature(d.inner().get(i), params[i], out, true);
    }
    return out;
  }

  /** J v: the factors from the first to the last. */
  private double[] alongInner(TaskData d, double[] theta, double[] v) {
    double[][] params = innerParams(d, theta);
    double[] out = v;
    for (int i = 0; i < d.inner().size(); i++) {
      out = plusCurvature(d.inner().get(i), params[i], out, false);
    }
    return out;
  }

  /** θ_0 … θ_{K−1} at θ (the sampling parameters when θ is the iteration's). */
  private double[][] innerParams(TaskData d, double[] theta) {
    double[][] p = new double[d.inner().size()][];
    double[] current = theta;
    for (int i = 0; i < p.length; i++) {
      p[i] = current;
      if (i + 1 < p.length) {
        current = d.inner().get(i).adapt(ac.policy, current, rates);
      }
    }
    return p;
  }

  /**
   * (I + DH)v, or its transpose (I + HD)v, with D the inner rates (H is symmetric); with one rate
   * for every parameter both are v + αHv.
   */
  private double[] plusCurvature(TaskBatch b, double[] at, double[] v, boolean transposed) {
    double[] weights = b.weightedAdvantages(ac.policy, at);
    LvcCurvature lvc = new LvcCurvature(ac.policy);
    double[] out = v.clone();
    if (!c.adaptLogStd() && transposed) {
      double[] dv = new double[v.length];
      for (int k = 0; k < v.length; k++) {
        dv[k] = rates[k] * v[k];
      }
      double[] h = lvc.hessianVectorProduct(at, b.obs(), b.actions(), weights, b.n(), dv);
      for (int k = 0; k < out.length; k++) {
        out[k] += h[k];
      }
      return out;
    }
    double[] h = lvc.hessianVectorProduct(at, b.obs(), b.actions(), weights, b.n(), v);
    for (int k = 0; k < out.length; k++) {
      out[k] += (c.adaptLogStd() ? c.innerLr() : rates[k]) * h[k];
    }
    return out;
  }

  /** The inner rates (one per parameter). */
  public double[] innerRates() {
    return rates.clone();
  }

  /** The mean over tasks of the meta Fisher-vector products with v, damped. */
  private double[] fisherVector(
      List<TaskData> data, double[] v, ExecutorService pool, int threads) {
    List<double[]> parts =
        work.map(pool, threads, data, (m, d, sampledAt, u) -> m.fisherVector(d, sampledAt, u), v);
    double[] fv = mean(parts, v.length);
    for (int k = 0; k < fv.length; k++) {
      fv[k] += c.damping() * v[k];
    }
    return fv;
  }

  /**
   * One task's meta-gradient at θ: the post-update policy gradient carried back through the inner
   * steps.
   */
  private double[] metaGradient(TaskData d, double[] theta) {
    double[] gOut = new double[theta.length];
    new PolicyGradient(ac.policy)
        .weightedLogProbGradient(
            d.adapted(),
            d.post().obs(),
            d.post().actions(),
            d.post().advantages(),
            d.post().n(),
            gOut);
    return throughInner(d, theta, gOut);
  }

  /** One task's meta Fisher-vector product with v at θ. */
  private double[] fisherVector(TaskData d, double[] theta, double[] v) {
    double[] u = alongInner(d, theta, v);
    PolicyGradient pg = new PolicyGradient(ac.policy);
    pg.forward(d.adapted(), d.post().obs(), d.post().n());
    double[] fu = pg.fisherVectorProduct(d.adapted(), u, d.post().n(), 0);
    return throughInner(d, theta, fu);
  }

  /** The post-update surrogate and KL of one task at a candidate θ. */
  private double[] evaluate(TaskData d, double[] candidate) {
    double[] adapted = candidate;
    for (TaskBatch b : d.inner()) {
      adapted = b.adapt(ac.policy, adapted, rates);
    }
    double[] out = new PolicyGradient(ac.policy).forward(adapted, d.post().obs(), d.post().n());
    int dim = ac.policy.actionSize();
    double[] lp = PolicyGradient.logProbs(out, d.post().actions(), d.post().n(), dim);
    double surrogate = 0;
    for (int k = 0; k < d.post().n(); k++) {
      surrogate += Math.exp(lp[k] - d.post().logProbs()[k]) * d.post().advantages()[k];
    }
    surrogate /= d.post().n();
    double kl = PolicyGradient.meanKl(d.outPostOld(), out, d.post().n(), dim);
    return new double[] {surrogate, kl};
  }

  private static double[] mean(List<double[]> parts, int p) {
    double[] m = new double[p];
    for (double[] v : parts) {
      for (int k = 0; k < p; k++) {
        m[k] += v[k] / parts.size();
      }
    }
    return m;
  }
}
