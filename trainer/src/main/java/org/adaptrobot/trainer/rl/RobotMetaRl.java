package org.adaptrobot.trainer.rl;

import java.util.function.Supplier;
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.sim.env.DiffDriveEnv;
import org.adaptrobot.sim.env.Env;

/**
 * Meta-RL on the robot's own task: velocity tracking on {@link DiffDriveEnv} at 50 Hz with the
 * bundle reward spec ({@link RewardSpec#standard()}), tasks varying battery, payload, traction,
 * rolling resistance, per-motor torque and sensor noise. Rollouts are one second (50 steps) and an
 * inner step uses 10 of them, so the robot gathers an inner step's data in 10 s of driving.
 * Observations are normalised with fixed statistics (the running statistics of a PPO run on the
 * same task, rounded; the battery's std widened to cover the task distribution's charge range), so
 * the inner step the robot repeats sees the observations the meta-learner saw.
 */
public final class RobotMetaRl {

  private RobotMetaRl() {}

  /** Control rate, Hz. */
  public static final double RATE_HZ = 50;

  /** Steps per rollout (1 s). */
  public static final int ROLLOUT_STEPS = 50;

  /** Rollouts per inner step. */
  public static final int ROLLOUTS = 10;

  /** Inner learning rate α. */
  public static final double INNER_LR = 0.1;

  /** Observation mean, in {@link SpecReward#DIFF_DRIVE_VELOCITY} order. */
  public static final double[] OBS_MEAN = {0.1, 0.0, 0.1, 0.0, 3.0, 3.0, 7.8, 0.08, 0.08};

  /** Observation std. */
  public static final double[] OBS_STD = {0.22, 1.2, 0.23, 1.15, 7.2, 7.2, 0.4, 0.33, 0.35};

  /** The task's environment without normalisation, rewarded by the bundle's spec. */
  public static Supplier<Env> rawEnv() {
    return () ->
        new SpecReward(
            new DiffDriveEnv(DiffDriveEnv.Mode.VELOCITY_TRACKING, RATE_HZ),
            SpecReward.DIFF_DRIVE_VELOCITY,
            RewardSpec.standard());
  }

  /** The normalised environment the meta-learners train on (a new task whenever set). */
  public static Supplier<Env> env() {
    return TaskEnvs.normalised(rawEnv(), OBS_MEAN, OBS_STD);
  }

  /** One task of it. */
  public static Supplier<Env> taskEnv(double[] task) {
    return TaskEnvs.fixed(env(), task);
  }

  /**
   * Whether the inner step adapts the log-std too: no. The robot runs the mean action between
   * adaptations, so what a step should improve is the mean; a step on the log-std changes only the
   * noise of the sampled post-update rollouts, which rewards meta-training for shrinking the
   * exploration after the step instead of for tracking better, and one noisy step would set the
   * robot's next exploration level.
   */
  public static final boolean ADAPT_LOG_STD = false;

  /** ProMP's settings for the robot. */
  public static ProMp.Config promp() {
    return promp(INNER_LR, ADAPT_LOG_STD);
  }

  /** MAML-TRPO's settings for the robot. */
  public static MamlTrpo.Config mamlTrpo() {
    return mamlTrpo(INNER_LR, ADAPT_LOG_STD);
  }

  /** ProMP's settings for the robot with this inner step. */
  public static ProMp.Config promp(double innerLr, boolean adaptLogStd) {
    return new ProMp.Config(
        20,
        ROLLOUTS,
        ROLLOUT_STEPS,
        innerLr,
        1e-3,
        5,
        0.3,
        5e-4,
        PolicyGradientConstants.GAMMA,
        PolicyGradientConstants.LAMBDA,
        new int[] {64, 64},
        Activation.TANH,
        -1.0,
        adaptLogStd);
  }

  /** MAML-TRPO's settings for the robot with this inner step. */
  public static MamlTrpo.Config mamlTrpo(double innerLr, boolean adaptLogStd) {
    return new MamlTrpo.Config(
        20,
        ROLLOUTS,
        ROLLOUT_STEPS,
        innerLr,
        1,
        0.01,
        10,
        0.01,
        10,
        0.8,
        PolicyGradientConstants.GAMMA,
        PolicyGradientConstants.LAMBDA,
        new int[] {64, 64},
        Activation.TANH,
        -1.0,
        adaptLogStd);
  }

  /** The discount and GAE λ of the robot's inner step. */
  static final class PolicyGradientConstants {
    static final double GAMMA = org.adaptrobot.models.rl.PolicyGradientStep.GAMMA;
    static final double LAMBDA = org.adaptrobot.models.rl.PolicyGradientStep.LAMBDA;

    private PolicyGradientConstants() {}
  }
}
