package org.adaptrobot.sim.env;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.adaptrobot.sim.env.TaskDistribution.Parameter;
import org.adaptrobot.sim.physics.Battery;
import org.adaptrobot.sim.physics.DcMotor;
import org.adaptrobot.sim.physics.DiffDrivePhysics;

/**
 * The reference differential-drive robot (see {@link DiffDrivePhysics}) as an environment. Actions
 * are the two motors' signed duty cycles in [−1, 1]. Tasks vary battery charge, payload, floor
 * traction and rolling resistance, each motor's torque factor and sensor noise.
 *
 * <p>{@link Mode#VELOCITY_TRACKING}: follow commanded forward speed and yaw rate, piecewise
 * constant over 1–3 s segments drawn at reset (or a scripted profile); observation [v, ω, v_cmd,
 * ω_cmd, ω_left, ω_right, battery V, previous duties ×2]; reward −((v − v_cmd)² + 0.1(ω − ω_cmd)²)
 * − 0.001‖a‖²; 10 s episodes. {@link Mode#WAYPOINTS}: drive to a goal within 1.5 m; observation
 * [goal x, y in the body frame, v, ω, battery V, previous duties ×2]; reward −distance − 0.01‖a‖²;
 * terminates within 5 cm; 20 s episodes. Measured quantities carry the task's sensor noise.
 */
public final class DiffDriveEnv extends AbstractEnv {

  /** The task the robot is given. */
  public enum Mode {
    VELOCITY_TRACKING,
    WAYPOINTS
  }

  public static final int BATTERY_SOC = 0;
  public static final int PAYLOAD = 1;
  public static final int TRACTION = 2;
  public static final int ROLLING = 3;
  public static final int LEFT_TORQUE = 4;
  public static final int RIGHT_TORQUE = 5;
  public static final int SENSOR_NOISE = 6;

  public static TaskDistribution distribution() {
    return new TaskDistribution(
        List.of(
            new Parameter("battery_soc", "1", 0.9, 0.3, 1.0, 0.1, 1.0),
            new Parameter("payload_kg", "kg", 0.0, 0.0, 0.8, 0.0, 1.5),
            new Parameter("traction_mu", "1", 0.8, 0.4, 1.0, 0.15, 1.0),
            new Parameter("rolling_resistance", "1", 0.02, 0.01, 0.05, 0.01, 0.10),
            new Parameter("left_torque_factor", "1", 1.0, 0.6, 1.0, 0.4, 1.0),
            new Parameter("right_torque_factor", "1", 1.0, 0.6, 1.0, 0.4, 1.0),
            new Parameter("sensor_noise", "m/s", 0.0, 0.0, 0.01, 0.0, 0.03)));
  }

  private static final int MAX_SEGMENTS = 64;

  private final Mode mode;
  private final double dt;
  private final DiffDrivePhysics physics;
  private final DiffDrivePhysics.Parameters base;
  private double noise;
  private final double[] previous = new double[2];
  // velocity profile: segment end times and commands
  private final double[] segmentEnd = new double[MAX_SEGMENTS];
  private final double[] segmentV = new double[MAX_SEGMENTS];
  private final double[] segmentW = new double[MAX_SEGMENTS];
  private int segments;
  private double[][] scripted;
  private double goalX;
  private double goalY;

  public DiffDriveEnv(Mode mode, double controlRateHz) {
    super(
        observationBox(mode),
        Box.uniform(2, -1, 1),
        distribution(),
        (int) Math.round((mode == Mode.VELOCITY_TRACKING ? 10.0 : 20.0) * controlRateHz));
    if (!(controlRateHz >= 50 && controlRateHz <= 1000)) {
      throw new IllegalArgumentException("control rate must be 50..1000 Hz, got " + controlRateHz);
    }
    this.mode = mode;
    this.dt = 1.0 / controlRateHz;
    this.base = DiffDrivePhysics.Parameters.reference();
    this.physics =
        new DiffDrivePhysics(base, DcMotor.referenceGearMotor(), Battery.referencePack(0.9));
  }

  private static Box observationBox(Mode mode) {
    double inf = Double.POSITIVE_INFINITY;
    return mode == Mode.VELOCITY_TRACKING
        ? new Box(
            new double[] {-inf, -inf, -inf, -inf, -inf, -inf, 0, -1, -1},
            new double[] {inf, inf, inf, inf, inf, inf, 9, 1, 1})
        : new Box(
            new double[] {-inf, -inf, -inf, -inf, 0, -1, -1},
            new double[] {inf, inf, inf, inf, 9, 1, 1});
  }

  public Mode mode() {
    return mode;
  }

  /** Control period, s. */
  public double dt() {
    return dt;
  }

  /** The physics (for inspection and for the SIL robot). */
  public DiffDrivePhysics physics() {
    return physics;
  }

  /**
   * Replaces the random command profile by a scripted one from the next reset on: rows of {@code
   * {until seconds, v m/s, ω rad/s}}. Null restores random profiles.
   */
  public void scriptedProfile(double[][] rows) {
    this.scripted = rows == null ? null : rows.clone();
  }

  @Override
  protected void applyTask(double[] p) {
    physics.parameters(
        base.withPayload(p[PAYLOAD])
            .withFloor(p[TRACTION], p[ROLLING])
            .withTorqueFactors(p[LEFT_TORQUE], p[RIGHT_TORQUE]));
    noise = p[SENSOR_NOISE];
  }

  @Override
  protected void resetState(SplittableRandom random) {
    physics.battery().stateOfCharge(task()[BATTERY_SOC]);
    physics.reset(0, 0, 0);
    physics.drive(0, 0);
    previous[0] = previous[1] = 0;
    if (mode == Mode.VELOCITY_TRACKING) {
      if (scripted != null) {
        segments = Math.min(MAX_SEGMENTS, scripted.length);
        for (int i = 0; i < segments; i++) {
          segmentEnd[i] = scripted[i][0];
          segmentV[i] = scripted[i][1];
          segmentW[i] = scripted[i][2];
        }
      } else {
        double t = 0;
        segments = 0;
        double episode = horizon() * dt;
        while (t < episode && segments < MAX_SEGMENTS) {
          t += 1.0 + 2.0 * random.nextDouble();
          segmentEnd[segments] = t;
          segmentV[segments] = -0.3 + 0.8 * random.nextDouble();
          segmentW[segments] = -2.0 + 4.0 * random.nextDouble();
          segments++;
        }
      }
    } else {
      double angle = 2 * Math.PI * random.nextDouble();
      double radius = 0.3 + 1.2 * Math.sqrt(random.nextDouble());
      goalX = radius * Math.cos(angle);
      goalY = radius * Math.sin(angle);
    }
  }

  /** Commanded forward speed at the current time, m/s. */
  public double commandedSpeed() {
    return segmentV[segment()];
  }

  /** Commanded yaw rate at the current time, rad/s. */
  public double commandedYawRate() {
    return segmentW[segment()];
  }

  private int segment() {
    double t = elapsedSteps() * dt;
    for (int i = 0; i < segments; i++) {
      if (t < segmentEnd[i]) {
        return i;
      }
    }
    return Math.max(0, segments - 1);
  }

  @Override
  protected double simulate(double[] a, SplittableRandom random) {
    physics.drive(a[0], a[1]);
    physics.advance(dt);
    previous[0] = a[0];
    previous[1] = a[1];
    double effort = a[0] * a[0] + a[1] * a[1];
    if (mode == Mode.VELOCITY_TRACKING) {
      // the command for the step just taken (elapsedSteps() is incremented after simulate)
      double ev = physics.forwardSpeed() - commandedSpeed();
      double ew = physics.yawRate() - commandedYawRate();
      return -(ev * ev + 0.1 * ew * ew) - 0.001 * effort;
    }
    return -distanceToGoal() - 0.01 * effort;
  }

  private double distanceToGoal() {
    double dx = goalX - physics.x();
    double dy = goalY - physics.y();
    return Math.sqrt(dx * dx + dy * dy);
  }

  private double noisy(double value, double sigma, SplittableRandom random) {
    return sigma == 0 ? value : value + sigma * random.nextGaussian();
  }

  @Override
  protected void observe(double[] obs, SplittableRandom random) {
    double r = physics.parameters().wheelRadius();
    double v = noisy(physics.forwardSpeed(), noise, random);
    double w = noisy(physics.yawRate(), 4 * noise, random);
    double volts = noisy(physics.batteryVolts(), 2 * noise, random);
    if (mode == Mode.VELOCITY_TRACKING) {
      obs[0] = v;
      obs[1] = w;
      obs[2] = commandedSpeed();
      obs[3] = commandedYawRate();
      obs[4] = noisy(physics.wheelSpeed(0), noise / r, random);
      obs[5] = noisy(physics.wheelSpeed(1), noise / r, random);
      obs[6] = volts;
      obs[7] = previous[0];
      obs[8] = previous[1];
    } else {
      double dx = goalX - physics.x();
      double dy = goalY - physics.y();
      double c = Math.cos(physics.heading());
      double s = Math.sin(physics.heading());
      obs[0] = noisy(c * dx + s * dy, noise, random);
      obs[1] = noisy(-s * dx + c * dy, noise, random);
      obs[2] = v;
      obs[3] = w;
      obs[4] = volts;
      obs[5] = previous[0];
      obs[6] = previous[1];
    }
  }

  @Override
  protected boolean terminal() {
    return mode == Mode.WAYPOINTS && distanceToGoal() < 0.05;
  }

  @Override
  protected void addInfo(Map<String, Object> info) {
    info.put("x", physics.x());
    info.put("y", physics.y());
    info.put("heading", physics.heading());
    info.put("battery_volts", physics.batteryVolts());
    info.put("slipping", physics.slipping(0) || physics.slipping(1));
    if (mode == Mode.WAYPOINTS) {
      info.put("goal", new double[] {goalX, goalY});
    }
  }
}
