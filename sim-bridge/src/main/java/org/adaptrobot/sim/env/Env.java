package org.adaptrobot.sim.env;

import java.util.Map;

/**
 * A simulated environment with Gymnasium's interface: {@code reset(seed)} returns an observation
 * and an info map; {@code step(action)} returns observation, reward, terminated, truncated and
 * info. Each environment also has a task (goal and/or dynamics parameters) from its {@link
 * TaskDistribution}, which may be switched at a given step of an episode.
 *
 * <p>The allocation-free forms {@link #reset(Long, double[])} and {@link #step(double[], double[],
 * Status)} are what trainers and vectorised environments use; the record-returning forms are the
 * convenient ones.
 */
public interface Env {

  Box observationSpace();

  Box actionSpace();

  /** The distribution this environment's tasks come from. */
  TaskDistribution tasks();

  /** Sets the task for the next episode (and from now on). */
  void task(double[] parameters);

  /** The task in force now. */
  double[] task();

  /**
   * Switches to {@code parameters} right before step number {@code step} (0-based, counted from the
   * last reset) of the current episode: that step and the following run the new dynamics.
   */
  void switchTaskAt(int step, double[] parameters);

  /**
   * Starts an episode. With a seed, the environment's random generator is re-created from it (the
   * same seed gives the same episode); without one it continues its stream (seeded from entropy on
   * the first reset), as in Gymnasium.
   */
  void reset(Long seed, double[] observation);

  /**
   * One step: applies the action (clipped into the action space), writes the next observation and
   * returns the reward. {@code status} receives terminated and truncated.
   */
  double step(double[] action, double[] observation, Status status);

  /** Steps taken since the last reset. */
  int elapsedSteps();

  /** Extra information about the current state (task, time, and what the environment adds). */
  Map<String, Object> info();

  /** Terminated and truncated flags of a step, reused between steps. */
  final class Status {
    public boolean terminated;
    public boolean truncated;

    public boolean done() {
      return terminated || truncated;
    }
  }

  /** The result of {@link #reset(Long)}. */
  record ResetResult(double[] observation, Map<String, Object> info) {}

  /** The result of {@link #step(double[])}. */
  record StepResult(
      double[] observation,
      double reward,
      boolean terminated,
      boolean truncated,
      Map<String, Object> info) {}

  /** Gymnasium's {@code reset(seed)}. */
  default ResetResult reset(Long seed) {
    double[] obs = new double[observationSpace().size()];
    reset(seed, obs);
    return new ResetResult(obs, info());
  }

  /** Gymnasium's {@code step(action)}. */
  default StepResult step(double[] action) {
    double[] obs = new double[observationSpace().size()];
    Status s = new Status();
    double reward = step(action, obs, s);
    return new StepResult(obs, reward, s.terminated, s.truncated, info());
  }
}
