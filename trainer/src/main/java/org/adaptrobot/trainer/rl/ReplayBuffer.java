package org.adaptrobot.trainer.rl;

import java.util.SplittableRandom;

/**
 * Transitions (s, a, r, s′, terminated) in arrays allocated once: a ring that overwrites the oldest
 * when full, and uniform sampling with replacement into caller-owned arrays.
 */
public final class ReplayBuffer {

  private final int capacity;
  private final int o;
  private final int d;
  private final double[] s;
  private final double[] a;
  private final double[] r;
  private final double[] s2;
  private final boolean[] term;
  private int next;
  private int size;

  public ReplayBuffer(int capacity, int observationSize, int actionSize) {
    if (capacity < 1) {
      throw new IllegalArgumentException("replay capacity must be >= 1, got " + capacity);
    }
    this.capacity = capacity;
    this.o = observationSize;
    this.d = actionSize;
    s = new double[capacity * o];
    a = new double[capacity * d];
    r = new double[capacity];
    s2 = new double[capacity * o];
    term = new boolean[capacity];
  }

  public int size() {
    return size;
  }

  public int capacity() {
    return capacity;
  }

  /** Forgets every transition. */
  public void clear() {
    next = 0;
    size = 0;
  }

  /** Stores one transition (copies the arrays). */
  public void add(double[] obs, double[] action, double reward, double[] nextObs, boolean done) {
    System.arraycopy(obs, 0, s, next * o, o);
    System.arraycopy(action, 0, a, next * d, d);
    r[next] = reward;
    System.arraycopy(nextObs, 0, s2, next * o, o);
    term[next] = done;
    next = (next + 1) % capacity;
    size = Math.min(size + 1, capacity);
  }

  /** Draws n transitions uniformly with replacement into the given arrays (row-major). */
  public void sample(
      int n,
      SplittableRandom random,
      double[] obs,
      double[] action,
      double[] reward,
      double[] nextObs,
      boolean[] done) {
    if (size == 0) {
      throw new IllegalStateException("the replay buffer is empty");
    }
    for (int i = 0; i < n; i++) {
      int k = random.nextInt(size);
      System.arraycopy(s, k * o, obs, i * o, o);
      System.arraycopy(a, k * d, action, i * d, d);
      reward[i] = r[k];
      System.arraycopy(s2, k * o, nextObs, i * o, o);
      done[i] = term[k];
    }
  }
}
