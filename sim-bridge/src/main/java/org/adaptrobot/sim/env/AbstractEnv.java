package org.adaptrobot.sim.env;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeding, time limit, action clipping and mid-episode task switches for every environment;
 * subclasses write the physics.
 */
public abstract class AbstractEnv implements Env {

  private final Box observationSpace;
  private final Box actionSpace;
  private final TaskDistribution tasks;
  private final int horizon;
  private final double[] task;
  private final double[] clipped;
  private SplittableRandom random;
  private int steps;
  private int switchStep = -1;
  private double[] switchTask;

  protected AbstractEnv(
      Box observationSpace, Box actionSpace, TaskDistribution tasks, int horizon) {
    this.observationSpace = observationSpace;
    this.actionSpace = actionSpace;
    this.tasks = tasks;
    this.horizon = horizon;
    this.task = tasks.nominal();
    this.clipped = new double[actionSpace.size()];
  }

  /** Applies task parameters to the dynamics. */
  protected abstract void applyTask(double[] parameters);

  /** Draws the initial state. */
  protected abstract void resetState(SplittableRandom random);

  /** Advances the dynamics with a clipped action and returns the reward. */
  protected abstract double simulate(double[] action, SplittableRandom random);

  /** Writes the observation of the current state. */
  protected abstract void observe(double[] observation, SplittableRandom random);

  /** True when the current state ends the episode. */
  protected abstract boolean terminal();

  /** Adds environment-specific entries to {@link #info()}. */
  protected void addInfo(Map<String, Object> info) {}

  @Override
  public Box observationSpace() {
    return observationSpace;
  }

  @Override
  public Box actionSpace() {
    return actionSpace;
  }

  @Override
  public TaskDistribution tasks() {
    return tasks;
  }

  /** Episode length after which {@code truncated} is set. */
  public int horizon() {
    return horizon;
  }

  @Override
  public void task(double[] parameters) {
    if (parameters.length != task.length) {
      throw new IllegalArgumentException(
          "task has "
              + parameters.length
              + " parameters, expected "
              + task.length
              + ": "
              + tasks.parameters().stream().map(TaskDistribution.Parameter::name).toList());
    }
    System.arraycopy(parameters, 0, task, 0, task.length);
    applyTask(task);
  }

  @Override
  public double[] task() {
    return task.clone();
  }

  @Override
  public void switchTaskAt(int step, double[] parameters) {
    if (parameters.length != task.length) {
      throw new IllegalArgumentException(
          "task has " + parameters.length + " parameters, expected " + task.length);
    }
    if (step < steps) {
      throw new IllegalArgumentException(
          "step " + step + " has passed (this episode is at step " + steps + ")");
    }
    switchStep = step;
    switchTask = parameters.clone();
  }

  @Override
  public void reset(Long seed, double[] observation) {
    if (seed != null) {
      random = new SplittableRandom(seed);
    } else if (random == null) {
      random = new SplittableRandom();
    }
    steps = 0;
    switchStep = -1;
    applyTask(task);
    resetState(random);
    observe(observation, random);
  }

  @Override
  public double step(double[] action, double[] observation, Status status) {
    if (random == null) {
      throw new IllegalStateException("call reset before step");
    }
    if (steps == switchStep) {
      task(switchTask);
      switchStep = -1;
    }
    for (int i = 0; i < clipped.length; i++) {
      clipped[i] = actionSpace.clip(action[i], i);
    }
    double reward = simulate(clipped, random);
    steps++;
    observe(observation, random);
    status.terminated = terminal();
    status.truncated = !status.terminated && steps >= horizon;
    return reward;
  }

  @Override
  public int elapsedSteps() {
    return steps;
  }

  @Override
  public Map<String, Object> info() {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("step", steps);
    Map<String, Double> t = new LinkedHashMap<>();
    for (int i = 0; i < task.length; i++) {
      t.put(tasks.parameters().get(i).name(), task[i]);
    }
    info.put("task", t);
    addInfo(info);
    return info;
  }
}
