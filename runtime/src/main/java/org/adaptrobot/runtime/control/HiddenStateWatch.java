package org.adaptrobot.runtime.control;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link RecurrentPolicy} of both executors' recurrent controllers and of the latent one: reset
 * requests from other threads (counted, so none is lost and none is taken twice), the reset count,
 * the hold, and the hidden state's norm and smoothed change, written on the loop thread and read by
 * telemetry.
 */
final class HiddenStateWatch implements RecurrentPolicy {

  private static final double SMOOTHING = 0.1;

  private final List<String> resetOn;
  private final String kind;
  private final AtomicLong requested = new AtomicLong();
  private long taken;
  private volatile long resets;
  private volatile double norm;
  private volatile double change;
  private volatile boolean held;
  private volatile double shift = Double.NaN;
  private final String shiftMeasure;

  /**
   * @param kind {@code recurrent} (a GRU's hidden state) or {@code latent} (an inferred latent)
   * @param resetOn the events the state restarts on
   */
  HiddenStateWatch(String kind, List<String> resetOn) {
    this(kind, resetOn, null);
  }

  /**
   * @param shiftMeasure for a latent, what its shift measures ({@link #SHIFT_DISTANCE} or {@link
   *     #SHIFT_KL}); null otherwise
   */
  HiddenStateWatch(String kind, List<String> resetOn, String shiftMeasure) {
    this.kind = kind;
    this.resetOn = List.copyOf(resetOn);
    this.shift = LATENT.equals(kind) ? 0 : Double.NaN;
    this.shiftMeasure = shiftMeasure;
  }

  @Override
  public String shiftMeasure() {
    return shiftMeasure;
  }

  @Override
  public String kind() {
    return kind;
  }

  /** At the start of a step: whether a requested reset is due now. */
  boolean resetDue() {
    long r = requested.get();
    if (r != taken) {
      taken = r;
      return true;
    }
    return false;
  }

  @Override
  public void requestReset() {
    requested.incrementAndGet();
  }

  /** The hidden state was zeroed. */
  void reset() {
    resets++;
    norm = 0;
  }

  /** After a step: ‖h‖ and ‖h − h_before‖, given as squared sums. */
  void stepped(double normSquared, double changeSquared) {
    norm = Math.sqrt(normSquared);
    change += SMOOTHING * (Math.sqrt(changeSquared) - change);
  }

  /** After a step taken through the held state: it did not move. */
  void heldStep() {
    change -= SMOOTHING * change;
  }

  /** A latent's shift over one window (see {@link RecurrentPolicy#shift}). */
  void shifted(double value) {
    shift = value;
  }

  @Override
  public double shift() {
    return shift;
  }

  @Override
  public void hold(boolean on) {
    held = on;
  }

  @Override
  public boolean held() {
    return held;
  }

  @Override
  public double hiddenNorm() {
    return norm;
  }

  @Override
  public double hiddenChange() {
    return change;
  }

  @Override
  public long resets() {
    return resets;
  }

  @Override
  public boolean resetsOn(String event) {
    return resetOn.contains(event);
  }
}
