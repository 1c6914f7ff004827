package org.adaptrobot.runtime.safety;

import org.adaptrobot.models.bundle.Manifest.ActionSpec;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;

/**
 * Filters every action before it reaches the actuators: a non-finite action is replaced by the safe
 * action (all zero: motors stopped) and counted as a fault; each component is clamped to the
 * manifest's bounds and its change per step limited to the manifest's maximum, each intervention
 * counted. The safe action itself bypasses the rate limit: stopping is never delayed.
 */
public final class SafetyLayer {

  /** What {@link #filter} did to the action. */
  public enum Verdict {
    PASSED,
    ADJUSTED,
    REPLACED_NON_FINITE
  }

  private final double[] low;
  private final double[] high;
  private final double[] maxChange;
  private final double[] previous;
  private final LoopMetrics metrics;
  private int consecutiveNonFinite;

  public SafetyLayer(ActionSpec spec, LoopMetrics metrics) {
    this.low = spec.low();
    this.high = spec.high();
    this.maxChange = spec.maxChangePerStep();
    this.previous = new double[low.length];
    this.metrics = metrics;
  }

  public int size() {
    return low.length;
  }

  /** Non-finite actions in a row so far. */
  public int consecutiveNonFinite() {
    return consecutiveNonFinite;
  }

  /** Writes the filtered {@code raw} action into {@code out} and remembers it as applied. */
  public Verdict filter(double[] raw, double[] out) {
    for (double a : raw) {
      if (!Double.isFinite(a)) {
        consecutiveNonFinite++;
        metrics.count(Counter.NON_FINITE_ACTION);
        metrics.count(Counter.FAULTS);
        safe(out);
        return Verdict.REPLACED_NON_FINITE;
      }
    }
    consecutiveNonFinite = 0;
    boolean adjusted = false;
    for (int i = 0; i < raw.length; i++) {
      double a = raw[i];
      if (a < low[i] || a > high[i]) {
        a = Math.max(low[i], Math.min(high[i], a));
        metrics.count(Counter.CLAMPED_TO_BOUNDS);
        adjusted = true;
      }
      double d = a - previous[i];
      if (d > maxChange[i] || d < -maxChange[i]) {
        a = previous[i] + Math.copySign(maxChange[i], d);
        metrics.count(Counter.RATE_LIMITED);
        adjusted = true;
      }
      out[i] = a;
      previous[i] = a;
    }
    return adjusted ? Verdict.ADJUSTED : Verdict.PASSED;
  }

  /** Writes the safe action (zero: stop) and remembers it as applied. */
  public void safe(double[] out) {
    java.util.Arrays.fill(out, 0, low.length, 0.0);
    java.util.Arrays.fill(previous, 0.0);
  }

  /** The last applied action. */
  public double previous(int i) {
    return previous[i];
  }
}
