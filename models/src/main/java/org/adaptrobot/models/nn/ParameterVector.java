package org.adaptrobot.models.nn;

import java.util.Arrays;

/**
 * A network's parameters: one flat {@code double[]} described by a {@link ParameterLayout}. The
 * array is shared, not copied, so optimisers and gradient code work on it in place.
 */
public final class ParameterVector {

  private final ParameterLayout layout;
  private final double[] values;

  public ParameterVector(ParameterLayout layout) {
    this(layout, new double[layout.size()]);
  }

  public ParameterVector(ParameterLayout layout, double[] values) {
    if (values.length != layout.size()) {
      throw new IllegalArgumentException(
          "parameter vector has " + values.length + " values, its layout needs " + layout.size());
    }
    this.layout = layout;
    this.values = values;
  }

  public ParameterLayout layout() {
    return layout;
  }

  /** The live backing array (not a copy). */
  public double[] values() {
    return values;
  }

  public int size() {
    return values.length;
  }

  /** A deep copy. */
  public ParameterVector copy() {
    return new ParameterVector(layout, values.clone());
  }

  /** A copy of the named slice's values, row-major. */
  public double[] get(String name) {
    ParameterSlice s = layout.slice(name);
    return Arrays.copyOfRange(values, s.offset(), s.end());
  }

  /** Overwrites the named slice. */
  public void set(String name, double[] data) {
    ParameterSlice s = layout.slice(name);
    if (data.length != s.size()) {
      throw new IllegalArgumentException(
          "slice '" + name + "' has " + s.size() + " values, given " + data.length);
    }
    System.arraycopy(data, 0, values, s.offset(), data.length);
  }

  /**
   * Describes the first NaN or infinite value as {@code "name[index] = value"}, or returns null
   * when all values are finite.
   */
  public String firstNonFinite() {
    for (ParameterSlice s : layout.slices()) {
      for (int i = s.offset(); i < s.end(); i++) {
        if (!Double.isFinite(values[i])) {
          return s.name() + "[" + (i - s.offset()) + "] = " + values[i];
        }
      }
    }
    return null;
  }
}
