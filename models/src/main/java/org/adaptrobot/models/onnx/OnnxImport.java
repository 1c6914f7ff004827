package org.adaptrobot.models.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.adaptrobot.models.nn.ParameterLayout;
import org.adaptrobot.models.nn.ParameterSlice;
import org.adaptrobot.models.nn.ParameterVector;

/**
 * Reads an ONNX model's initializers back into a flat parameter vector, checking names, shapes,
 * element types and finiteness. Every problem is reported, not only the first.
 */
public final class OnnxImport {

  private OnnxImport() {}

  /** Parses a serialized model; the message names {@code fileName} and what went wrong. */
  public static OnnxMl.ModelProto parse(byte[] bytes, String fileName) throws OnnxFormatException {
    if (bytes.length == 0) {
      throw new OnnxFormatException(fileName + ": file is empty, expected an ONNX model");
    }
    OnnxMl.ModelProto model;
    try {
      model = OnnxMl.ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new OnnxFormatException(
          fileName
              + ": not a valid ONNX model ("
              + bytes.length
              + " bytes; protobuf parse failed: "
              + e.getMessage()
              + ")");
    }
    List<String> problems = new ArrayList<>();
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
      problems.add(fileName + ": ONNX model has no graph nodes (truncated or not a model)");
    }
    if (model.getOpsetImportCount() == 0) {
      problems.add(fileName + ": ONNX model declares no opset");
    }
    if (model.getIrVersion() <= 0) {
      problems.add(fileName + ": ONNX model has no IR version");
    }
    if (!problems.isEmpty()) {
      throw new OnnxFormatException(problems);
    }
    return model;
  }

  /** Parses bytes this process has just exported; a failure is a programming error. */
  public static OnnxMl.ModelProto parseUnchecked(byte[] bytes) {
    try {
      return parse(bytes, "exported model");
    } catch (OnnxFormatException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * Reads the initializers named by {@code layout}'s slices (for an adaptable input, its
   * meta-trained initializer {@code meta_trained/<name>}).
   *
   * @throws OnnxFormatException listing every missing, mis-shaped, mis-typed or non-finite tensor
   */
  public static ParameterVector readParameters(
      OnnxMl.ModelProto model, ParameterLayout layout, String fileName) throws OnnxFormatException {
    Map<String, OnnxMl.TensorProto> byName = new HashMap<>();
    for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
      byName.put(t.getName(), t);
    }
    double[] values = new double[layout.size()];
    List<String> problems = new ArrayList<>();
    for (ParameterSlice s : layout.slices()) {
      OnnxMl.TensorProto t = byName.get(s.name());
      if (t == null) {
        t = byName.get(OnnxExport.META_TRAINED_PREFIX + s.name());
      }
      if (t == null) {
        problems.add(
            fileName
                + ": initializer '"
                + s.name()
                + "' is missing; the architecture expects shape "
                + Arrays.toString(s.shape()));
        continue;
      }
      long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
      long[] expected = Arrays.stream(s.shape()).asLongStream().toArray();
      if (!Arrays.equals(dims, expected)) {
        problems.add(
            fileName
                + ": initializer '"
                + s.name()
                + "' has shape "
                + Arrays.toString(dims)
                + ", the architecture expects "
                + Arrays.toString(expected));
        continue;
      }
      if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
        problems.add(
            fileName
                + ": initializer '"
                + s.name()
                + "' has element type "
                + OnnxMl.TensorProto.DataType.forNumber(t.getDataType())
                + ", expected FLOAT");
        continue;
      }
      String problem = readFloats(t, values, s.offset(), s.size());
      if (problem != null) {
        problems.add(fileName + ": initializer '" + s.name() + "' " + problem);
        continue;
      }
      for (int i = 0; i < s.size(); i++) {
        double v = values[s.offset() + i];
        if (!Double.isFinite(v)) {
          problems.add(
              fileName
                  + ": initializer '"
                  + s.name()
                  + "' holds "
                  + v
                  + " at index "
                  + i
                  + "; weights must be finite");
          break;
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new OnnxFormatException(problems);
    }
    return new ParameterVector(layout, values);
  }

  /**
   * The model as an inference session should load it: without the {@code meta_trained/}
   * initializers, which no node reads (the runtime feeds adaptable inputs itself) and which ONNX
   * Runtime would otherwise drop with a warning per tensor.
   */
  public static byte[] forSession(OnnxMl.ModelProto model) {
    OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder().clearInitializer();
    for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
      if (!t.getName().startsWith(OnnxExport.META_TRAINED_PREFIX)) {
        graph.addInitializer(t);
      }
    }
    return model.toBuilder().setGraph(graph).build().toByteArray();
  }

  private static String readFloats(OnnxMl.TensorProto t, double[] into, int offset, int count) {
    if (!t.getRawData().isEmpty()) {
      ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      if (buf.remaining() != 4 * count) {
        return "has " + buf.remaining() + " bytes of data, its shape needs " + (4 * count);
      }
      for (int i = 0; i < count; i++) {
        into[offset + i] = buf.getFloat();
      }
      return null;
    }
    if (t.getFloatDataCount() != count) {
      return "has " + t.getFloatDataCount() + " values, its shape needs " + count;
    }
    for (int i = 0; i < count; i++) {
      into[offset + i] = t.getFloatData(i);
    }
    return null;
  }
}
