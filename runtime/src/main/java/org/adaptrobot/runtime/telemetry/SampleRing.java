package org.adaptrobot.runtime.telemetry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A single-producer single-consumer ring of pre-allocated samples: the control loop fills the next
 * free slot (or counts a drop when the publisher has fallen behind), the publisher thread reads
 * them in order. Neither side blocks or allocates.
 */
final class SampleRing {

  private final TelemetrySample[] slots;
  private final int mask;
  private final AtomicLong head = new AtomicLong(); // next to read
  private final AtomicLong tail = new AtomicLong(); // next to write
  private final AtomicLong dropped = new AtomicLong();

  SampleRing(int capacityPowerOfTwo) {
    if (Integer.bitCount(capacityPowerOfTwo) != 1) {
      throw new IllegalArgumentException(
          "capacity must be a power of two, got " + capacityPowerOfTwo);
    }
    slots = new TelemetrySample[capacityPowerOfTwo];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new TelemetrySample();
    }
    mask = capacityPowerOfTwo - 1;
  }

  /** The slot to fill, or null when full (the caller then skips this sample). */
  TelemetrySample claim() {
    long t = tail.get();
    if (t - head.get() >= slots.length) {
      dropped.incrementAndGet();
      return null;
    }
    return slots[(int) (t & mask)];
  }

  /** Publishes the slot returned by the last {@link #claim}. */
  void commit() {
    tail.lazySet(tail.get() + 1);
  }

  /** The oldest unread sample, or null. Call {@link #release} when done with it. */
  TelemetrySample peek() {
    long h = head.get();
    return h < tail.get() ? slots[(int) (h & mask)] : null;
  }

  void release() {
    head.lazySet(head.get() + 1);
  }

  long dropped() {
    return dropped.get();
  }
}
