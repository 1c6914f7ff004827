package org.adaptrobot.runtime.clock;

import java.util.concurrent.locks.LockSupport;

/**
 * Wall-clock periods with absolute deadlines ({@code start + k·period}, so errors never
 * accumulate): park until shortly before the deadline, then spin to it. Parking is imprecise by
 * tens of microseconds; the spin margin absorbs that at the cost of some CPU.
 */
public final class RealTimeClock implements LoopClock {

  private final long periodNanos;
  private final long spinNanos;
  private final OverrunPolicy policy;
  private long deadline;
  private long overruns;
  private boolean lastOverran;

  /**
   * @param periodNanos control period
   * @param spinNanos how long before the deadline to stop parking and spin
   * @param policy what to do after an overrun
   */
  public RealTimeClock(long periodNanos, long spinNanos, OverrunPolicy policy) {
    if (periodNanos <= 0) {
      throw new IllegalArgumentException("period must be positive, got " + periodNanos + " ns");
    }
    this.periodNanos = periodNanos;
    this.spinNanos = Math.max(0, Math.min(spinNanos, periodNanos));
    this.policy = policy;
  }

  @Override
  public long nowNanos() {
    return System.nanoTime();
  }

  @Override
  public long periodNanos() {
    return periodNanos;
  }

  @Override
  public void start() {
    deadline = System.nanoTime();
  }

  @Override
  public long awaitNextPeriod() {
    deadline += periodNanos;
    long now = System.nanoTime();
    lastOverran = now > deadline;
    if (lastOverran) {
      long missed = (now - deadline) / periodNanos + 1;
      overruns += missed;
      if (policy == OverrunPolicy.SKIP) {
        deadline += missed * periodNanos;
      } else {
        return now - deadline; // run at once; later deadlines stay on the original grid
      }
    }
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        break;
      }
      if (remaining > spinNanos) {
        LockSupport.parkNanos(remaining - spinNanos);
      } else {
        Thread.onSpinWait();
      }
    }
    return System.nanoTime() - deadline;
  }

  @Override
  public long overruns() {
    return overruns;
  }

  @Override
  public boolean lastPeriodOverran() {
    return lastOverran;
  }
}
