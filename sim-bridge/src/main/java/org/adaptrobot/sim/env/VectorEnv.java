package org.adaptrobot.sim.env;

import java.util.function.Supplier;

/**
 * N copies of an environment stepped together over flat arrays, for trainers. An episode that ends
 * is reset in the same step ("same-step" autoreset): the returned observation is the new episode's
 * first, and the last observation of the finished episode is kept in {@link #finalObservations()}.
 * Copy {@code i} is reset with seed {@code seed + i} at {@link #reset} and continues its own random
 * stream afterwards, so results do not depend on how the copies are scheduled.
 */
public class VectorEnv {

  private final Env[] envs;
  private final int obsSize;
  private final int actSize;
  private final double[] scratchAction;
  private final double[] scratchObs;
  private final double[] finalObs;
  private final Env.Status status = new Env.Status();

  public VectorEnv(int n, Supplier<? extends Env> factory) {
    if (n <= 0) {
      throw new IllegalArgumentException("a vector environment needs at least one copy, got " + n);
    }
    envs = new Env[n];
    for (int i = 0; i < n; i++) {
      envs[i] = factory.get();
    }
    obsSize = envs[0].observationSpace().size();
    actSize = envs[0].actionSpace().size();
    scratchAction = new double[actSize];
    scratchObs = new double[obsSize];
    finalObs = new double[n * obsSize];
  }

  public int size() {
    return envs.length;
  }

  public Env env(int i) {
    return envs[i];
  }

  public int observationSize() {
    return obsSize;
  }

  public int actionSize() {
    return actSize;
  }

  /** Resets every copy; observations {@code [n, obsSize]}. */
  public void reset(long seed, double[] observations) {
    for (int i = 0; i < envs.length; i++) {
      envs[i].reset(seed + i, scratchObs);
      System.arraycopy(scratchObs, 0, observations, i * obsSize, obsSize);
    }
  }

  /**
   * Steps every copy with {@code actions [n, actSize]}; writes observations {@code [n, obsSize]},
   * rewards {@code [n]} and the flags {@code [n]}.
   */
  public void step(
      double[] actions,
      double[] observations,
      double[] rewards,
      boolean[] terminated,
      boolean[] truncated) {
    for (int i = 0; i < envs.length; i++) {
      System.arraycopy(actions, i * actSize, scratchAction, 0, actSize);
      rewards[i] = envs[i].step(scratchAction, scratchObs, status);
      terminated[i] = status.terminated;
      truncated[i] = status.truncated;
      if (status.done()) {
        System.arraycopy(scratchObs, 0, finalObs, i * obsSize, obsSize);
        envs[i].reset(null, scratchObs);
      }
      System.arraycopy(scratchObs, 0, observations, i * obsSize, obsSize);
    }
  }

  /** Last observations of the episodes that ended in the latest step (valid where done). */
  public double[] finalObservations() {
    return finalObs;
  }
}
