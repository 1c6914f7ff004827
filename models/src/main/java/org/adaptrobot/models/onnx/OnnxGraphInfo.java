package org.adaptrobot.models.onnx;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The interface of an ONNX graph as declared in the file: its data inputs, its adaptable inputs
 * (those whose meta-trained values are stored as {@code meta_trained/<name>} initializers, see
 * {@link OnnxExport}), and its outputs, each with a shape whose symbolic dimensions are reported as
 * -1. Inputs that override an initializer of the same name are listed as overridable; exported
 * graphs have none.
 */
public record OnnxGraphInfo(
    Map<String, List<Long>> dataInputs,
    Map<String, List<Long>> adaptableInputs,
    Map<String, List<Long>> overridableInputs,
    Map<String, List<Long>> outputs,
    Set<String> initializerNames) {

  /** Reads the declared interface of {@code model}. */
  public static OnnxGraphInfo of(OnnxMl.ModelProto model) {
    OnnxMl.GraphProto g = model.getGraph();
    Set<String> initializers = new HashSet<>();
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      initializers.add(t.getName());
    }
    Map<String, List<Long>> data = new LinkedHashMap<>();
    Map<String, List<Long>> adaptable = new LinkedHashMap<>();
    Map<String, List<Long>> overridable = new LinkedHashMap<>();
    for (OnnxMl.ValueInfoProto v : g.getInputList()) {
      String name = v.getName();
      Map<String, List<Long>> kind =
          initializers.contains(name)
              ? overridable
              : initializers.contains(OnnxExport.META_TRAINED_PREFIX + name) ? adaptable : data;
      kind.put(name, shape(v));
    }
    Map<String, List<Long>> outputs = new LinkedHashMap<>();
    for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
      outputs.put(v.getName(), shape(v));
    }
    return new OnnxGraphInfo(
        Collections.unmodifiableMap(data),
        Collections.unmodifiableMap(adaptable),
        Collections.unmodifiableMap(overridable),
        Collections.unmodifiableMap(outputs),
        Collections.unmodifiableSet(initializers));
  }

  private static List<Long> shape(OnnxMl.ValueInfoProto v) {
    List<Long> dims = new ArrayList<>();
    if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
      return dims;
    }
    for (OnnxMl.TensorShapeProto.Dimension d :
        v.getType().getTensorType().getShape().getDimList()) {
      dims.add(d.hasDimValue() ? d.getDimValue() : -1L);
    }
    return Collections.unmodifiableList(dims);
  }
}
