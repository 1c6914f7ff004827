package org.adaptrobot.runtime.adaptation;

/**
 * The recent history of (observation, action) pairs, written by the control thread and read by the
 * adaptation thread. Pre-allocated; {@link #write} copies two arrays and publishes one volatile
 * counter, so the control thread never allocates, locks or waits. A reader copies the last n
 * entries and then checks that none of them was overwritten meanwhile (the writer may lap a slow
 * reader); if one was, it copies again.
 *
 * <p>Entry i holds the observation at step i and the action applied at step i, so entries i and i+1
 * make the transition (o_i, a_i) → o_{i+1}.
 */
public final class TransitionRing {

  private final int capacity;
  private final int mask;
  private final int obsSize;
  private final int actSize;
  private final double[] observations;
  private final double[] actions;
  private final long[] steps;
  private volatile long written;

  public TransitionRing(int capacity, int obsSize, int actSize) {
    if (capacity < 4 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two >= 4, got " + capacity);
    }
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.obsSize = obsSize;
    this.actSize = actSize;
    this.observations = new double[capacity * obsSize];
    this.actions = new double[capacity * actSize];
    this.steps = new long[capacity];
  }

  public int capacity() {
    return capacity;
  }

  /** Observation values per step. */
  public int observationSize() {
    return obsSize;
  }

  /** Action values per step. */
  public int actionSize() {
    return actSize;
  }

  /** Entries written so far. */
  public long written() {
    return written;
  }

  /** Control thread: appends one entry (the loop's step number, observation, action). */
  public void write(long step, double[] observation, double[] action) {
    long w = written;
    int slot = (int) (w & mask);
    System.arraycopy(observation, 0, observations, slot * obsSize, obsSize);
    System.arraycopy(action, 0, actions, slot * actSize, actSize);
    steps[slot] = step;
    written = w + 1; // volatile store publishes the copies above
  }

  /**
   * Reader: copies the last {@code n} entries (oldest first) into {@code obs} ({@code n × obsSize})
   * and {@code act}, and their loop step numbers into {@code stepNumbers} (may be null). Returns
   * the count of entries written when the copy was taken, or -1 when fewer than {@code n} exist.
   * The copy is consistent: no entry in it was overwritten while copying.
   */
  public long copyLast(int n, double[] obs, double[] act, long[] stepNumbers) {
    if (n > capacity / 2) {
      throw new IllegalArgumentException(
          "can copy at most half the capacity (" + capacity / 2 + ") at once, asked for " + n);
    }
    while (true) {
      long end = written;
      if (end < n) {
        return -1;
      }
      long start = end - n;
      for (int i = 0; i < n; i++) {
        int slot = (int) ((start + i) & mask);
        System.arraycopy(observations, slot * obsSize, obs, i * obsSize, obsSize);
        System.arraycopy(actions, slot * actSize, act, i * actSize, actSize);
        if (stepNumbers != null) {
          stepNumbers[i] = steps[slot];
        }
      }
      // the writer may have started on slot (written & mask) before publishing it: entries older
      // than written - capacity + 1 can be torn
      // (the fence keeps the copies above from moving after the re-read of the counter)
      java.lang.invoke.VarHandle.loadLoadFence();
      if (written - capacity + 1 <= start) {
        return end;
      }
    }
  }
}
