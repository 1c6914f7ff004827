package org.adaptrobot.runtime.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The loop's figures: HdrHistogram recorders of period error (wake-up lateness) and compute time,
 * and counters of steps, overruns, faults and every kind of safety intervention. The loop records
 * wait-free and allocation-free, and is the only writer of the counters; readers (telemetry, the
 * end-of-run summary) take interval histograms and read counters without stopping it.
 */
public final class LoopMetrics {

  /** Kinds of counted events. */
  public enum Counter {
    STEPS,
    OVERRUNS,
    FAULTS,
    CLAMPED_TO_BOUNDS,
    RATE_LIMITED,
    NON_FINITE_ACTION,
    STALE_SENSOR,
    SENSOR_ERROR,
    ACTUATOR_ERROR,
    CONTROLLER_ERROR,
    WATCHDOG,
    COMMAND_TIMEOUT,
    E_STOP
  }

  private static final long HIGHEST_NANOS = 10_000_000_000L;

  private final Recorder periodError = new Recorder(HIGHEST_NANOS, 3);
  private final Recorder computeTime = new Recorder(HIGHEST_NANOS, 3);
  private final Recorder eStopLatency = new Recorder(HIGHEST_NANOS, 3);
  private final Histogram totalEStopLatency = new Histogram(HIGHEST_NANOS, 3);
  private Histogram eStopInterval;
  private volatile long eStopMaxSteps;
  private final AtomicLongArray counters = new AtomicLongArray(Counter.values().length);
  private final Histogram totalPeriodError = new Histogram(HIGHEST_NANOS, 3);
  private final Histogram totalComputeTime = new Histogram(HIGHEST_NANOS, 3);
  private Histogram periodInterval;
  private Histogram computeInterval;

  public void recordPeriodError(long nanos) {
    periodError.recordValue(Math.min(Math.max(nanos, 0), HIGHEST_NANOS));
  }

  /**
   * An e-stop latched by the loop: nanoseconds from the request to the step that latched it, and
   * the step boundaries passed meanwhile (1 or 0: latched at the first boundary after the request).
   * Recorded for the newest e-stop at each latch (those requested in the same period latch with
   * it).
   */
  public void recordEStop(long nanos, long steps) {
    eStopLatency.recordValue(Math.min(Math.max(nanos, 0), HIGHEST_NANOS));
    if (steps > eStopMaxSteps) {
      eStopMaxSteps = steps;
    }
  }

  /** The most step boundaries any e-stop waited from its request to its latch. */
  public long eStopMaxSteps() {
    return eStopMaxSteps;
  }

  /** E-stop request-to-latch time since start, ns. */
  public synchronized Histogram eStopLatencyTotal() {
    eStopInterval = eStopLatency.getIntervalHistogram(eStopInterval);
    totalEStopLatency.add(eStopInterval);
    return totalEStopLatency.copy();
  }

  public void recordComputeTime(long nanos) {
    computeTime.recordValue(Math.min(Math.max(nanos, 0), HIGHEST_NANOS));
  }

  /**
   * Adds one to a counter. The loop thread is the only writer, so this is a plain read and a
   * release store, not an atomic read-modify-write; readers on other threads see whole values.
   */
  public void count(Counter c) {
    int i = c.ordinal();
    counters.setRelease(i, counters.getPlain(i) + 1);
  }

  /** Adds {@code n} to a counter (the loop thread only, as {@link #count(Counter)}). */
  public void count(Counter c, long n) {
    int i = c.ordinal();
    counters.setRelease(i, counters.getPlain(i) + n);
  }

  public long get(Counter c) {
    return counters.get(c.ordinal());
  }

  /**
   * Moves what was recorded since the last call into the running totals and returns the interval's
   * period-error histogram (ns). Call from one reader thread.
   */
  public synchronized Histogram periodErrorInterval() {
    periodInterval = periodError.getIntervalHistogram(periodInterval);
    totalPeriodError.add(periodInterval);
    return periodInterval;
  }

  /** The same for compute time. */
  public synchronized Histogram computeTimeInterval() {
    computeInterval = computeTime.getIntervalHistogram(computeInterval);
    totalComputeTime.add(computeInterval);
    return computeInterval;
  }

  /** Period error since start, ns (includes everything recorded up to now). */
  public synchronized Histogram periodErrorTotal() {
    periodErrorInterval();
    return totalPeriodError.copy();
  }

  /** Compute time since start, ns. */
  public synchronized Histogram computeTimeTotal() {
    computeTimeInterval();
    return totalComputeTime.copy();
  }
}
