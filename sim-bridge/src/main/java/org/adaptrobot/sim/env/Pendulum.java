package org.adaptrobot.sim.env;

import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.sim.env.TaskDistribution.Parameter;

/**
 * Pendulum swing-up with Gymnasium's constants and equations (Pendulum-v1): θ = 0 is upright, θ̈ =
 * 3g/(2l)·sin θ + 3/(m l²)·u with |u| ≤ 2, semi-implicit Euler with dt = 0.05 s, speed clipped to
 * ±8 rad/s, reward −(θ² + 0.1 θ̇² + 0.001 u²) with θ normalised to [−π, π). Observation [cos θ, sin
 * θ, θ̇]; 200 steps per episode. Tasks vary mass (RLlib's U[0.5, 2] for training), length and
 * gravity.
 */
public final class Pendulum extends AbstractEnv {

  public static final double MAX_SPEED = 8.0;
  public static final double MAX_TORQUE = 2.0;
  public static final double DT = 0.05;
  public static final int HORIZON = 200;

  static TaskDistribution distribution() {
    return new TaskDistribution(
        List.of(
            new Parameter("mass", "kg", 1.0, 0.5, 2.0, 0.3, 3.0),
            new Parameter("length", "m", 1.0, 0.5, 1.5, 0.3, 2.0),
            new Parameter("gravity", "m/s2", 10.0, 8.0, 12.0, 6.0, 15.0)));
  }

  private double mass = 1.0;
  private double length = 1.0;
  private double gravity = 10.0;
  private double theta;
  private double thetaDot;

  public Pendulum() {
    super(
        new Box(new double[] {-1, -1, -MAX_SPEED}, new double[] {1, 1, MAX_SPEED}),
        Box.uniform(1, -MAX_TORQUE, MAX_TORQUE),
        distribution(),
        HORIZON);
  }

  @Override
  protected void applyTask(double[] p) {
    mass = p[0];
    length = p[1];
    gravity = p[2];
  }

  @Override
  protected void resetState(SplittableRandom random) {
    theta = -Math.PI + 2 * Math.PI * random.nextDouble();
    thetaDot = -1 + 2 * random.nextDouble();
  }

  /** Sets θ (rad, 0 upright) and θ̇ (rad/s) directly. */
  public void state(double angle, double angularVelocity) {
    theta = angle;
    thetaDot = angularVelocity;
  }

  public double angle() {
    return theta;
  }

  public double angularVelocity() {
    return thetaDot;
  }

  /** E = ½ θ̇² + (3g/(2l))·cos θ per unit of the equation's inertia, conserved without torque. */
  public double energy() {
    return 0.5 * thetaDot * thetaDot + 3 * gravity / (2 * length) * Math.cos(theta);
  }

  static double normalise(double angle) {
    return ((angle + Math.PI) % (2 * Math.PI) + 2 * Math.PI) % (2 * Math.PI) - Math.PI;
  }

  @Override
  protected double simulate(double[] a, SplittableRandom random) {
    double u = a[0];
    double th = normalise(theta);
    double cost = th * th + 0.1 * thetaDot * thetaDot + 0.001 * u * u;
    double newThetaDot =
        thetaDot
            + (3 * gravity / (2 * length) * Math.sin(theta) + 3.0 / (mass * length * length) * u)
                * DT;
    newThetaDot = Math.max(-MAX_SPEED, Math.min(MAX_SPEED, newThetaDot));
    theta = theta + newThetaDot * DT;
    thetaDot = newThetaDot;
    return -cost;
  }

  @Override
  protected void observe(double[] obs, SplittableRandom random) {
    obs[0] = Math.cos(theta);
    obs[1] = Math.sin(theta);
    obs[2] = thetaDot;
  }

  @Override
  protected boolean terminal() {
    return false;
  }
}
