package org.adaptrobot.trainer.io;

import java.util.Map;
import org.adaptrobot.models.optim.Adam;

/**
 * The named arrays of a {@link Checkpoint}: an Adam optimiser's state under a name, and reading an
 * array back with its presence and length checked (every learner's state and restore use these).
 */
public final class CheckpointArrays {

  private CheckpointArrays() {}

  /**
   * Puts {@code adam}'s moments and step count as {@code name.m}, {@code name.v}, {@code name.t}.
   */
  public static void putAdam(Map<String, double[]> m, String name, Adam adam) {
    Adam.State s = adam.state();
    m.put(name + ".m", s.firstMoment());
    m.put(name + ".v", s.secondMoment());
    m.put(name + ".t", new double[] {s.stepCount()});
  }

  /** Restores what {@link #putAdam} stored. */
  public static void restoreAdam(Map<String, double[]> m, String name, Adam adam) {
    double[] first = require(m, name + ".m", -1);
    double[] second = require(m, name + ".v", first.length);
    double[] t = require(m, name + ".t", 1);
    adam.restore(new Adam.State((long) t[0], first, second));
  }

  /**
   * The array {@code name}, which must exist and (when {@code length} ≥ 0) have that length.
   *
   * @throws IllegalArgumentException naming the array and what is wrong
   */
  public static double[] require(Map<String, double[]> m, String name, int length) {
    double[] v = m.get(name);
    if (v == null) {
      throw new IllegalArgumentException("checkpoint has no '" + name + "' array");
    }
    if (length >= 0 && v.length != length) {
      throw new IllegalArgumentException(
          "checkpoint array '" + name + "' has " + v.length + " values, expected " + length);
    }
    return v;
  }
}
