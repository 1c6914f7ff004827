package org.adaptrobot.trainer.dynamics;

import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.sim.env.DiffDriveEnv;

/**
 * The reference differential-drive robot at 50 Hz, observed as the runtime observes it: [v, ω,
 * v_target, ω_target, wheel left, wheel right, battery volts, previous duty left, right]. The
 * set-points are exogenous. Exploration moves each duty towards a target redrawn on average every
 * 0.2 s, by at most the action rate limit, with a little noise: the kind of signals an MPC sends.
 */
public final class DiffDriveDynamics extends DynamicsDomain {

  public static final double RATE_HZ = 50;
  static final double MAX_CHANGE = 0.1;

  private final double[] target = new double[2];

  public DiffDriveDynamics() {
    super(new DiffDriveEnv(DiffDriveEnv.Mode.VELOCITY_TRACKING, RATE_HZ));
    estimateNormalisation(200, 200, 0xD1FFL, 1e-3);
  }

  private DiffDriveDynamics(DiffDriveDynamics from) {
    super(new DiffDriveEnv(DiffDriveEnv.Mode.VELOCITY_TRACKING, RATE_HZ));
    normalisation(from.mean(), from.std());
  }

  @Override
  public String name() {
    return "diffdrive";
  }

  @Override
  public DynamicsDomain copy() {
    return new DiffDriveDynamics(this);
  }

  @Override
  public double controlRateHz() {
    return RATE_HZ;
  }

  @Override
  public List<String> observationNames() {
    return List.of(
        "v",
        "omega",
        "v_target",
        "omega_target",
        "wheel_left",
        "wheel_right",
        "battery_volts",
        "prev_left",
        "prev_right");
  }

  @Override
  public List<String> observationUnits() {
    return List.of("m/s", "rad/s", "m/s", "rad/s", "rad/s", "rad/s", "V", "1", "1");
  }

  @Override
  public List<String> actionNames() {
    return List.of("left", "right");
  }

  @Override
  public List<String> actionUnits() {
    return List.of("1", "1");
  }

  @Override
  public double[] maxActionChange() {
    return new double[] {MAX_CHANGE, MAX_CHANGE};
  }

  @Override
  public boolean exogenous(int component) {
    return component == 2 || component == 3;
  }

  /** Task vector: battery charge, payload, traction, rolling resistance, torque L/R, noise. */
  static double[] task(
      double soc, double payload, double mu, double rolling, double left, double right) {
    return new double[] {soc, payload, mu, rolling, left, right, 0.005};
  }

  @Override
  public List<Scenario> scenarios() {
    return List.of(
        new Scenario("nominal", task(0.9, 0.0, 0.8, 0.02, 1.0, 1.0), false),
        new Scenario("battery sag (35 %)", task(0.35, 0.0, 0.8, 0.02, 1.0, 1.0), false),
        new Scenario("payload 0.7 kg", task(0.9, 0.7, 0.8, 0.02, 1.0, 1.0), false),
        new Scenario(
            "carpet (mu 0.45, rolling 0.045)", task(0.9, 0.0, 0.45, 0.045, 1.0, 1.0), false),
        new Scenario("left motor at 60 %", task(0.9, 0.0, 0.8, 0.02, 0.6, 1.0), false),
        new Scenario(
            "held out: left 50 % + 1.2 kg + battery 30 %",
            task(0.3, 1.2, 0.8, 0.02, 0.5, 1.0), true));
  }

  @Override
  protected int warmUp(SplittableRandom r) {
    // each window starts from the same exploration state: a window depends on its random
    // generator only, not on which windows this instance drew before (threads, cluster members)
    target[0] = 0;
    target[1] = 0;
    return 20 + r.nextInt(80);
  }

  @Override
  protected void explore(double[] observation, double[] action, SplittableRandom r) {
    if (r.nextDouble() < 0.1) {
      // new duty targets: mostly forward-ish driving with turns, sometimes anything
      if (r.nextDouble() < 0.7) {
        double base = -0.3 + 1.2 * r.nextDouble();
        double turn = -0.5 + r.nextDouble();
        target[0] = base - turn;
        target[1] = base + turn;
      } else {
        target[0] = -1 + 2 * r.nextDouble();
        target[1] = -1 + 2 * r.nextDouble();
      }
    }
    for (int i = 0; i < 2; i++) {
      double step = Math.max(-MAX_CHANGE, Math.min(MAX_CHANGE, target[i] - action[i]));
      double a = action[i] + step + 0.02 * r.nextGaussian();
      action[i] = Math.max(-1, Math.min(1, a));
    }
  }
}
