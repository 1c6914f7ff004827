package org.adaptrobot.sim.env;

import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.sim.env.TaskDistribution.Parameter;

/**
 * Cart-pole with Gymnasium's constants and equations (CartPole-v1, explicit Euler with τ = 0.02 s):
 *
 * <pre>
 *   temp  = (F + m_p·l·θ̇²·sin θ) / (m_c + m_p)
 *   θ̈     = (g·sin θ − cos θ·temp) / (l·(4/3 − m_p·cos²θ / (m_c + m_p)))
 *   ẍ     = temp − m_p·l·θ̈·cos θ / (m_c + m_p)
 * </pre>
 *
 * with l the half pole length. The action is continuous in [−1, 1] and the force is F = a · force
 * magnitude, so a = ±1 are Gymnasium's two discrete actions. Reward 1 per step; the episode
 * terminates when |x| > 2.4 m or |θ| > 12°, and is truncated at 500 steps. Tasks vary the pole
 * length, both masses and the force magnitude.
 */
public final class CartPole extends AbstractEnv {

  public static final double GRAVITY = 9.8;
  public static final double TAU = 0.02;
  public static final double X_THRESHOLD = 2.4;
  public static final double THETA_THRESHOLD = 12 * 2 * Math.PI / 360;
  public static final int HORIZON = 500;

  static TaskDistribution distribution() {
    return new TaskDistribution(
        List.of(
            new Parameter("pole_half_length", "m", 0.5, 0.25, 1.0, 0.15, 1.5),
            new Parameter("cart_mass", "kg", 1.0, 0.5, 2.0, 0.3, 3.0),
            new Parameter("pole_mass", "kg", 0.1, 0.05, 0.3, 0.03, 0.5),
            new Parameter("force_magnitude", "N", 10.0, 5.0, 15.0, 3.0, 20.0)));
  }

  private double length = 0.5;
  private double massCart = 1.0;
  private double massPole = 0.1;
  private double forceMag = 10.0;
  private final double[] s = new double[4];

  public CartPole() {
    super(
        new Box(
            new double[] {
              -2 * X_THRESHOLD,
              Double.NEGATIVE_INFINITY,
              -2 * THETA_THRESHOLD,
              Double.NEGATIVE_INFINITY
            },
            new double[] {
              2 * X_THRESHOLD,
              Double.POSITIVE_INFINITY,
              2 * THETA_THRESHOLD,
              Double.POSITIVE_INFINITY
            }),
        Box.uniform(1, -1, 1),
        distribution(),
        HORIZON);
  }

  @Override
  protected void applyTask(double[] p) {
    length = p[0];
    massCart = p[1];
    massPole = p[2];
    forceMag = p[3];
  }

  @Override
  protected void resetState(SplittableRandom random) {
    for (int i = 0; i < 4; i++) {
      s[i] = -0.05 + 0.1 * random.nextDouble();
    }
  }

  /** Sets the state [x, ẋ, θ, θ̇] directly (tests and scripted starts). */
  public void state(double[] state) {
    System.arraycopy(state, 0, s, 0, 4);
  }

  public double[] state() {
    return s.clone();
  }

  @Override
  protected double simulate(double[] a, SplittableRandom random) {
    double force = forceMag * a[0];
    double theta = s[2];
    double thetaDot = s[3];
    double cos = Math.cos(theta);
    double sin = Math.sin(theta);
    double totalMass = massCart + massPole;
    double poleMassLength = massPole * length;
    double temp = (force + poleMassLength * thetaDot * thetaDot * sin) / totalMass;
    double thetaAcc =
        (GRAVITY * sin - cos * temp) / (length * (4.0 / 3.0 - massPole * cos * cos / totalMass));
    double xAcc = temp - poleMassLength * thetaAcc * cos / totalMass;
    s[0] += TAU * s[1];
    s[1] += TAU * xAcc;
    s[2] += TAU * s[3];
    s[3] += TAU * thetaAcc;
    return 1.0;
  }

  @Override
  protected void observe(double[] obs, SplittableRandom random) {
    System.arraycopy(s, 0, obs, 0, 4);
  }

  @Override
  protected boolean terminal() {
    return s[0] < -X_THRESHOLD
        || s[0] > X_THRESHOLD
        || s[2] < -THETA_THRESHOLD
        || s[2] > THETA_THRESHOLD;
  }
}
