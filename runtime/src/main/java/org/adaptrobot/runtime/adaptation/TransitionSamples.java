package org.adaptrobot.runtime.adaptation;

import java.util.ArrayList;
import java.util.List;

/**
 * How the {@link AdaptationEngine} turns recent history — observations (normalised, as the
 * controller sees them) and applied actions, one observation row more than transitions — into
 * supervised samples for the network that adapts.
 *
 * <ul>
 *   <li>{@link #dynamics}: a dynamics model; input {@code [o_i, a_i]}, target the change {@code
 *       o_{i+1} − o_i} (0 for held set-points, as in training).
 *   <li>{@link #hindsight}: a policy; input {@code o_i} with every set-point {@code <x>_target}
 *       replaced by the {@code <x>} actually observed at {@code i+1}, target the action {@code a_i}
 *       the policy took. The policy is fitted to what its own actions achieved (hindsight
 *       relabelling): after the robot changes, the action that reached a velocity is the one to
 *       take when that velocity is asked for. No reward is needed.
 * </ul>
 *
 * <p>Immutable; {@link #fill} allocates nothing.
 */
public final class TransitionSamples {

  private final int obsSize;
  private final int actSize;
  private final boolean policy;
  private final boolean[] held; // dynamics: zero-change components
  private final int[] setpoint; // hindsight: observation index of each set-point ...
  private final int[] measured; // ... and of the quantity it asks for
  private final double[] gain; // hindsight: normalised measured value -> normalised set-point
  private final double[] shift;

  private TransitionSamples(
      int obsSize,
      int actSize,
      boolean policy,
      boolean[] held,
      int[] setpoint,
      int[] measured,
      double[] gain,
      double[] shift) {
    this.obsSize = obsSize;
    this.actSize = actSize;
    this.policy = policy;
    this.held = held;
    this.setpoint = setpoint;
    this.measured = measured;
    this.gain = gain;
    this.shift = shift;
  }

  /**
   * Samples for a dynamics model.
   *
   * @param held per observation component: true for set-points, whose change is defined as 0
   */
  public static TransitionSamples dynamics(boolean[] held, int actSize) {
    return new TransitionSamples(held.length, actSize, false, held.clone(), null, null, null, null);
  }

  /**
   * Samples for a policy, relabelled in hindsight.
   *
   * @param names the observation names; each {@code <x>_target} whose {@code <x>} is observed too
   *     is a set-point
   * @param mean the observation normalisation's mean per component
   * @param std its standard deviation per component
   * @throws IllegalArgumentException when there is no set-point to relabel
   */
  public static TransitionSamples hindsight(
      List<String> names, double[] mean, double[] std, int actSize) {
    int[][] pairs = setPoints(names);
    int[] setpoint = pairs[0];
    int[] measured = pairs[1];
    if (setpoint.length == 0) {
      throw new IllegalArgumentException(
          "hindsight adaptation needs set-points in the observation (a component <x>_target next"
              + " to an observed <x>); found none in "
              + names);
    }
    // o_m = (x - mean_m) / std_m  ->  o_s = (x - mean_s) / std_s = gain * o_m + shift
    double[] gain = new double[setpoint.length];
    double[] shift = new double[setpoint.length];
    for (int k = 0; k < setpoint.length; k++) {
      gain[k] = std[measured[k]] / std[setpoint[k]];
      shift[k] = (mean[measured[k]] - mean[setpoint[k]]) / std[setpoint[k]];
    }
    return new TransitionSamples(
        names.size(), actSize, true, null, setpoint, measured, gain, shift);
  }

  /**
   * The set-points of an observation: every component {@code <x>_target} whose {@code <x>} is
   * observed too. Returns {set-point indices, indices of the quantity each asks for}, in order.
   */
  public static int[][] setPoints(List<String> names) {
    List<int[]> found = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (n.endsWith("_target")) {
        int m = names.indexOf(n.substring(0, n.length() - "_target".length()));
        if (m >= 0) {
          found.add(new int[] {i, m});
        }
      }
    }
    int[][] pairs = new int[2][found.size()];
    for (int k = 0; k < found.size(); k++) {
      pairs[0][k] = found.get(k)[0];
      pairs[1][k] = found.get(k)[1];
    }
    return pairs;
  }

  public int observationSize() {
    return obsSize;
  }

  public int actionSize() {
    return actSize;
  }

  /** Width of a model input row. */
  public int inputSize() {
    return policy ? obsSize : obsSize + actSize;
  }

  /** Width of a target row (the model's output). */
  public int targetSize() {
    return policy ? actSize : obsSize;
  }

  /**
   * True for the target components the change detector watches: for a dynamics model the ones the
   * robot causes (not the held set-points, whose target is 0 by definition); for a policy all.
   */
  public boolean monitored(int j) {
    return policy || !held[j];
  }

  /** Number of monitored target components. */
  public int monitoredCount() {
    int n = 0;
    for (int j = 0; j < targetSize(); j++) {
      n += monitored(j) ? 1 : 0;
    }
    return n;
  }

  /**
   * Writes sample {@code i} of a history: its input row at {@code in[inOff]}, its target row at
   * {@code target[tOff]}.
   */
  public void fill(
      double[] obs, double[] act, int i, double[] in, int inOff, double[] target, int tOff) {
    int n = obsSize;
    System.arraycopy(obs, i * n, in, inOff, n);
    if (policy) {
      for (int k = 0; k < setpoint.length; k++) {
        in[inOff + setpoint[k]] = gain[k] * obs[(i + 1) * n + measured[k]] + shift[k];
      }
      System.arraycopy(act, i * actSize, target, tOff, actSize);
    } else {
      System.arraycopy(act, i * actSize, in, inOff + n, actSize);
      for (int j = 0; j < n; j++) {
        target[tOff + j] = held[j] ? 0.0 : obs[(i + 1) * n + j] - obs[i * n + j];
      }
    }
  }
}
