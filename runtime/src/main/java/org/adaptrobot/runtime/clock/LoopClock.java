package org.adaptrobot.runtime.clock;

/**
 * Time for the control loop: the current time and the wait until the next period. Implemented by
 * {@link RealTimeClock} on the robot and {@link LockstepClock} in simulation.
 */
public interface LoopClock {

  /** Nanoseconds on this clock's time line. */
  long nowNanos();

  /** Control period, ns. */
  long periodNanos();

  /** Marks the start of the first period; the first deadline is now. */
  void start();

  /**
   * Waits for the next period's deadline and returns the lateness of the wake-up relative to that
   * deadline, ns (≥ 0; simulated clocks return 0). A period whose deadline had already passed
   * before the wait began is an overrun.
   */
  long awaitNextPeriod();

  /** Periods missed so far (overruns). */
  long overruns();

  /** True when the last {@link #awaitNextPeriod} found its deadline already passed. */
  boolean lastPeriodOverran();
}
