package org.adaptrobot.runtime.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The events of the control loop on their way to the dispatcher: a single-producer, single-consumer
 * ring of pre-allocated {@link LoopEvent} slots (after the Disruptor's ring buffer). The loop
 * claims a slot, fills it and commits it, never waiting and never allocating; a full ring drops the
 * event and counts it ({@link #lost}). The consumer reads committed slots in order and releases
 * them.
 */
public final class LoopEventRing {

  private static final VarHandle TAIL;
  private static final VarHandle HEAD;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      TAIL = l.findVarHandle(LoopEventRing.class, "tail", long.class);
      HEAD = l.findVarHandle(LoopEventRing.class, "head", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final LoopEvent[] slots;
  private final int mask;

  @SuppressWarnings("unused") // through TAIL
  private long tail; // written by the producer only

  @SuppressWarnings("unused") // through HEAD
  private long head; // written by the consumer only

  private volatile long lost;

  /**
   * @param capacity slots, a power of two
   */
  public LoopEventRing(int capacity) {
    if (capacity < 2 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two >= 2, got " + capacity);
    }
    slots = new LoopEvent[capacity];
    for (int i = 0; i < capacity; i++) {
      slots[i] = new LoopEvent();
    }
    mask = capacity - 1;
  }

  public int capacity() {
    return slots.length;
  }

  /** Slots the producer can still fill (producer side). */
  public int free() {
    return slots.length - (int) ((long) TAIL.getOpaque(this) - (long) HEAD.getAcquire(this));
  }

  /**
   * The next slot to fill, cleared, or null when the ring is full (the event is counted as lost).
   * Follow with {@link #commit}.
   */
  public LoopEvent claim() {
    long t = (long) TAIL.getOpaque(this);
    if (t - (long) HEAD.getAcquire(this) >= slots.length) {
      lost = lost + 1; // one writer
      return null;
    }
    LoopEvent e = slots[(int) (t & mask)];
    e.clear();
    return e;
  }

  /** Publishes the slot returned by the last {@link #claim}. */
  public void commit() {
    TAIL.setRelease(this, (long) TAIL.getOpaque(this) + 1);
  }

  /** The oldest committed slot, or null (consumer side). Follow with {@link #release}. */
  public LoopEvent peek() {
    long h = (long) HEAD.getOpaque(this);
    if (h >= (long) TAIL.getAcquire(this)) {
      return null;
    }
    return slots[(int) (h & mask)];
  }

  /** Frees the slot returned by the last {@link #peek} (consumer side). */
  public void release() {
    HEAD.setRelease(this, (long) HEAD.getOpaque(this) + 1);
  }

  /** Events dropped because the ring was full. */
  public long lost() {
    return lost;
  }

  /** Events committed so far. */
  public long published() {
    return (long) TAIL.getAcquire(this);
  }
}
