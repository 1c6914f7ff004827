package org.adaptrobot.models.bundle;

import java.util.List;

/**
 * The reward a bundle was trained with, in the physical units of its observation signals, so that
 * the runtime computes the same number on the robot (for adaptation from the robot's own reward and
 * as the policy's {@code reward} input):
 *
 * <pre>
 *   r = − Σ_i w_i (signal_i − target_i)² − c_a ‖a‖² − c_Δ ‖a − a_prev‖²
 * </pre>
 *
 * where a is the action applied in the last step (the wheel duties) and a_prev the one before. A
 * term's target may be absent (then it is 0).
 *
 * @param terms tracking terms
 * @param actionPenalty c_a
 * @param actionChangePenalty c_Δ
 */
public record RewardSpec(List<Term> terms, double actionPenalty, double actionChangePenalty) {

  /** One weighted squared error; {@code target} null means 0. */
  public record Term(String signal, String target, double weight) {}

  public RewardSpec {
    terms = List.copyOf(terms);
  }

  /**
   * The velocity-tracking reward the runtime used before reward specs existed (and still uses
   * without one): −((v − v_target)² + 0.1 (ω − ω_target)²) − 0.001 ‖a‖².
   */
  public static RewardSpec standard() {
    return new RewardSpec(
        List.of(new Term("v", "v_target", 1.0), new Term("omega", "omega_target", 0.1)),
        0.001,
        0.0);
  }

  /** The signal names the terms read. */
  public List<String> signals() {
    java.util.List<String> s = new java.util.ArrayList<>();
    for (Term t : terms) {
      s.add(t.signal());
      if (t.target() != null) {
        s.add(t.target());
      }
    }
    return s;
  }

  /**
   * Binds the terms to positions in a vector of named signals; the evaluator then computes the
   * reward without allocating.
   *
   * @throws IllegalArgumentException naming a signal that is not in {@code names}
   */
  public Evaluator bind(List<String> names) {
    int n = terms.size();
    int[] sig = new int[n];
    int[] tgt = new int[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      Term t = terms.get(i);
      sig[i] = names.indexOf(t.signal());
      tgt[i] = t.target() == null ? -1 : names.indexOf(t.target());
      if (sig[i] < 0 || (t.target() != null && tgt[i] < 0)) {
        throw new IllegalArgumentException(
            "reward_spec term "
                + i
                + " reads "
                + (sig[i] < 0 ? t.signal() : t.target())
                + ", which is not among the signals "
                + names);
      }
      w[i] = t.weight();
    }
    return new Evaluator(sig, tgt, w, actionPenalty, actionChangePenalty);
  }

  /** The reward over a bound signal vector; allocates nothing. */
  public static final class Evaluator {
    private final int[] signal;
    private final int[] target;
    private final double[] weight;
    private final double actionPenalty;
    private final double changePenalty;

    Evaluator(int[] signal, int[] target, double[] weight, double a, double c) {
      this.signal = signal;
      this.target = target;
      this.weight = weight;
      this.actionPenalty = a;
      this.changePenalty = c;
    }

    /**
     * @param signals the named signals' values
     * @param action the last applied action
     * @param previousAction the action before it
     */
    public double reward(double[] signals, double[] action, double[] previousAction) {
      double r = 0;
      for (int i = 0; i < signal.length; i++) {
        double e = signals[signal[i]] - (target[i] < 0 ? 0.0 : signals[target[i]]);
        r -= weight[i] * e * e;
      }
      double effort = 0;
      double change = 0;
      for (int j = 0; j < action.length; j++) {
        effort += action[j] * action[j];
        double d = action[j] - previousAction[j];
        change += d * d;
      }
      return r - actionPenalty * effort - changePenalty * change;
    }
  }
}
