package org.adaptrobot.runtime.control;

import java.util.concurrent.atomic.AtomicLong;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;

/**
 * The {@link RecurrentPolicy} of both executors' recurrent controllers: reset requests from other
 * threads (counted, so none is lost and none is taken twice), the reset count, the hold, and the
 * hidden state's norm and smoothed change, written on the loop thread and read by telemetry.
 */
final class HiddenStateWatch implements RecurrentPolicy {

  private static final double SMOOTHING = 0.1;

  private final GruArchitecture architecture;
  private final AtomicLong requested = new AtomicLong();
  private long taken;
  private volatile long resets;
  private volatile double norm;
  private volatile double change;
  private volatile boolean held;

  HiddenStateWatch(GruArchitecture architecture) {
    this.architecture = architecture;
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
    return architecture.resetsOn(event);
  }
}
