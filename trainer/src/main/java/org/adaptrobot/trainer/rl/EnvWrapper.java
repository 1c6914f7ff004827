package org.adaptrobot.trainer.rl;

import java.util.Map;
import org.adaptrobot.sim.env.Box;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;

/**
 * An environment that passes everything to another one; a wrapper overrides what it changes (the
 * observation, the reward, the task at reset).
 */
abstract class EnvWrapper implements Env {

  protected final Env env;

  protected EnvWrapper(Env env) {
    this.env = env;
  }

  @Override
  public Box observationSpace() {
    return env.observationSpace();
  }

  @Override
  public Box actionSpace() {
    return env.actionSpace();
  }

  @Override
  public TaskDistribution tasks() {
    return env.tasks();
  }

  @Override
  public void task(double[] parameters) {
    env.task(parameters);
  }

  @Override
  public double[] task() {
    return env.task();
  }

  @Override
  public void switchTaskAt(int step, double[] parameters) {
    env.switchTaskAt(step, parameters);
  }

  @Override
  public void reset(Long seed, double[] observation) {
    env.reset(seed, observation);
  }

  @Override
  public double step(double[] action, double[] observation, Status status) {
    return env.step(action, observation, status);
  }

  @Override
  public int elapsedSteps() {
    return env.elapsedSteps();
  }

  @Override
  public Map<String, Object> info() {
    return env.info();
  }
}
