package org.adaptrobot.trainer.rl;

import java.util.function.Supplier;
import org.adaptrobot.sim.env.CartPole;
import org.adaptrobot.sim.env.DiffDriveEnv;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.Pendulum;
import org.adaptrobot.sim.env.PointNavigation;

/**
 * The environments of {@code robot train rl --env}, by name (also how cluster members get them).
 */
public final class RlEnvs {

  private RlEnvs() {}

  /**
   * cartpole, pendulum, point-nav, point-robot or diffdrive (velocity tracking with the reward
   * spec); null else.
   */
  public static Supplier<Env> named(String env) {
    return switch (env) {
      case "cartpole" -> CartPole::new;
      case "pendulum" -> Pendulum::new;
      case "point-nav" -> PointNavigation::new;
      case "point-robot" -> org.adaptrobot.sim.env.PointRobot::new;
      case "diffdrive" ->
          () ->
              new SpecReward(
                  new DiffDriveEnv(DiffDriveEnv.Mode.VELOCITY_TRACKING, 50),
                  SpecReward.DIFF_DRIVE_VELOCITY,
                  org.adaptrobot.models.bundle.RewardSpec.standard());
      default -> null;
    };
  }

  /** What the meta-RL learners train on: the robot's under its bundle's fixed normalisation. */
  public static Supplier<Env> metaRl(String env) {
    return env.equals("diffdrive") ? RobotMetaRl.env() : named(env);
  }
}
