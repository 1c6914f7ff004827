package org.adaptrobot.runtime.control;

import java.util.List;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.ModelTape;

/**
 * A feedback controller with a learned, adapted feed-forward (the structure of Neural-Fly,
 * O'Connell et al. 2022): the PI wheel-speed controller of {@link PiWheelSpeedBundle} corrects what
 * is left, while the feed-forward supplies the duties the dynamics model says hold each wheel at
 * its target speed. With the model's last layer adapted on the robot (a {@code bayesian-last-layer}
 * bundle), the feed-forward follows a weaker motor, a payload or a sagging battery at once, and the
 * PI has less to integrate; where the model is wrong the PI still removes the error, so it cannot
 * do much worse than the PI alone.
 *
 * <pre>
 *   u_ff: the duties with Δω_L = Δω_R = 0 predicted at the target state (Newton's method on the
 *         model, warm-started from the last step)
 *   u_fb,k = u_fb,k−1 + K_p·(e_k − e_{k−1}) + K_i·T·e_k,   e = ω* − ω per wheel,
 *           with u_fb,k−1 = u_{k−1} − u_ff,k−1 from the duty actually applied (anti-windup)
 *   u_k = u_ff,k + u_fb,k
 * </pre>
 *
 * The model is the bundle's dynamics graph: input [(obs − mean)/std, action], output the normalised
 * change. Allocation-free after construction; parameters arrive by {@link #publish}.
 */
public final class PiFeedForwardController implements PolicyController {

  private static final int NEWTON_STEPS = 3;
  private static final double FINITE_DIFFERENCE = 1e-3;

  private final Mlp model;
  private final ModelTape tape;
  private final double[] mean;
  private final double[] std;
  private final int obsSize;
  private final int iV;
  private final int iW;
  private final int iVt;
  private final int iWt;
  private final int iL;
  private final int iR;
  private final int iPl;
  private final int iPr;
  private final double wheelRadius;
  private final double halfTrack;
  private final double kp;
  private final double ki;
  private final double period;
  private final double[] input;
  private final double[] target = new double[2];
  private final double[] error = new double[2];
  private final double[] lastError = new double[2];
  private final double[] feedForward = new double[2];
  private final double[] lastFeedForward = new double[2];
  private boolean started;
  private volatile double[] pending;
  private double[] params;

  /**
   * @param names the observation names (v, omega, v_target, omega_target, wheel_left, wheel_right,
   *     prev_left and prev_right must be among them)
   * @param kp K_p, duty per (rad/s)
   * @param ki K_i, duty per (rad/s · s)
   * @param controlRateHz the loop's rate
   */
  public PiFeedForwardController(
      Mlp model,
      double[] parameters,
      List<String> names,
      double[] mean,
      double[] std,
      double wheelRadius,
      double trackWidth,
      double kp,
      double ki,
      double controlRateHz) {
    this.model = model;
    this.params = parameters.clone();
    this.tape = model.newTape(1);
    this.mean = mean.clone();
    this.std = std.clone();
    this.obsSize = names.size();
    this.iV = index(names, "v");
    this.iW = index(names, "omega");
    this.iVt = index(names, "v_target");
    this.iWt = index(names, "omega_target");
    this.iL = index(names, "wheel_left");
    this.iR = index(names, "wheel_right");
    this.iPl = index(names, "prev_left");
    this.iPr = index(names, "prev_right");
    if (model.inputSize() != obsSize + 2 || model.outputSize() != obsSize) {
      throw new IllegalArgumentException(
          "the dynamics model maps "
              + model.inputSize()
              + " inputs to "
              + model.outputSize()
              + "; PI with feed-forward needs observations + 2 duties to observations ("
              + obsSize
              + ")");
    }
    this.wheelRadius = wheelRadius;
    this.halfTrack = trackWidth / 2;
    this.kp = kp;
    this.ki = ki;
    this.period = 1 / controlRateHz;
    this.input = new double[obsSize + 2];
  }

  private static int index(List<String> names, String n) {
    int i = names.indexOf(n);
    if (i < 0) {
      throw new IllegalArgumentException(
          "PI with feed-forward needs the observation '" + n + "', the bundle has " + names);
    }
    return i;
  }

  private double raw(double[] obs, int i) {
    return obs[i] * std[i] + mean[i];
  }

  private double normalised(double value, int i) {
    return (value - mean[i]) / std[i];
  }

  @Override
  public int observationSize() {
    return obsSize;
  }

  @Override
  public int actionSize() {
    return 2;
  }

  @Override
  public void compute(double[] obs, double[] action) {
    double[] next = pending;
    if (next != null) {
      params = next;
      pending = null;
    }
    double v = raw(obs, iVt);
    double w = raw(obs, iWt);
    target[0] = (v - w * halfTrack) / wheelRadius;
    target[1] = (v + w * halfTrack) / wheelRadius;
    error[0] = target[0] - raw(obs, iL);
    error[1] = target[1] - raw(obs, iR);
    solveFeedForward(obs);
    double prevL = raw(obs, iPl);
    double prevR = raw(obs, iPr);
    for (int j = 0; j < 2; j++) {
      double applied = j == 0 ? prevL : prevR;
      double feedback =
          started ? applied - lastFeedForward[j] : 0; // what the feedback really contributed
      feedback += kp * (error[j] - (started ? lastError[j] : error[j])) + ki * period * error[j];
      action[j] = Math.max(-1, Math.min(1, feedForward[j] + feedback));
      lastError[j] = error[j];
      lastFeedForward[j] = feedForward[j];
    }
    started = true;
  }

  /** Newton's method on the duties that hold both wheels at their targets, per the model. */
  private void solveFeedForward(double[] obs) {
    double u0 = feedForward[0];
    double u1 = feedForward[1];
    for (int it = 0; it < NEWTON_STEPS; it++) {
      double r0 = residual(obs, u0, u1, 0);
      double r1 = residual(obs, u0, u1, 1);
      double a00 = (residual(obs, u0 + FINITE_DIFFERENCE, u1, 0) - r0) / FINITE_DIFFERENCE;
      double a10 = (residual(obs, u0 + FINITE_DIFFERENCE, u1, 1) - r1) / FINITE_DIFFERENCE;
      double a01 = (residual(obs, u0, u1 + FINITE_DIFFERENCE, 0) - r0) / FINITE_DIFFERENCE;
      double a11 = (residual(obs, u0, u1 + FINITE_DIFFERENCE, 1) - r1) / FINITE_DIFFERENCE;
      double det = a00 * a11 - a01 * a10;
      if (!(Math.abs(det) > 1e-12)) {
        break; // the model sees no effect of the duties here: keep the last feed-forward
      }
      double d0 = (a11 * r0 - a01 * r1) / det;
      double d1 = (a00 * r1 - a10 * r0) / det;
      u0 = Math.max(-1, Math.min(1, u0 - d0));
      u1 = Math.max(-1, Math.min(1, u1 - d1));
    }
    if (Double.isFinite(u0) && Double.isFinite(u1)) {
      feedForward[0] = u0;
      feedForward[1] = u1;
    }
  }

  /**
   * The model's predicted change of wheel {@code j}'s speed (rad/s per step) at the target state
   * with duties (u0, u1) held (the previous duties equal to them).
   */
  private double residual(double[] obs, double u0, double u1, int j) {
    System.arraycopy(obs, 0, input, 0, obsSize);
    input[iV] = normalised(raw(obs, iVt), iV);
    input[iW] = normalised(raw(obs, iWt), iW);
    input[iL] = normalised(target[0], iL);
    input[iR] = normalised(target[1], iR);
    input[iPl] = normalised(u0, iPl);
    input[iPr] = normalised(u1, iPr);
    input[obsSize] = u0;
    input[obsSize + 1] = u1;
    double[] d = model.forwardInference(params, input, 1, tape);
    int i = j == 0 ? iL : iR;
    return d[i] * std[i];
  }

  @Override
  public void reset() {
    started = false;
    java.util.Arrays.fill(feedForward, 0);
    java.util.Arrays.fill(lastFeedForward, 0);
    java.util.Arrays.fill(lastError, 0);
  }

  @Override
  public void publish(double[] parameters) {
    PolicyController.checkLength(parameters, params, "dynamics model");
    pending = parameters;
  }

  @Override
  public double[] parameters() {
    return params;
  }

  @Override
  public boolean hasPendingParameters() {
    return pending != null;
  }

  @Override
  public void close() {}
}
