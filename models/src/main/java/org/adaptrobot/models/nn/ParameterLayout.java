package org.adaptrobot.models.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ordered, contiguous list of named slices that make up a network's flat parameter vector.
 * Immutable; build one with {@link #builder()}.
 */
public final class ParameterLayout {

  private final List<ParameterSlice> slices;
  private final Map<String, ParameterSlice> byName;
  private final int size;

  private ParameterLayout(List<ParameterSlice> slices) {
    this.slices = List.copyOf(slices);
    Map<String, ParameterSlice> map = new LinkedHashMap<>();
    int end = 0;
    for (ParameterSlice s : slices) {
      if (map.put(s.name(), s) != null) {
        throw new IllegalArgumentException(
            "parameter layout has two slices named '" + s.name() + "'");
      }
      end = Math.max(end, s.end());
    }
    this.byName = Collections.unmodifiableMap(map);
    this.size = end;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Total number of scalars. */
  public int size() {
    return size;
  }

  public List<ParameterSlice> slices() {
    return slices;
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The slice called {@code name}; throws naming the known slices if there is none. */
  public ParameterSlice slice(String name) {
    ParameterSlice s = byName.get(name);
    if (s == null) {
      throw new IllegalArgumentException(
          "no parameter named '" + name + "'; this layout has " + byName.keySet());
    }
    return s;
  }

  /**
   * A mask with 1.0 on the scalars of the named slices and 0.0 elsewhere, for adapting only some
   * tensors.
   */
  public double[] mask(List<String> names) {
    double[] mask = new double[size];
    for (String name : names) {
      ParameterSlice s = slice(name);
      java.util.Arrays.fill(mask, s.offset(), s.end(), 1.0);
    }
    return mask;
  }

  @Override
  public String toString() {
    return "ParameterLayout" + slices;
  }

  /** Appends slices one after another. */
  public static final class Builder {
    private final List<ParameterSlice> slices = new ArrayList<>();
    private int next;

    public Builder add(String name, int... shape) {
      ParameterSlice s = new ParameterSlice(name, next, shape);
      slices.add(s);
      next = s.end();
      return this;
    }

    /** Appends every slice of {@code other}, keeping names and relative order. */
    public Builder addAll(ParameterLayout other) {
      for (ParameterSlice s : other.slices()) {
        add(s.name(), s.shape());
      }
      return this;
    }

    public ParameterLayout build() {
      return new ParameterLayout(slices);
    }
  }
}
