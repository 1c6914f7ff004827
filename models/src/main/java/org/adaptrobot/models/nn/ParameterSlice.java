package org.adaptrobot.models.nn;

import java.util.Arrays;

/**
 * A named, shaped block of a flat parameter vector: {@code values[offset .. offset + size)} in
 * row-major order. Names are the ONNX initializer names of the exported graph.
 *
 * @param name tensor name, for example {@code layers.0.weight}
 * @param offset first index in the flat vector
 * @param shape tensor shape, row-major
 */
public record ParameterSlice(String name, int offset, int[] shape) {

  public ParameterSlice {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("parameter slice needs a name");
    }
    if (offset < 0) {
      throw new IllegalArgumentException("slice '" + name + "': offset " + offset + " < 0");
    }
    shape = shape.clone();
    for (int d : shape) {
      if (d <= 0) {
        throw new IllegalArgumentException(
            "slice '" + name + "': shape " + Arrays.toString(shape) + " has a non-positive size");
      }
    }
  }

  /** Number of scalars in the slice. */
  public int size() {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** One past the last index of the slice in the flat vector. */
  public int end() {
    return offset + size();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParameterSlice s
        && s.name.equals(name)
        && s.offset == offset
        && Arrays.equals(s.shape, shape);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + offset) + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape) + "@" + offset;
  }
}
