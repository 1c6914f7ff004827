package org.adaptrobot.trainer.rl;

import java.util.List;
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.sim.env.Env;

/**
 * An environment whose reward is a bundle's {@link RewardSpec}, computed from the observation the
 * step returns (named as the bundle names them) and the action applied (clipped into the action
 * box) and the one before: what the runtime computes on the robot from what it observes, so a
 * policy trained with it is judged by the same number there.
 */
public final class SpecReward extends EnvWrapper {

  /** The observation names of {@code DiffDriveEnv} in velocity-tracking mode. */
  public static final List<String> DIFF_DRIVE_VELOCITY =
      List.of(
          "v",
          "omega",
          "v_target",
          "omega_target",
          "wheel_left",
          "wheel_right",
          "battery_volts",
          "prev_left",
          "prev_right");

  private final RewardSpec.Evaluator reward;
  private final double[] applied;
  private final double[] previous;
  private final double[] low;
  private final double[] high;

  /**
   * @param names the env's observation components, by the runtime's signal names
   */
  public SpecReward(Env env, List<String> names, RewardSpec spec) {
    super(env);
    this.reward = spec.bind(names);
    this.applied = new double[env.actionSpace().size()];
    this.previous = new double[applied.length];
    this.low = env.actionSpace().low();
    this.high = env.actionSpace().high();
  }

  /** The reward of a step, from its observation (named as bound) and the actions. */
  public static double reward(
      RewardSpec.Evaluator e, double[] observation, double[] action, double[] previousAction) {
    return e.reward(observation, action, previousAction);
  }

  @Override
  public void reset(Long seed, double[] observation) {
    env.reset(seed, observation);
    java.util.Arrays.fill(applied, 0);
    java.util.Arrays.fill(previous, 0);
  }

  @Override
  public double step(double[] action, double[] observation, Status status) {
    System.arraycopy(applied, 0, previous, 0, applied.length);
    for (int j = 0; j < applied.length; j++) {
      applied[j] = Math.max(low[j], Math.min(high[j], action[j]));
    }
    env.step(action, observation, status);
    return reward.reward(observation, applied, previous);
  }
}
