package org.adaptrobot.trainer.dynamics;

import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;

/**
 * A simulated system whose one-step dynamics a model learns: an environment, an exploration policy
 * that covers the states a controller visits, and the normalisation the model's inputs and outputs
 * use. The model maps {@code [(obs − mean)/std, action]} to the normalised change {@code (obs′ −
 * obs)/std}; components the robot does not cause (set-points) are exogenous and their change is
 * defined as zero. This is the contract of a bundle's {@code dynamics} graph.
 *
 * <p>Not thread-safe: one instance per thread ({@link #copy()}).
 */
public abstract class DynamicsDomain {

  /** A named fixed dynamics to evaluate on. */
  public record Scenario(String name, double[] task, boolean heldOut) {}

  private final Env env;
  private final double[] obs;
  private final double[] next;
  private final double[] action;
  private final Env.Status status = new Env.Status();
  private double[] mean;
  private double[] std;

  protected DynamicsDomain(Env env) {
    this.env = env;
    this.obs = new double[env.observationSpace().size()];
    this.next = new double[obs.length];
    this.action = new double[env.actionSpace().size()];
  }

  public abstract String name();

  /** A fresh instance with the same normalisation, for another thread. */
  public abstract DynamicsDomain copy();

  public abstract double controlRateHz();

  public abstract List<String> observationNames();

  public abstract List<String> observationUnits();

  public abstract List<String> actionNames();

  public abstract List<String> actionUnits();

  /** Largest action change per control step, per action component. */
  public abstract double[] maxActionChange();

  /** True for components whose change the model defines as zero. */
  public abstract boolean exogenous(int component);

  /** The named cases of the dynamics-adaptation table. */
  public abstract List<Scenario> scenarios();

  /** Steps of exploration before a recorded window, drawn per window. */
  protected abstract int warmUp(SplittableRandom r);

  /**
   * The exploration policy: writes the next action given the current observation and the previous
   * action (which it updates in place).
   */
  protected abstract void explore(double[] observation, double[] action, SplittableRandom r);

  public Env env() {
    return env;
  }

  public TaskDistribution tasks() {
    return env.tasks();
  }

  public int stateSize() {
    return obs.length;
  }

  public int actionSize() {
    return action.length;
  }

  public int inputSize() {
    return obs.length + action.length;
  }

  public double[] mean() {
    return mean;
  }

  public double[] std() {
    return std;
  }

  protected void normalisation(double[] mean, double[] std) {
    this.mean = mean.clone();
    this.std = std.clone();
  }

  /**
   * Estimates the observation mean and standard deviation from exploration on {@code tasks}
   * training tasks (deterministic for a seed); standard deviations are floored at {@code floor}.
   */
  protected void estimateNormalisation(int tasks, int steps, long seed, double floor) {
    int n = obs.length;
    double[] sum = new double[n];
    double[] sq = new double[n];
    long count = 0;
    SplittableRandom r = new SplittableRandom(seed);
    for (int t = 0; t < tasks; t++) {
      env.task(env.tasks().sample(TaskDistribution.Split.TRAIN, r));
      env.reset(r.nextLong(), obs);
      java.util.Arrays.fill(action, 0);
      for (int s = 0; s < steps; s++) {
        explore(obs, action, r);
        env.step(action, obs, status);
        for (int i = 0; i < n; i++) {
          sum[i] += obs[i];
          sq[i] += obs[i] * obs[i];
        }
        count++;
      }
    }
    double[] m = new double[n];
    double[] sd = new double[n];
    for (int i = 0; i < n; i++) {
      m[i] = sum[i] / count;
      sd[i] = Math.max(floor, Math.sqrt(Math.max(0, sq[i] / count - m[i] * m[i])));
    }
    normalisation(m, sd);
  }

  /**
   * Runs the system with dynamics {@code task} from a random start, explores for a random warm-up,
   * then records {@code n} consecutive transitions as model inputs {@code x} ({@code n ×
   * inputSize}) and normalised changes {@code y} ({@code n × stateSize}).
   */
  public void transitions(double[] task, SplittableRandom r, int n, double[] x, double[] y) {
    env.task(task);
    env.reset(r.nextLong(), obs);
    java.util.Arrays.fill(action, 0);
    int warm = warmUp(r);
    for (int s = 0; s < warm; s++) {
      explore(obs, action, r);
      env.step(action, obs, status);
    }
    int in = inputSize();
    int out = stateSize();
    for (int s = 0; s < n; s++) {
      explore(obs, action, r);
      for (int i = 0; i < out; i++) {
        x[s * in + i] = (obs[i] - mean[i]) / std[i];
      }
      for (int j = 0; j < action.length; j++) {
        x[s * in + out + j] = env.actionSpace().clip(action[j], j);
      }
      env.step(action, next, status);
      for (int i = 0; i < out; i++) {
        y[s * out + i] = exogenous(i) ? 0.0 : (next[i] - obs[i]) / std[i];
      }
      System.arraycopy(next, 0, obs, 0, out);
    }
  }

  /**
   * The manifest's observation spec of a model of this domain: names, units, bounds (an infinite
   * bound becomes the mean ± 20 standard deviations) and the normalisation.
   */
  public Manifest.ObservationSpec observationSpec() {
    int n = stateSize();
    double[] low = new double[n];
    double[] high = new double[n];
    for (int i = 0; i < n; i++) {
      low[i] = env.observationSpace().low()[i];
      high[i] = env.observationSpace().high()[i];
      if (Double.isInfinite(low[i])) {
        low[i] = mean[i] - 20 * std[i];
      }
      if (Double.isInfinite(high[i])) {
        high[i] = mean[i] + 20 * std[i];
      }
    }
    return new Manifest.ObservationSpec(
        observationNames(), observationUnits(), low, high, mean, std);
  }

  /** The manifest's action spec: names, units, bounds and the largest change per step. */
  public Manifest.ActionSpec actionSpec() {
    int na = actionSize();
    double[] low = new double[na];
    double[] high = new double[na];
    for (int j = 0; j < na; j++) {
      low[j] = env.actionSpace().low()[j];
      high[j] = env.actionSpace().high()[j];
    }
    return new Manifest.ActionSpec(actionNames(), actionUnits(), low, high, maxActionChange());
  }

  /** Draws a task for meta-training. */
  public double[] trainingTask(SplittableRandom r) {
    return env.tasks().sample(TaskDistribution.Split.TRAIN, r);
  }
}
