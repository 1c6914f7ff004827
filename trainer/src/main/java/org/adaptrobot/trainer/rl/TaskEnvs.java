package org.adaptrobot.trainer.rl;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.adaptrobot.sim.env.Box;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;

/**
 * Environments over a task distribution for the non-meta baselines: a new training task at every
 * reset (the multi-task "pretrained" policy learns the average task), optionally with the task's
 * parameters appended to the observation (the oracle, which is told the task).
 */
public final class TaskEnvs {

  private TaskEnvs() {}

  /** A fixed task. */
  public static Supplier<Env> fixed(Supplier<? extends Env> base, double[] task) {
    return () -> {
      Env e = base.get();
      e.task(task.clone());
      return e;
    };
  }

  /** A random training task per episode; with {@code oracle} the task is observed too. */
  public static Supplier<Env> randomTask(Supplier<? extends Env> base, boolean oracle) {
    return () -> new RandomTask(base.get(), oracle, null, 0, 0);
  }

  /**
   * A random training task per episode that, with probability {@code switchProbability}, changes to
   * another at a uniform step in [1, horizon) — the episodes RL² trains on ({@link Rl2}), for the
   * feed-forward policies trained on the same distribution (with {@code oracle}: observing the
   * task, the new one from the change on).
   */
  public static Supplier<Env> randomTask(
      Supplier<? extends Env> base, boolean oracle, double switchProbability, int horizon) {
    return () -> new RandomTask(base.get(), oracle, null, switchProbability, horizon);
  }

  /** The oracle's view of a fixed task: the task appended to the observation. */
  public static Supplier<Env> observedTask(Supplier<? extends Env> base, double[] task) {
    return () -> new RandomTask(base.get(), true, task.clone(), 0, 0);
  }

  /**
   * A fixed observation normalisation, as the runtime applies a bundle's: each value clipped to
   * mean ± {@link RunningMeanStd#CLIP} std, then (x − mean) / std. Meta-learners train under it (a
   * running normaliser would move under the inner step the robot repeats) and the bundle carries
   * the same mean and std.
   */
  public static Supplier<Env> normalised(
      Supplier<? extends Env> base, double[] mean, double[] std) {
    double[] m = mean.clone();
    double[] sd = std.clone();
    return () -> new Normalised(base.get(), m, sd);
  }

  private static final class Normalised extends EnvWrapper {
    private final double[] mean;
    private final double[] std;
    private final double[] inner;

    Normalised(Env env, double[] mean, double[] std) {
      super(fits(env, mean, std));
      this.mean = mean;
      this.std = std;
      this.inner = new double[mean.length];
    }

    private static Env fits(Env env, double[] mean, double[] std) {
      if (mean.length != env.observationSpace().size() || std.length != mean.length) {
        throw new IllegalArgumentException(
            "normalisation: "
                + mean.length
                + " means and "
                + std.length
                + " stds for "
                + env.observationSpace().size()
                + " observation values");
      }
      return env;
    }

    private void copy(double[] observation) {
      for (int i = 0; i < mean.length; i++) {
        double lo = mean[i] - RunningMeanStd.CLIP * std[i];
        double hi = mean[i] + RunningMeanStd.CLIP * std[i];
        double v = Math.max(lo, Math.min(hi, inner[i]));
        observation[i] = (v - mean[i]) / std[i];
      }
    }

    @Override
    public Box observationSpace() {
      double[] lo = new double[mean.length];
      double[] hi = new double[mean.length];
      java.util.Arrays.fill(lo, -RunningMeanStd.CLIP);
      java.util.Arrays.fill(hi, RunningMeanStd.CLIP);
      return new Box(lo, hi);
    }

    @Override
    public void reset(Long seed, double[] observation) {
      env.reset(seed, inner);
      copy(observation);
    }

    @Override
    public double step(double[] action, double[] observation, Status status) {
      double r = env.step(action, inner, status);
      copy(observation);
      return r;
    }
  }

  private static final class RandomTask extends EnvWrapper {
    private final boolean oracle;
    private final double[] fixedTask;
    private final int o;
    private final int t;
    private final double[] inner;
    private SplittableRandom random = new SplittableRandom(0);

    private final double switchProbability;
    private final int horizon;

    RandomTask(Env env, boolean oracle, double[] fixedTask, double switchProbability, int horizon) {
      super(env);
      this.switchProbability = switchProbability;
      this.horizon = horizon;
      this.oracle = oracle;
      this.fixedTask = fixedTask;
      this.o = env.observationSpace().size();
      this.t = env.tasks().size();
      this.inner = new double[o];
    }

    @Override
    public Box observationSpace() {
      if (!oracle) {
        return env.observationSpace();
      }
      double[] lo = new double[o + t];
      double[] hi = new double[o + t];
      java.util.Arrays.fill(lo, Double.NEGATIVE_INFINITY);
      java.util.Arrays.fill(hi, Double.POSITIVE_INFINITY);
      return new Box(lo, hi);
    }

    @Override
    public void reset(Long seed, double[] observation) {
      if (seed != null) {
        random = new SplittableRandom(seed * 31 + 17);
      }
      env.task(
          fixedTask != null ? fixedTask : env.tasks().sample(TaskDistribution.Split.TRAIN, random));
      env.reset(seed, inner);
      if (switchProbability > 0 && random.nextDouble() < switchProbability) {
        env.switchTaskAt(
            1 + random.nextInt(horizon - 1),
            env.tasks().sample(TaskDistribution.Split.TRAIN, random));
      }
      copy(observation);
    }

    private void copy(double[] observation) {
      System.arraycopy(inner, 0, observation, 0, o);
      if (oracle) {
        double[] task = env.task();
        System.arraycopy(task, 0, observation, o, t);
      }
    }

    @Override
    public double step(double[] action, double[] observation, Status status) {
      double r = env.step(action, inner, status);
      copy(observation);
      return r;
    }
  }
}
