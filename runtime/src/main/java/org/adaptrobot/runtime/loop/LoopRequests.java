package org.adaptrobot.runtime.loop;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Requests from other threads to the control loop, taken up at the next step boundary. Each request
 * gets a ticket from one counter, so the loop knows the order they were made in even when several
 * arrive within one period. Nothing is ever overwritten by a request of another kind: every kind
 * has its own pending slot, and the loop handles them in a fixed safety order (shutdown, e-stop,
 * e-stop reset, then activation and deactivation in the order they were asked for). Every e-stop is
 * kept with its own reason in a queue, so each one is latched, counted and reported; the newest
 * e-stop's ticket is visible at once, so the latch never waits for the reporting.
 *
 * <p>Requesters (any thread) may allocate; the loop's side allocates nothing.
 */
final class LoopRequests {

  /** The kinds, in the order the loop handles them. */
  enum Kind {
    SHUTDOWN,
    RESET_E_STOP,
    DEACTIVATE,
    ACTIVATE
  }

  /**
   * A request: its ticket (the order it was made in), why, and when (System.nanoTime, and the
   * loop's step count then).
   */
  record Pending(long ticket, String reason, long requestedNanos, long requestedStep) {}

  private final AtomicLong tickets = new AtomicLong();
  private final AtomicReferenceArray<Pending> latest =
      new AtomicReferenceArray<>(Kind.values().length);
  private final ConcurrentLinkedQueue<Pending> eStops = new ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicReference<Pending> newestEStop =
      new java.util.concurrent.atomic.AtomicReference<>();
  private final AtomicLong eStopsRequested = new AtomicLong();

  /** A new ticket (for requests the loop makes itself, such as an e-stop on a fault). */
  long ticket() {
    return tickets.incrementAndGet();
  }

  void request(Kind kind, String reason, long step) {
    Pending p = new Pending(ticket(), reason, System.nanoTime(), step);
    latest.accumulateAndGet(
        kind.ordinal(), p, (old, mine) -> old == null || mine.ticket() > old.ticket() ? mine : old);
  }

  void eStop(String reason, java.util.function.LongSupplier step) {
    long ticket = ticket();
    eStops.offer(new Pending(ticket, reason, 0, 0)); // first: the queue holds it once it is newest
    eStopsRequested.incrementAndGet();
    // stamped just before it becomes visible to the loop, so that the measured latency is the
    // loop's (a requester preempted earlier is not the loop's delay)
    Pending p = new Pending(ticket, reason, System.nanoTime(), step.getAsLong());
    newestEStop.accumulateAndGet(
        p, (old, mine) -> old == null || mine.ticket() > old.ticket() ? mine : old);
  }

  /** Loop side: the newest e-stop requested so far, or null. */
  Pending newestEStop() {
    return newestEStop.get();
  }

  /** Loop side: the oldest e-stop not reported yet, or null. */
  Pending nextEStop() {
    return eStops.poll();
  }

  /** E-stops requested so far. */
  long eStopsRequested() {
    return eStopsRequested.get();
  }

  /** Loop side: takes the pending request of a kind, or null (no allocation). */
  Pending take(Kind kind) {
    int i = kind.ordinal();
    return latest.get(i) == null ? null : latest.getAndSet(i, null);
  }
}
