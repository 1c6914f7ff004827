package org.adaptrobot.sim.pi4j;

import java.util.function.LongSupplier;

/**
 * Simulated time in nanoseconds, advanced explicitly (lockstep), with a queue of events that fire
 * in time order as time passes (an echo pulse ending, an encoder edge); events due at the same time
 * fire in the order they were scheduled. Single-threaded: the thread that advances time runs the
 * events. The queue is a binary heap over arrays that only grow, so scheduling reusable actions
 * allocates nothing in steady state.
 */
public final class SimClock implements LongSupplier {

  private long nowNanos;
  private long sequence;
  private long[] times = new long[64];
  private long[] orders = new long[64];
  private Runnable[] actions = new Runnable[64];
  private int size;

  @Override
  public long getAsLong() {
    return nowNanos;
  }

  public long nowNanos() {
    return nowNanos;
  }

  /** Events waiting to fire. */
  public int pending() {
    return size;
  }

  /**
   * Runs {@code action} when time reaches {@code atNanos} (at once if that is not in the future).
   */
  public void schedule(long atNanos, Runnable action) {
    if (size == times.length) {
      times = java.util.Arrays.copyOf(times, 2 * size);
      orders = java.util.Arrays.copyOf(orders, 2 * size);
      actions = java.util.Arrays.copyOf(actions, 2 * size);
    }
    int i = size++;
    long t = Math.max(atNanos, nowNanos);
    long o = sequence++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(t, o, times[parent], orders[parent])) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    times[i] = t;
    orders[i] = o;
    actions[i] = action;
  }

  private static boolean before(long t1, long o1, long t2, long o2) {
    return t1 < t2 || (t1 == t2 && o1 < o2);
  }

  private void move(int from, int to) {
    times[to] = times[from];
    orders[to] = orders[from];
    actions[to] = actions[from];
  }

  /** Advances to {@code targetNanos}, firing due events at their own times, in order. */
  public void advanceTo(long targetNanos) {
    if (targetNanos < nowNanos) {
      throw new IllegalArgumentException(
          "simulated time cannot go back from " + nowNanos + " ns to " + targetNanos + " ns");
    }
    while (size > 0 && times[0] <= targetNanos) {
      nowNanos = times[0];
      Runnable action = actions[0];
      removeHead();
      action.run();
    }
    nowNanos = targetNanos;
  }

  private void removeHead() {
    int last = --size;
    long t = times[last];
    long o = orders[last];
    Runnable a = actions[last];
    actions[last] = null;
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size
          && before(times[child + 1], orders[child + 1], times[child], orders[child])) {
        child++;
      }
      if (!before(times[child], orders[child], t, o)) {
        break;
      }
      move(child, i);
      i = child;
    }
    if (size > 0) {
      times[i] = t;
      orders[i] = o;
      actions[i] = a;
    }
  }

  public void advanceBy(long nanos) {
    advanceTo(nowNanos + nanos);
  }
}
