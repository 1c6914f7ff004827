package org.adaptrobot.sim.env;

import java.util.Arrays;

/**
 * A box-shaped space {@code [low, high]} per component, as Gymnasium's {@code Box}. Infinite bounds
 * are allowed for unbounded components.
 */
public record Box(double[] low, double[] high) {

  public Box {
    if (low.length != high.length) {
      throw new IllegalArgumentException(
          "box bounds have " + low.length + " and " + high.length + " entries");
    }
    low = low.clone();
    high = high.clone();
    for (int i = 0; i < low.length; i++) {
      if (!(low[i] <= high[i])) {
        throw new IllegalArgumentException(
            "box component " + i + ": low " + low[i] + " is above high " + high[i]);
      }
    }
  }

  /** A box with the same bounds on every one of {@code n} components. */
  public static Box uniform(int n, double low, double high) {
    double[] l = new double[n];
    double[] h = new double[n];
    Arrays.fill(l, low);
    Arrays.fill(h, high);
    return new Box(l, h);
  }

  public int size() {
    return low.length;
  }

  @Override
  public double[] low() {
    return low.clone();
  }

  @Override
  public double[] high() {
    return high.clone();
  }

  public double low(int i) {
    return low[i];
  }

  public double high(int i) {
    return high[i];
  }

  /** True when {@code x} has the right size and lies inside the bounds. */
  public boolean contains(double[] x) {
    if (x.length != low.length) {
      return false;
    }
    for (int i = 0; i < x.length; i++) {
      if (!(x[i] >= low[i] && x[i] <= high[i])) {
        return false;
      }
    }
    return true;
  }

  /** Component {@code i} of {@code x} clipped into the box (NaN becomes the lower bound). */
  public double clip(double x, int i) {
    if (!(x >= low[i])) {
      return low[i];
    }
    return Math.min(x, high[i]);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Box b && Arrays.equals(b.low, low) && Arrays.equals(b.high, high);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(low) * 31 + Arrays.hashCode(high);
  }

  @Override
  public String toString() {
    return "Box(" + Arrays.toString(low) + ", " + Arrays.toString(high) + ")";
  }
}
