package org.adaptrobot.sim.pi4j;

import java.util.PriorityQueue;
import java.util.function.LongSupplier;

/**
 * Simulated time in nanoseconds, advanced explicitly (lockstep), with a queue of events that fire
 * in time order as time passes (an echo pulse ending, an encoder edge). Single-threaded: the thread
 * that advances time is the one that runs the events.
 */
public final class SimClock implements LongSupplier {

  private long nowNanos;
  private long sequence;
  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          (a, b) ->
              a.atNanos != b.atNanos
                  ? Long.compare(a.atNanos, b.atNanos)
                  : Long.compare(a.order, b.order));

  private record Event(long atNanos, long order, Runnable action) {}

  @Override
  public long getAsLong() {
    return nowNanos;
  }

  public long nowNanos() {
    return nowNanos;
  }

  /**
   * Runs {@code action} when time reaches {@code atNanos} (at once if that is not in the future).
   */
  public void schedule(long atNanos, Runnable action) {
    events.add(new Event(Math.max(atNanos, nowNanos), sequence++, action));
  }

  /** Advances to {@code targetNanos}, firing due events at their own times, in order. */
  public void advanceTo(long targetNanos) {
    if (targetNanos < nowNanos) {
      throw new IllegalArgumentException(
          "simulated time cannot go back from " + nowNanos + " ns to " + targetNanos + " ns");
    }
    while (!events.isEmpty() && events.peek().atNanos <= targetNanos) {
      Event e = events.poll();
      nowNanos = e.atNanos;
      e.action.run();
    }
    nowNanos = targetNanos;
  }

  public void advanceBy(long nanos) {
    advanceTo(nowNanos + nanos);
  }
}
