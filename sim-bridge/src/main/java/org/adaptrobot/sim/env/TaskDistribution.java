package org.adaptrobot.sim.env;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A distribution over an environment's task parameters (goal and/or dynamics). Each parameter has a
 * training range and a test range; the test range may extend beyond the training range, and the
 * {@link Split#EXTRAPOLATION} split samples tasks with at least one parameter in that test-only
 * region.
 */
public final class TaskDistribution {

  /** Which part of the distribution to sample from. */
  public enum Split {
    TRAIN,
    TEST,
    EXTRAPOLATION
  }

  /**
   * One parameter.
   *
   * @param name identifier
   * @param unit SI unit or "1"
   * @param nominal value of the unchanged system
   * @param trainLow lower end of the training range
   * @param trainHigh upper end of the training range
   * @param testLow lower end of the test range (≤ trainLow)
   * @param testHigh upper end of the test range (≥ trainHigh)
   */
  public record Parameter(
      String name,
      String unit,
      double nominal,
      double trainLow,
      double trainHigh,
      double testLow,
      double testHigh) {
    public Parameter {
      if (!(testLow <= trainLow && trainLow <= trainHigh && trainHigh <= testHigh)) {
        throw new IllegalArgumentException(
            "parameter "
                + name
                + ": expected testLow <= trainLow <= trainHigh <= testHigh, got "
                + testLow
                + ", "
                + trainLow
                + ", "
                + trainHigh
                + ", "
                + testHigh);
      }
    }

    /** A parameter fixed at one value. */
    public static Parameter fixed(String name, String unit, double value) {
      return new Parameter(name, unit, value, value, value, value, value);
    }

    boolean extrapolates() {
      return testLow < trainLow || testHigh > trainHigh;
    }
  }

  private final List<Parameter> parameters;

  public TaskDistribution(List<Parameter> parameters) {
    this.parameters = List.copyOf(parameters);
  }

  public List<Parameter> parameters() {
    return parameters;
  }

  public int size() {
    return parameters.size();
  }

  /** Index of a parameter by name. */
  public int index(String name) {
    for (int i = 0; i < parameters.size(); i++) {
      if (parameters.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "no task parameter '"
            + name
            + "'; there are "
            + parameters.stream().map(Parameter::name).toList());
  }

  /** The unchanged system. */
  public double[] nominal() {
    double[] v = new double[parameters.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = parameters.get(i).nominal();
    }
    return v;
  }

  /** A task from the given split. */
  public double[] sample(Split split, SplittableRandom random) {
    double[] v = new double[parameters.size()];
    for (int i = 0; i < v.length; i++) {
      Parameter p = parameters.get(i);
      v[i] =
          split == Split.TRAIN
              ? uniform(random, p.trainLow(), p.trainHigh())
              : uniform(random, p.testLow(), p.testHigh());
    }
    if (split == Split.EXTRAPOLATION) {
      int[] candidates =
          java.util.stream.IntStream.range(0, parameters.size())
              .filter(i -> parameters.get(i).extrapolates())
              .toArray();
      if (candidates.length == 0) {
        throw new IllegalStateException("no parameter has a test-only range to extrapolate into");
      }
      boolean outside = false;
      for (int i : candidates) {
        Parameter p = parameters.get(i);
        outside |= v[i] < p.trainLow() || v[i] > p.trainHigh();
      }
      if (!outside) {
        // move one parameter into its test-only region, proportionally to that region's width
        int i = candidates[random.nextInt(candidates.length)];
        Parameter p = parameters.get(i);
        double below = p.trainLow() - p.testLow();
        double above = p.testHigh() - p.trainHigh();
        double u = random.nextDouble() * (below + above);
        v[i] = u < below ? p.testLow() + u : p.trainHigh() + (u - below);
        if (v[i] == p.trainHigh()) {
          v[i] = Math.nextUp(v[i]);
        }
      }
    }
    return v;
  }

  /** True when {@code task} lies inside the training ranges. */
  public boolean inTraining(double[] task) {
    for (int i = 0; i < task.length; i++) {
      Parameter p = parameters.get(i);
      if (task[i] < p.trainLow() || task[i] > p.trainHigh()) {
        return false;
      }
    }
    return true;
  }

  private static double uniform(SplittableRandom r, double lo, double hi) {
    return lo == hi ? lo : lo + (hi - lo) * r.nextDouble();
  }
}
