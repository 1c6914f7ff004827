package org.adaptrobot.trainer.dynamics;

import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.sim.env.Pendulum;

/**
 * The Gymnasium-style pendulum ([cos θ, sin θ, θ̇], torque in [−2, 2] N·m, 20 Hz) with varying
 * mass, length and gravity. Exploration: torque held for a random 1–10 steps at a uniform level.
 */
public final class PendulumDynamics extends DynamicsDomain {

  private int hold;

  public PendulumDynamics() {
    super(new Pendulum());
    estimateNormalisation(200, 150, 0x9E4DL, 1e-3);
  }

  private PendulumDynamics(PendulumDynamics from) {
    super(new Pendulum());
    normalisation(from.mean(), from.std());
  }

  @Override
  public String name() {
    return "pendulum";
  }

  @Override
  public DynamicsDomain copy() {
    return new PendulumDynamics(this);
  }

  @Override
  public double controlRateHz() {
    return 1 / Pendulum.DT;
  }

  @Override
  public List<String> observationNames() {
    return List.of("cos_theta", "sin_theta", "theta_dot");
  }

  @Override
  public List<String> observationUnits() {
    return List.of("1", "1", "rad/s");
  }

  @Override
  public List<String> actionNames() {
    return List.of("torque");
  }

  @Override
  public List<String> actionUnits() {
    return List.of("N*m");
  }

  @Override
  public double[] maxActionChange() {
    return new double[] {2 * Pendulum.MAX_TORQUE};
  }

  @Override
  public boolean exogenous(int component) {
    return false;
  }

  @Override
  public List<Scenario> scenarios() {
    return List.of(
        new Scenario("nominal (1 kg, 1 m, g 10)", new double[] {1.0, 1.0, 10.0}, false),
        new Scenario("light (0.6 kg)", new double[] {0.6, 1.0, 10.0}, false),
        new Scenario("heavy (1.8 kg)", new double[] {1.8, 1.0, 10.0}, false),
        new Scenario("held out: 2.8 kg, 1.8 m", new double[] {2.8, 1.8, 10.0}, true));
  }

  @Override
  protected int warmUp(SplittableRandom r) {
    hold = 0;
    return r.nextInt(40);
  }

  @Override
  protected void explore(double[] observation, double[] action, SplittableRandom r) {
    if (hold-- <= 0) {
      action[0] = Pendulum.MAX_TORQUE * (-1 + 2 * r.nextDouble());
      hold = 1 + r.nextInt(10);
    }
  }
}
