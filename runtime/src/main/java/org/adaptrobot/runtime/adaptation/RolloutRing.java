package org.adaptrobot.runtime.adaptation;

/**
 * The robot's recent steps as a policy gradient needs them, written by the control thread and read
 * by the adaptation thread: per step the normalised observation the policy saw, the action it chose
 * (exploration noise included, before the safety layer), the reward the bundle's spec gives the
 * previous step's action, the version of the parameters the step ran under, and whether it counts
 * (the controller ran and the action was finite) and explored. Pre-allocated; {@link #write} copies
 * and publishes one volatile counter, so the control thread never allocates, locks or waits. A
 * reader copies entries by their index and then checks that none was overwritten meanwhile.
 */
public final class RolloutRing {

  /** Flag: the step counts (the controller computed a finite action). */
  public static final int VALID = 1;

  /** Flag: the step's action carries exploration noise. */
  public static final int EXPLORED = 2;

  private final int capacity;
  private final int mask;
  private final int obsSize;
  private final int actSize;
  private final double[] observations;
  private final double[] actions;
  private final double[] rewards;
  private final long[] versions;
  private final int[] flags;
  private volatile long written;

  public RolloutRing(int capacity, int obsSize, int actSize) {
    if (capacity < 4 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two >= 4, got " + capacity);
    }
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.obsSize = obsSize;
    this.actSize = actSize;
    observations = new double[capacity * obsSize];
    actions = new double[capacity * actSize];
    rewards = new double[capacity];
    versions = new long[capacity];
    flags = new int[capacity];
  }

  public int capacity() {
    return capacity;
  }

  public int observationSize() {
    return obsSize;
  }

  public int actionSize() {
    return actSize;
  }

  /** Entries written so far (the next entry's index). */
  public long written() {
    return written;
  }

  /** Control thread: appends one step. */
  public void write(double[] observation, double[] action, double reward, long version, int flag) {
    long w = written;
    int slot = (int) (w & mask);
    System.arraycopy(observation, 0, observations, slot * obsSize, obsSize);
    System.arraycopy(action, 0, actions, slot * actSize, actSize);
    rewards[slot] = reward;
    versions[slot] = version;
    flags[slot] = flag;
    written = w + 1; // volatile store publishes the copies above
  }

  /**
   * Reader: copies entries {@code from .. from + n − 1} (each array may be null) into row {@code
   * row0 + i} of the outputs. Returns false when an entry is not written yet or was overwritten
   * (the reader fell more than a ring behind).
   */
  public boolean copy(
      long from,
      int n,
      double[] obs,
      double[] act,
      double[] rew,
      long[] ver,
      int[] flag,
      int row0,
      int rowStride) {
    if (n > capacity / 2) {
      throw new IllegalArgumentException(
          "can copy at most half the capacity (" + capacity / 2 + ") at once, asked for " + n);
    }
    if (from < 0 || from + n > written) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      int slot = (int) ((from + i) & mask);
      int row = row0 + i * rowStride;
      if (obs != null) {
        System.arraycopy(observations, slot * obsSize, obs, row * obsSize, obsSize);
      }
      if (act != null) {
        System.arraycopy(actions, slot * actSize, act, row * actSize, actSize);
      }
      if (rew != null) {
        rew[row] = rewards[slot];
      }
      if (ver != null) {
        ver[row] = versions[slot];
      }
      if (flag != null) {
        flag[row] = flags[slot];
      }
    }
    java.lang.invoke.VarHandle.loadLoadFence();
    return written - capacity + 1 <= from;
  }
}
