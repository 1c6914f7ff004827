package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.adaptrobot.models.loss.DiagonalGaussian;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.sim.env.Env;

/**
 * Collects on-policy batches from N copies of an environment. Copy {@code i} has its own random
 * stream for exploration noise (from the seed and {@code i}) and its own environment stream (reset
 * with {@code seed + i} once, then continued), and steps on its own: the copies are split among
 * threads, and the batch is bit-identical whatever the number of threads. The observation
 * normaliser is frozen during a rollout and updated afterwards, in copy and time order.
 */
public final class Sampler implements AutoCloseable {

  private final Env[] envs;
  private final GaussianPolicy policy;
  private final Mlp value;
  private final RunningMeanStd norm;
  private final int obsSize;
  private final int actSize;
  private final SplittableRandom[] noise;
  private final double[] current;
  private final double[] episodeReturn;
  private final int[] episodeLength;
  private final ExecutorService pool;
  private final int threads;
  private long envSteps;

  /**
   * @param value the value network, or null (values are 0: a baseline is fitted afterwards)
   * @param norm the observation normaliser, or null for raw observations
   * @param pool runs the copies' chunks; null runs them in the calling thread
   */
  public Sampler(
      Supplier<? extends Env> factory,
      int copies,
      GaussianPolicy policy,
      Mlp value,
      RunningMeanStd norm,
      long seed,
      ExecutorService pool,
      int threads) {
    this.envs = new Env[copies];
    this.policy = policy;
    this.value = value;
    this.norm = norm;
    this.noise = new SplittableRandom[copies];
    for (int i = 0; i < copies; i++) {
      envs[i] = factory.get();
      noise[i] = new SplittableRandom(seed * 1_000_003L + i);
    }
    this.obsSize = envs[0].observationSpace().size();
    this.actSize = envs[0].actionSpace().size();
    this.current = new double[copies * obsSize];
    this.episodeReturn = new double[copies];
    this.episodeLength = new int[copies];
    double[] o = new double[obsSize];
    for (int i = 0; i < copies; i++) {
      envs[i].reset(seed + i, o);
      System.arraycopy(o, 0, current, i * obsSize, obsSize);
    }
    this.pool = pool;
    this.threads = pool == null ? 1 : Math.max(1, threads);
  }

  public Env env(int i) {
    return envs[i];
  }

  public int copies() {
    return envs.length;
  }

  /** Environment steps taken so far. */
  public long envSteps() {
    return envSteps;
  }

  /** Fills {@code buf} with {@code buf.steps} steps of every copy under {@code params}. */
  public void collect(double[] params, double[] valueParams, RolloutBuffer buf) {
    if (buf.envs != envs.length) {
      throw new IllegalArgumentException(
          "buffer for " + buf.envs + " copies, sampler has " + envs.length);
    }
    double[] std = norm == null ? null : norm.std();
    ensureEpisodeArrays(buf.size());
    int chunks = Math.min(threads, envs.length);
    if (chunks <= 1 || pool == null) {
      run(0, envs.length, params, valueParams, buf, std);
    } else {
      List<Future<?>> work = new ArrayList<>();
      for (int c = 0; c < chunks; c++) {
        int from = c * envs.length / chunks;
        int to = (c + 1) * envs.length / chunks;
        work.add(pool.submit(() -> run(from, to, params, valueParams, buf, std)));
      }
      try {
        for (Future<?> f : work) {
          f.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while sampling", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("sampling failed: " + e.getCause(), e.getCause());
      }
    }
    // the episodes that ended, in copy then time order, and the normaliser's update
    buf.finishedEpisodes.clear();
    for (int i = 0; i < envs.length; i++) {
      for (int t = 0; t < buf.steps; t++) {
        int k = t * envs.length + i;
        if (buf.terminated[k] || buf.truncated[k]) {
          buf.finishedEpisodes.add(new double[] {finishedReturn[k], finishedLength[k]});
        }
      }
    }
    if (norm != null) {
      norm.update(buf.rawObs, buf.size());
    }
    envSteps += (long) buf.size();
  }

  private double[] finishedReturn = new double[0];
  private int[] finishedLength = new int[0];

  private synchronized void ensureEpisodeArrays(int n) {
    if (finishedReturn.length != n) {
      finishedReturn = new double[n];
      finishedLength = new int[n];
    }
  }

  private void run(
      int from, int to, double[] params, double[] valueParams, RolloutBuffer buf, double[] std) {
    Mlp.Workspace pws = policy.meanNetwork().newWorkspace();
    Mlp.Workspace vws = value == null ? null : value.newWorkspace();
    int logStdOffset = policy.layout().slice(GaussianPolicy.LOG_STD).offset();
    double[] x = new double[obsSize];
    double[] mean = new double[actSize];
    double[] action = new double[actSize];
    double[] next = new double[obsSize];
    double[] v = new double[1];
    Env.Status status = new Env.Status();
    int n = envs.length;
    for (int t = 0; t < buf.steps; t++) {
      for (int i = from; i < to; i++) {
        int k = t * n + i;
        System.arraycopy(current, i * obsSize, buf.rawObs, k * obsSize, obsSize);
        if (norm != null) {
          norm.normalise(current, i * obsSize, x, 0, std);
        } else {
          System.arraycopy(current, i * obsSize, x, 0, obsSize);
        }
        System.arraycopy(x, 0, buf.obs, k * obsSize, obsSize);
        policy.mean(params, x, mean, pws);
        for (int j = 0; j < actSize; j++) {
          action[j] = mean[j] + Math.exp(params[logStdOffset + j]) * gaussian(noise[i]);
        }
        System.arraycopy(action, 0, buf.actions, k * actSize, actSize);
        buf.logProbs[k] =
            DiagonalGaussian.logProb(action, 0, mean, 0, params, logStdOffset, actSize);
        buf.values[k] = valueOf(valueParams, x, v, vws);
        buf.episodeStep[k] = episodeLength[i];
        double r = envs[i].step(action, next, status);
        buf.rewards[k] = r;
        buf.terminated[k] = status.terminated;
        buf.truncated[k] = status.truncated && !status.terminated;
        episodeReturn[i] += r;
        episodeLength[i]++;
        if (status.done()) {
          if (buf.truncated[k]) {
            if (norm != null) {
              norm.normalise(next, 0, x, 0, std);
            } else {
              System.arraycopy(next, 0, x, 0, obsSize);
            }
            buf.bootstrap[k] = valueOf(valueParams, x, v, vws);
          } else {
            buf.bootstrap[k] = 0;
          }
          finishedReturn[k] = episodeReturn[i];
          finishedLength[k] = episodeLength[i];
          episodeReturn[i] = 0;
          episodeLength[i] = 0;
          envs[i].reset(null, next);
        }
        System.arraycopy(next, 0, current, i * obsSize, obsSize);
      }
    }
    for (int i = from; i < to; i++) {
      if (norm != null) {
        norm.normalise(current, i * obsSize, x, 0, std);
      } else {
        System.arraycopy(current, i * obsSize, x, 0, obsSize);
      }
      buf.lastValues[i] = valueOf(valueParams, x, v, vws);
    }
  }

  private double valueOf(double[] valueParams, double[] x, double[] v, Mlp.Workspace ws) {
    if (value == null) {
      return 0.0;
    }
    value.forward(valueParams, 0, x, 0, v, 0, ws);
    return v[0];
  }

  /** A standard normal draw, from one copy's own stream. */
  static double gaussian(SplittableRandom random) {
    return org.adaptrobot.models.nn.GaussianPolicy.standardNormal(random);
  }

  /**
   * Mean return of {@code episodes} episodes with the deterministic policy (the mean action), on
   * fresh copies seeded {@code seed + e}.
   */
  public static double[] evaluate(
      Supplier<? extends Env> factory,
      GaussianPolicy policy,
      double[] params,
      RunningMeanStd norm,
      int episodes,
      long seed) {
    Env env = factory.get();
    int o = env.observationSpace().size();
    double[] obs = new double[o];
    double[] x = new double[o];
    double[] a = new double[env.actionSpace().size()];
    double[] std = norm == null ? null : norm.std();
    Mlp.Workspace ws = policy.meanNetwork().newWorkspace();
    Env.Status st = new Env.Status();
    double[] returns = new double[episodes];
    for (int e = 0; e < episodes; e++) {
      env.reset(seed + e, obs);
      double total = 0;
      do {
        if (norm != null) {
          norm.normalise(obs, 0, x, 0, std);
        } else {
          System.arraycopy(obs, 0, x, 0, o);
        }
        policy.mean(params, x, a, ws);
        total += env.step(a, obs, st);
      } while (!st.done());
      returns[e] = total;
    }
    return returns;
  }

  @Override
  public void close() {
    // the pool belongs to the caller
  }
}
