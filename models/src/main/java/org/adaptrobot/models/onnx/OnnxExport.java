package org.adaptrobot.models.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.ContextMlp;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.GruNetwork;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.ContextMlpArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;
import org.adaptrobot.models.nn.ParameterLayout;
import org.adaptrobot.models.nn.ParameterSlice;

/**
 * Writes a network and its parameters as an ONNX model (float32, opset {@value #OPSET}). Every
 * parameter slice becomes an initializer of the same name, except the tensors declared adaptable:
 * those are required graph inputs of that name, and their meta-trained values are stored as
 * initializers named {@value #META_TRAINED_PREFIX}{@code <name>} that no node reads. The runtime
 * feeds the current (adapted or meta-trained) values every step, so adaptation never rebuilds the
 * session.
 *
 * <p>Why not an input that overrides an initializer of the same name, which ONNX allows: ONNX
 * Runtime's Java binding (1.28.0) checks {@code OrtSession.run} inputs against the required inputs
 * only and rejects such a feed ("Unexpected number of inputs", "Unknown input name").
 */
public final class OnnxExport {

  public static final int OPSET = 17;
  public static final long IR_VERSION = 8;
  public static final String PRODUCER = "adaptrobot";

  /** Prefix of the initializers that hold the meta-trained values of adaptable inputs. */
  public static final String META_TRAINED_PREFIX = "meta_trained/";

  private OnnxExport() {}

  /**
   * Exports {@code params} (in {@code architecture.layout()}) as a serialized ONNX model.
   *
   * @param adaptable names of parameter slices to expose as graph inputs; a context MLP's {@code
   *     context} is always exposed
   */
  public static byte[] export(
      NetworkArchitecture architecture, double[] params, Set<String> adaptable) {
    return toModel(architecture, params, adaptable).toByteArray();
  }

  public static OnnxMl.ModelProto toModel(
      NetworkArchitecture architecture, double[] params, Set<String> adaptable) {
    ParameterLayout layout = architecture.layout();
    if (params.length != layout.size()) {
      throw new IllegalArgumentException(
          architecture.type() + " needs " + layout.size() + " parameters, given " + params.length);
    }
    Set<String> exposed = new LinkedHashSet<>(adaptable);
    for (String name : adaptable) {
      layout.slice(name); // throws naming the known slices
    }
    Graph g = new Graph();
    switch (architecture) {
      case MlpArchitecture a -> {
        g.input(OnnxNames.INPUT, a.inputSize());
        mlp(g, a.build(), OnnxNames.INPUT, OnnxNames.OUTPUT);
        g.output(OnnxNames.OUTPUT, true, a.outputSize());
      }
      case GaussianPolicyArchitecture a -> {
        g.input(OnnxNames.INPUT, a.inputSize());
        mlp(g, a.mean().build(), OnnxNames.INPUT, OnnxNames.ACTION_MEAN);
        g.node("Identity", List.of(GaussianPolicy.LOG_STD), List.of(OnnxNames.ACTION_LOG_STD));
        g.output(OnnxNames.ACTION_MEAN, true, a.outputSize());
        g.output(OnnxNames.ACTION_LOG_STD, false, a.outputSize());
      }
      case ContextMlpArchitecture a -> {
        exposed.add(ContextMlp.CONTEXT);
        g.input(OnnxNames.INPUT, a.inputSize());
        contextMlp(g, a, OnnxNames.INPUT, OnnxNames.OUTPUT);
        g.output(OnnxNames.OUTPUT, true, a.outputSize());
      }
      case GruArchitecture a -> {
        g.input(OnnxNames.INPUT, a.inputSize());
        g.input(OnnxNames.HIDDEN_IN, a.hiddenSize());
        gru(g, a);
        g.output(OnnxNames.OUTPUT, true, a.outputSize());
        g.output(OnnxNames.HIDDEN_OUT, true, a.hiddenSize());
      }
      case NetworkArchitecture.OnnxGraphArchitecture a ->
          throw new IllegalArgumentException(
              "an onnx_graph is imported as it is (robot bundle import), not exported from"
                  + " parameters");
    }
    for (ParameterSlice s : layout.slices()) {
      String stored = exposed.contains(s.name()) ? META_TRAINED_PREFIX + s.name() : s.name();
      g.initializers.add(floatTensor(stored, s.shape(), params, s.offset()));
    }
    // in the layout's order, whatever the order of the given set: the same bundle gives the same
    // bytes on every run
    for (ParameterSlice s : layout.slices()) {
      if (exposed.contains(s.name())) {
        g.inputs.add(valueInfo(s.name(), false, s.shape()));
      }
    }
    OnnxMl.GraphProto graph =
        OnnxMl.GraphProto.newBuilder()
            .setName(architecture.type())
            .addAllNode(g.nodes)
            .addAllInitializer(g.initializers)
            .addAllInput(g.inputs)
            .addAllOutput(g.outputs)
            .build();
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName(PRODUCER)
        .setProducerVersion(
            OnnxExport.class.getPackage().getImplementationVersion() == null
                ? "dev"
                : OnnxExport.class.getPackage().getImplementationVersion())
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph)
        .build();
  }

  // ---------------------------------------------------------------- graph pieces

  /** y = f_L(... f_0(x·W_0 + b_0) ...), with the last tensor named {@code output}. */
  private static void mlp(Graph g, Mlp mlp, String input, String output) {
    String x = input;
    Activation[] acts = mlp.activations();
    for (int l = 0; l < acts.length; l++) {
      String prefix = mlp.weightName(l).replace(".weight", "");
      String mm = g.node("MatMul", List.of(x, mlp.weightName(l)), prefix + ".matmul");
      x = activation(g, acts[l], mm, mlp.biasName(l), prefix, l == acts.length - 1 ? output : null);
    }
  }

  /** Add the bias, apply the activation; name the result {@code finalName} when given. */
  private static String activation(
      Graph g, Activation act, String preBias, String bias, String prefix, String finalName) {
    if (act.onnxOp() == null) {
      String name = finalName != null ? finalName : prefix + ".add";
      g.node("Add", List.of(preBias, bias), List.of(name));
      return name;
    }
    String z = g.node("Add", List.of(preBias, bias), prefix + ".add");
    String name = finalName != null ? finalName : prefix + "." + act.id();
    g.node(act.onnxOp(), List.of(z), List.of(name));
    return name;
  }

  /** First layer split into its input rows and context rows: x·W_x + (φ·W_φ + b). */
  private static void contextMlp(Graph g, ContextMlpArchitecture a, String input, String output) {
    Mlp mlp = a.network().build();
    int in = a.inputSize();
    int total = mlp.inputSize();
    String w0 = mlp.weightName(0);
    g.initializers.add(int64Tensor("const.rows_input_start", 0));
    g.initializers.add(int64Tensor("const.rows_input_end", in));
    g.initializers.add(int64Tensor("const.rows_context_end", total));
    g.initializers.add(int64Tensor("const.axis0", 0));
    String wx =
        g.node(
            "Slice",
            List.of(w0, "const.rows_input_start", "const.rows_input_end", "const.axis0"),
            "layers.0.weight_input");
    String wc =
        g.node(
            "Slice",
            List.of(w0, "const.rows_input_end", "const.rows_context_end", "const.axis0"),
            "layers.0.weight_context");
    // φ is 1-D, so φ·W_φ is 1-D and broadcasts over the batch like a bias.
    String contextTerm = g.node("MatMul", List.of(ContextMlp.CONTEXT, wc), "layers.0.context");
    String bias = g.node("Add", List.of(contextTerm, mlp.biasName(0)), "layers.0.context_bias");
    String mm = g.node("MatMul", List.of(input, wx), "layers.0.matmul");
    Activation[] acts = mlp.activations();
    String x = activation(g, acts[0], mm, bias, "layers.0", acts.length == 1 ? output : null);
    for (int l = 1; l < acts.length; l++) {
      String prefix = "layers." + l;
      String m = g.node("MatMul", List.of(x, mlp.weightName(l)), prefix + ".matmul");
      x = activation(g, acts[l], m, mlp.biasName(l), prefix, l == acts.length - 1 ? output : null);
    }
  }

  /** One GRU step (linear_before_reset form) followed by the head MLP. */
  private static void gru(Graph g, GruArchitecture a) {
    String gi =
        g.node(
            "Add",
            List.of(
                g.node("MatMul", List.of(OnnxNames.INPUT, GruNetwork.WEIGHT_IH), "gru.gi_mm"),
                GruNetwork.BIAS_IH),
            "gru.gi");
    String gh =
        g.node(
            "Add",
            List.of(
                g.node("MatMul", List.of(OnnxNames.HIDDEN_IN, GruNetwork.WEIGHT_HH), "gru.gh_mm"),
                GruNetwork.BIAS_HH),
            "gru.gh");
    g.nodes.add(
        node("Split", List.of(gi), List.of("gru.gi_r", "gru.gi_z", "gru.gi_n"), "gru.split_i", 1));
    g.nodes.add(
        node("Split", List.of(gh), List.of("gru.gh_r", "gru.gh_z", "gru.gh_n"), "gru.split_h", 1));
    String r =
        g.node(
            "Sigmoid", List.of(g.node("Add", List.of("gru.gi_r", "gru.gh_r"), "gru.ar")), "gru.r");
    String z =
        g.node(
            "Sigmoid", List.of(g.node("Add", List.of("gru.gi_z", "gru.gh_z"), "gru.az")), "gru.z");
    String rn = g.node("Mul", List.of(r, "gru.gh_n"), "gru.r_hn");
    String n = g.node("Tanh", List.of(g.node("Add", List.of("gru.gi_n", rn), "gru.an")), "gru.n");
    // h' = (1 − z)·n + z·h = n + z·(h − n)
    String diff = g.node("Sub", List.of(OnnxNames.HIDDEN_IN, n), "gru.h_minus_n");
    String zd = g.node("Mul", List.of(z, diff), "gru.z_diff");
    g.node("Add", List.of(n, zd), List.of(OnnxNames.HIDDEN_OUT));
    mlp(g, a.build().headNetwork(), OnnxNames.HIDDEN_OUT, OnnxNames.OUTPUT);
  }

  // ---------------------------------------------------------------- protobuf helpers

  private static final class Graph {
    final List<OnnxMl.NodeProto> nodes = new ArrayList<>();
    final List<OnnxMl.TensorProto> initializers = new ArrayList<>();
    final List<OnnxMl.ValueInfoProto> inputs = new ArrayList<>();
    final List<OnnxMl.ValueInfoProto> outputs = new ArrayList<>();

    /** Adds a node with one output named {@code output} and returns that name. */
    String node(String op, List<String> in, String output) {
      node(op, in, List.of(output));
      return output;
    }

    void node(String op, List<String> in, List<String> out) {
      nodes.add(OnnxExport.node(op, in, out, out.get(0) + "." + op, -1));
    }

    void input(String name, int size) {
      inputs.add(valueInfo(name, true, size));
    }

    void output(String name, boolean batched, int size) {
      outputs.add(valueInfo(name, batched, size));
    }
  }

  private static OnnxMl.NodeProto node(
      String op, List<String> in, List<String> out, String name, int axis) {
    OnnxMl.NodeProto.Builder b =
        OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addAllOutput(out);
    if (axis >= 0) {
      b.addAttribute(
          OnnxMl.AttributeProto.newBuilder()
              .setName("axis")
              .setType(OnnxMl.AttributeProto.AttributeType.INT)
              .setI(axis));
    }
    return b.build();
  }

  private static OnnxMl.ValueInfoProto valueInfo(String name, boolean batched, int... dims) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    if (batched) {
      shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(OnnxNames.BATCH));
    }
    for (int d : dims) {
      shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }

  static OnnxMl.TensorProto floatTensor(String name, int[] shape, double[] values, int offset) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    ByteBuffer buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      buf.putFloat((float) values[offset + i]);
    }
    buf.flip();
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .setRawData(ByteString.copyFrom(buf));
    for (int d : shape) {
      t.addDims(d);
    }
    return t.build();
  }

  private static OnnxMl.TensorProto int64Tensor(String name, long value) {
    return OnnxMl.TensorProto.newBuilder()
        .setName(name)
        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
        .addDims(1)
        .addInt64Data(value)
        .build();
  }
}
