package org.adaptrobot.runtime.control;

import java.util.Arrays;
import java.util.List;
import org.adaptrobot.models.bundle.Manifest;

/**
 * A policy that commands the body velocity (v, ω), as most policies trained for mobile robots do,
 * on top of a PI wheel-speed loop that turns the command into wheel duties (what a differential
 * drive's velocity controller does under a {@code cmd_vel} interface):
 *
 * <pre>
 *   (v, ω)  = the policy's output, clamped to the action bounds and rate-limited per step
 *   ω*_L    = (v − ω·b/2)/r,   ω*_R = (v + ω·b/2)/r
 *   u_k     = u_{k−1} + K_p·(e_k − e_{k−1}) + K_i·T·e_k,   e = ω* − ω per wheel
 * </pre>
 *
 * u_{k−1} is the duty actually applied (the {@code prev_left}/{@code prev_right} observations,
 * after the safety layer), so a saturated wheel integrates nothing. A non-finite command passes
 * through as a non-finite duty, which the safety layer turns into a stop and counts as a fault.
 * Allocation-free after construction; parameters and resets go to the policy.
 */
public final class WheelSpeedLoopController implements PolicyController {

  private final PolicyController policy;
  private final double[] mean;
  private final double[] std;
  private final int iL;
  private final int iR;
  private final int iPl;
  private final int iPr;
  private final double[] low;
  private final double[] high;
  private final double[] maxChange;
  private final double wheelRadius;
  private final double halfTrack;
  private final double kp;
  private final double ki;
  private final double period;
  private final double[] command = new double[2];
  private final double[] lastCommand = new double[2];
  private final double[] lastError = new double[2];
  private boolean started;

  /**
   * @param policy maps the (normalised) observation to (v, ω)
   * @param m the bundle's manifest; it has a wheel-speed loop
   */
  public WheelSpeedLoopController(PolicyController policy, Manifest m) {
    Manifest.WheelSpeedLoop loop = m.wheelSpeedLoop();
    if (loop == null) {
      throw new IllegalArgumentException("the bundle's policy commands the wheel duties itself");
    }
    if (policy.actionSize() != 2) {
      throw new IllegalArgumentException(
          "the policy must output (v, omega), it outputs " + policy.actionSize() + " values");
    }
    this.policy = policy;
    List<String> names = m.observation().names();
    this.mean = m.observation().mean();
    this.std = m.observation().std();
    this.iL = index(names, "wheel_left");
    this.iR = index(names, "wheel_right");
    this.iPl = index(names, "prev_left");
    this.iPr = index(names, "prev_right");
    this.low = m.action().low();
    this.high = m.action().high();
    this.maxChange = m.action().maxChangePerStep();
    this.wheelRadius = loop.wheelRadius();
    this.halfTrack = loop.trackWidth() / 2;
    this.kp = loop.kp();
    this.ki = loop.ki();
    this.period = 1 / m.controlRateHz();
  }

  private static int index(List<String> names, String n) {
    int i = names.indexOf(n);
    if (i < 0) {
      throw new IllegalArgumentException(
          "the wheel-speed loop needs the observation '" + n + "', the bundle has " + names);
    }
    return i;
  }

  private double raw(double[] obs, int i) {
    return obs[i] * std[i] + mean[i];
  }

  /** The body velocity commanded in the last step, after bounds and rate limits (m/s, rad/s). */
  public double[] lastCommand() {
    return lastCommand;
  }

  @Override
  public int observationSize() {
    return policy.observationSize();
  }

  @Override
  public int actionSize() {
    return 2;
  }

  @Override
  public void compute(double[] obs, double[] action) {
    policy.compute(obs, command);
    for (int j = 0; j < 2; j++) {
      double c = command[j];
      if (Double.isFinite(c)) {
        c = Math.max(low[j], Math.min(high[j], c));
        double from = started ? lastCommand[j] : 0;
        c = Math.max(from - maxChange[j], Math.min(from + maxChange[j], c));
      }
      command[j] = c;
    }
    double v = command[0];
    double w = command[1];
    for (int j = 0; j < 2; j++) {
      double target = (j == 0 ? v - w * halfTrack : v + w * halfTrack) / wheelRadius;
      double error = target - raw(obs, j == 0 ? iL : iR);
      double applied = raw(obs, j == 0 ? iPl : iPr);
      double last = started ? lastError[j] : error;
      action[j] = applied + kp * (error - last) + ki * period * error;
      if (Double.isFinite(error)) {
        lastError[j] = error;
      }
    }
    if (Double.isFinite(v) && Double.isFinite(w)) {
      lastCommand[0] = v;
      lastCommand[1] = w;
      started = true;
    }
  }

  @Override
  public void reset() {
    policy.reset();
    started = false;
    Arrays.fill(lastCommand, 0);
    Arrays.fill(lastError, 0);
  }

  @Override
  public void publish(double[] parameters) {
    policy.publish(parameters);
  }

  @Override
  public RecurrentPolicy recurrentState() {
    return policy.recurrentState();
  }

  @Override
  public double[] parameters() {
    return policy.parameters();
  }

  @Override
  public boolean hasPendingParameters() {
    return policy.hasPendingParameters();
  }

  @Override
  public void close() {
    policy.close();
  }
}
