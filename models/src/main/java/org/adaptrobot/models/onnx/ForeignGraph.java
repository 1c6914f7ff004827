package org.adaptrobot.models.onnx;

import ai.onnx.proto.OnnxMl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;

/**
 * An ONNX policy graph made outside this project (PyTorch, Stable-Baselines3, …), read for import:
 * its interface checked against what the import spec says it computes, its tensors renamed to the
 * runtime's {@code input}/{@code output}, and its structure recognised where it is a chain of dense
 * layers — Gemm (either {@code transB}, any {@code alpha}/{@code beta}) or MatMul with an optional
 * Add, with Relu, Tanh or Sigmoid between them, optionally after an in-graph normalisation by
 * constants (Sub, Add, Mul, Div), whatever the tensors are called. A recognised graph can run on
 * the Java executor; any other graph ONNX Runtime can run keeps its own operators and runs there,
 * and {@link #javaExecutor()} says why.
 *
 * <p>Refused, each naming the node or tensor and what to do: operators from a domain ONNX Runtime
 * does not implement; recurrent operators (LSTM, GRU, RNN), whose state an exported call starts
 * from zero every time; more than one data input or output without saying which; shapes that are
 * not {@code [batch, n]} with the spec's n.
 */
public final class ForeignGraph {

  /** Operator domains ONNX Runtime implements. */
  public static final Set<String> KNOWN_DOMAINS =
      Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft");

  private static final Set<String> RECURRENT = Set.of("LSTM", "GRU", "RNN");

  private final byte[] model;
  private final boolean fixedBatch;
  private final String originalInput;
  private final String originalOutput;
  private final MlpArchitecture architecture;
  private final double[] parameters;
  private final String javaExecutor;
  private final List<String> operators;

  private ForeignGraph(
      byte[] model,
      boolean fixedBatch,
      String originalInput,
      String originalOutput,
      MlpArchitecture architecture,
      double[] parameters,
      String javaExecutor,
      List<String> operators) {
    this.model = model;
    this.fixedBatch = fixedBatch;
    this.originalInput = originalInput;
    this.originalOutput = originalOutput;
    this.architecture = architecture;
    this.parameters = parameters;
    this.javaExecutor = javaExecutor;
    this.operators = operators;
  }

  /**
   * Reads a graph for import.
   *
   * @param bytes the ONNX file's content
   * @param file its name, for messages
   * @param inputName the graph input fed with the observation, or null: the only data input
   * @param outputName the graph output read as the action, or null: the only output
   * @param inputSize values per observation (the spec's observation count)
   * @param outputSize values per action (the spec's action count)
   * @throws OnnxFormatException listing every problem, each naming the node or tensor
   */
  public static ForeignGraph read(
      byte[] bytes, String file, String inputName, String outputName, int inputSize, int outputSize)
      throws OnnxFormatException {
    OnnxMl.ModelProto m = OnnxImport.parse(bytes, file);
    OnnxMl.GraphProto g = m.getGraph();
    List<String> problems = new ArrayList<>();
    Set<String> declared = new java.util.HashSet<>();
    for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList()) {
      declared.add(o.getDomain());
    }
    List<String> ops = new ArrayList<>();
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      String op = (n.getDomain().isEmpty() ? "" : n.getDomain() + ".") + n.getOpType();
      if (!ops.contains(op)) {
        ops.add(op);
      }
      if (!KNOWN_DOMAINS.contains(n.getDomain())) {
        problems.add(
            file
                + ": node '"
                + nodeName(n)
                + "' uses operator "
                + n.getOpType()
                + " of domain '"
                + n.getDomain()
                + "', which ONNX Runtime does not implement (it knows the standard domain, ai.onnx.ml"
                + " and com.microsoft); export the policy with standard operators, or replace the"
                + " custom operator by its definition in standard ones");
      } else if (RECURRENT.contains(n.getOpType()) && n.getDomain().isEmpty()) {
        problems.add(
            file
                + ": node '"
                + nodeName(n)
                + "' is a recurrent "
                + n.getOpType()
                + " whose state is not a graph input and output: exported like this it starts"
                + " from a zero state at every control step and forgets everything in between."
                + " Importing recurrent graphs is not supported; export a feed-forward policy (for"
                + " a recurrent one, a bundle with a gru graph and mode recurrent keeps its state"
                + " between steps)");
      }
    }
    Set<String> initializers = new java.util.HashSet<>();
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      initializers.add(t.getName());
    }
    List<OnnxMl.ValueInfoProto> dataInputs = new ArrayList<>();
    for (OnnxMl.ValueInfoProto v : g.getInputList()) {
      if (!initializers.contains(v.getName())) {
        dataInputs.add(v);
      }
    }
    OnnxMl.ValueInfoProto in = pick(dataInputs, inputName, "input", file, "graph.input", problems);
    OnnxMl.ValueInfoProto out =
        pick(g.getOutputList(), outputName, "output", file, "graph.output", problems);
    boolean fixedBatch = false;
    if (in != null) {
      fixedBatch = checkShape(in, "input", inputSize, "observation values", file, problems);
    }
    if (out != null) {
      checkShape(out, "output", outputSize, "action values", file, problems);
    }
    if (!problems.isEmpty()) {
      throw new OnnxFormatException(problems);
    }
    Map<String, String> renames = new HashMap<>();
    renames.put(in.getName(), OnnxNames.INPUT);
    renames.put(out.getName(), OnnxNames.OUTPUT);
    OnnxMl.ModelProto renamed = rename(m, renames, dataInputs, in, out);
    Recognition r = recognise(renamed.getGraph(), inputSize, outputSize);
    return new ForeignGraph(
        renamed.toByteArray(),
        fixedBatch,
        in.getName(),
        out.getName(),
        r.architecture,
        r.parameters,
        r.reason,
        List.copyOf(ops));
  }

  /** The model with its input called {@code input} and its output {@code output}. */
  public byte[] model() {
    return model.clone();
  }

  /** True when the graph's batch dimension is fixed at 1 (torch.onnx.export's default). */
  public boolean fixedBatch() {
    return fixedBatch;
  }

  public String originalInput() {
    return originalInput;
  }

  public String originalOutput() {
    return originalOutput;
  }

  /** The recognised dense layers, or null. */
  public MlpArchitecture architecture() {
    return architecture;
  }

  /** Their weights in {@code architecture().layout()}, the normalisation folded in; or null. */
  public double[] parameters() {
    return parameters == null ? null : parameters.clone();
  }

  /** Why the Java executor does not run this graph, or null when it does. */
  public String javaExecutor() {
    return javaExecutor;
  }

  /** The graph's operators, each once, in order of appearance. */
  public List<String> operators() {
    return operators;
  }

  /**
   * The same policy fed a longer observation: the graph reads the first {@code inputSize} values of
   * an input {@code extra} values wider (a {@code Gather} in front of it) and ignores the rest; the
   * recognised dense layers get zero weights for them. Used when the runtime needs signals the
   * policy does not read (a wheel-speed loop under a body-velocity policy).
   *
   * @param inputSize the graph's observation values now
   */
  public ForeignGraph withExtraInputs(int inputSize, int extra) {
    if (extra == 0) {
      return this;
    }
    OnnxMl.ModelProto m;
    try {
      m = OnnxMl.ModelProto.parseFrom(model);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("the renamed model does not parse", e);
    }
    OnnxMl.GraphProto g = m.getGraph();
    Set<String> taken = tensorNames(g);
    String policyIn = fresh("input_policy", taken);
    taken.add(policyIn);
    String indices = fresh("input_policy_indices", taken);
    OnnxMl.GraphProto.Builder b = g.toBuilder();
    b.clearNode();
    OnnxMl.TensorProto.Builder idx =
        OnnxMl.TensorProto.newBuilder()
            .setName(indices)
            .setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE)
            .addDims(inputSize);
    for (int i = 0; i < inputSize; i++) {
      idx.addInt64Data(i);
    }
    b.addInitializer(idx);
    b.addNode(
        OnnxMl.NodeProto.newBuilder()
            .setName("select_policy_inputs")
            .setOpType("Gather")
            .addInput(OnnxNames.INPUT)
            .addInput(indices)
            .addOutput(policyIn)
            .addAttribute(
                OnnxMl.AttributeProto.newBuilder()
                    .setName("axis")
                    .setType(OnnxMl.AttributeProto.AttributeType.INT)
                    .setI(1)));
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      OnnxMl.NodeProto.Builder nb = n.toBuilder().clearInput();
      for (String x : n.getInputList()) {
        nb.addInput(x.equals(OnnxNames.INPUT) ? policyIn : x);
      }
      b.addNode(nb);
    }
    b.clearInput();
    for (OnnxMl.ValueInfoProto v : g.getInputList()) {
      if (!v.getName().equals(OnnxNames.INPUT)) {
        b.addInput(v);
        continue;
      }
      OnnxMl.ValueInfoProto.Builder vb = v.toBuilder();
      var shape = vb.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
      shape.getDimBuilder(shape.getDimCount() - 1).clearDimParam().setDimValue(inputSize + extra);
      b.addInput(vb);
    }
    MlpArchitecture arch = null;
    double[] params = null;
    if (architecture != null) {
      int[] sizes = architecture.layerSizes();
      sizes[0] += extra;
      arch = new MlpArchitecture(sizes, architecture.activations());
      params = new double[arch.layout().size()];
      for (var slice : architecture.layout().slices()) {
        var to = arch.layout().slice(slice.name());
        int n = 1;
        for (int d : slice.shape()) {
          n *= d;
        }
        // the first weight is [in, out], row-major: the new rows (the extra inputs) stay zero
        System.arraycopy(parameters, slice.offset(), params, to.offset(), n);
      }
    }
    return new ForeignGraph(
        m.toBuilder().setGraph(b).build().toByteArray(),
        fixedBatch,
        originalInput,
        originalOutput,
        arch,
        params,
        javaExecutor,
        operators);
  }

  /** Every tensor name the graph uses: node inputs and outputs, initializers, graph inputs. */
  private static Set<String> tensorNames(OnnxMl.GraphProto g) {
    Set<String> taken = new java.util.HashSet<>();
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      taken.addAll(n.getOutputList());
      taken.addAll(n.getInputList());
    }
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      taken.add(t.getName());
    }
    for (OnnxMl.ValueInfoProto v : g.getInputList()) {
      taken.add(v.getName());
    }
    return taken;
  }

  /** {@code base}, or {@code base_1}, {@code base_2}, … : the first name not taken. */
  private static String fresh(String base, Set<String> taken) {
    String name = base;
    int i = 1;
    while (taken.contains(name)) {
      name = base + "_" + i++;
    }
    return name;
  }

  // ------------------------------------------------------------------- interface

  private static OnnxMl.ValueInfoProto pick(
      List<OnnxMl.ValueInfoProto> candidates,
      String wanted,
      String kind,
      String file,
      String where,
      List<String> problems) {
    List<String> names = candidates.stream().map(OnnxMl.ValueInfoProto::getName).toList();
    if (wanted != null) {
      for (OnnxMl.ValueInfoProto v : candidates) {
        if (v.getName().equals(wanted)) {
          return v;
        }
      }
      problems.add(
          file
              + ": the spec names graph "
              + kind
              + " '"
              + wanted
              + "', the graph's data "
              + kind
              + "s are "
              + names);
      return null;
    }
    if (candidates.size() == 1) {
      return candidates.get(0);
    }
    problems.add(
        file
            + ": the graph has "
            + (candidates.isEmpty()
                ? "no data " + kind
                : candidates.size() + " data " + kind + "s " + names)
            + "; "
            + (candidates.isEmpty()
                ? "a policy maps one observation input to one action output"
                : "say which one is the "
                    + (kind.equals("input") ? "observation" : "action")
                    + " with graph."
                    + kind
                    + " in the spec"));
    return null;
  }

  /** Checks {@code [batch or 1, size]}; returns true when the batch is fixed at 1. */
  private static boolean checkShape(
      OnnxMl.ValueInfoProto v,
      String kind,
      int size,
      String what,
      String file,
      List<String> problems) {
    List<Long> dims = new ArrayList<>();
    boolean known = v.getType().hasTensorType() && v.getType().getTensorType().hasShape();
    if (known) {
      for (OnnxMl.TensorShapeProto.Dimension d :
          v.getType().getTensorType().getShape().getDimList()) {
        dims.add(d.hasDimValue() ? d.getDimValue() : -1L);
      }
    }
    if (v.getType().hasTensorType()
        && v.getType().getTensorType().getElemType()
            != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
      problems.add(
          file
              + ": graph "
              + kind
              + " '"
              + v.getName()
              + "' has element type "
              + OnnxMl.TensorProto.DataType.forNumber(v.getType().getTensorType().getElemType())
              + ", the runtime feeds and reads float32");
      return false;
    }
    String shown = dims.stream().map(d -> d < 0 ? "batch" : d.toString()).toList().toString();
    if (!known || dims.size() != 2) {
      problems.add(
          file
              + ": graph "
              + kind
              + " '"
              + v.getName()
              + "' has shape "
              + (known ? shown : "(not declared)")
              + ", expected [batch, "
              + size
              + "] ("
              + size
              + " "
              + what
              + " per sample, as the spec says; batch may be fixed at 1)");
      return false;
    }
    if (dims.get(1) != size) {
      problems.add(
          file
              + ": graph "
              + kind
              + " '"
              + v.getName()
              + "' has shape "
              + shown
              + ", but the spec gives "
              + size
              + " "
              + what
              + " (expected [batch, "
              + size
              + "])");
      return false;
    }
    if (dims.get(0) > 1) {
      problems.add(
          file
              + ": graph "
              + kind
              + " '"
              + v.getName()
              + "' has a fixed batch of "
              + dims.get(0)
              + "; the runtime feeds one observation per step (export with batch 1 or a symbolic"
              + " batch)");
      return false;
    }
    return dims.get(0) == 1;
  }

  private static OnnxMl.ModelProto rename(
      OnnxMl.ModelProto m,
      Map<String, String> renames,
      List<OnnxMl.ValueInfoProto> dataInputs,
      OnnxMl.ValueInfoProto in,
      OnnxMl.ValueInfoProto out) {
    OnnxMl.GraphProto g = m.getGraph();
    // a tensor of the graph may already be called input or output: give it another name first
    Set<String> taken = tensorNames(g);
    Map<String, String> map = new HashMap<>(renames);
    for (String target : List.of(OnnxNames.INPUT, OnnxNames.OUTPUT)) {
      if (taken.contains(target) && !renames.containsKey(target)) {
        map.put(target, fresh(target + "_original", taken));
      }
    }
    OnnxMl.GraphProto.Builder b = g.toBuilder();
    b.clearNode();
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      OnnxMl.NodeProto.Builder nb = n.toBuilder().clearInput().clearOutput();
      for (String s : n.getInputList()) {
        nb.addInput(map.getOrDefault(s, s));
      }
      for (String s : n.getOutputList()) {
        nb.addOutput(map.getOrDefault(s, s));
      }
      b.addNode(nb);
    }
    b.clearInput();
    for (OnnxMl.ValueInfoProto v : g.getInputList()) {
      b.addInput(v.toBuilder().setName(map.getOrDefault(v.getName(), v.getName())));
    }
    b.clearOutput();
    b.addOutput(out.toBuilder().setName(OnnxNames.OUTPUT));
    b.clearValueInfo();
    for (OnnxMl.ValueInfoProto v : g.getValueInfoList()) {
      b.addValueInfo(v.toBuilder().setName(map.getOrDefault(v.getName(), v.getName())));
    }
    b.clearInitializer();
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      b.addInitializer(t.toBuilder().setName(map.getOrDefault(t.getName(), t.getName())));
    }
    return m.toBuilder().setGraph(b).build();
  }

  // ------------------------------------------------------------------- recognition

  private record Recognition(MlpArchitecture architecture, double[] parameters, String reason) {}

  private record Dense(double[] weight, double[] bias, int in, int out) {}

  private static Recognition recognise(OnnxMl.GraphProto g, int inputSize, int outputSize) {
    try {
      return withChain(chain(g, inputSize, outputSize));
    } catch (NotDense e) {
      return new Recognition(null, null, e.getMessage());
    }
  }

  private static final class NotDense extends Exception {
    NotDense(String message) {
      super(message, null, false, false);
    }
  }

  private static final class Chain {
    final List<Dense> layers = new ArrayList<>();
    final List<Activation> activations = new ArrayList<>();
  }

  private static Chain chain(OnnxMl.GraphProto g, int inputSize, int outputSize) throws NotDense {
    Map<String, double[]> constants = new HashMap<>();
    Map<String, long[]> constantShapes = new HashMap<>();
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      double[] v = floats(t);
      if (v != null) {
        constants.put(t.getName(), v);
        constantShapes.put(
            t.getName(), t.getDimsList().stream().mapToLong(Long::longValue).toArray());
      }
    }
    Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("Constant") && n.getDomain().isEmpty()) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
          if (a.getName().equals("value") && a.hasT()) {
            double[] v = floats(a.getT());
            if (v != null) {
              constants.put(n.getOutput(0), v);
              constantShapes.put(
                  n.getOutput(0),
                  a.getT().getDimsList().stream().mapToLong(Long::longValue).toArray());
            }
          }
        }
        continue;
      }
      if (n.getOpType().equals("Identity")
          && n.getDomain().isEmpty()
          && constants.containsKey(n.getInput(0))) {
        // exporters de-duplicate equal weights through an Identity of the first copy
        constants.put(n.getOutput(0), constants.get(n.getInput(0)));
        constantShapes.put(n.getOutput(0), constantShapes.get(n.getInput(0)));
        continue;
      }
      for (String s : n.getInputList()) {
        if (!s.isEmpty() && !constants.containsKey(s)) {
          consumers.computeIfAbsent(s, k -> new ArrayList<>()).add(n);
        }
      }
    }
    // the normalisation in front of the first layer: x' = scale * x + shift, per input
    double[] scale = new double[inputSize];
    double[] shift = new double[inputSize];
    java.util.Arrays.fill(scale, 1.0);
    Chain c = new Chain();
    String cur = OnnxNames.INPUT;
    int width = inputSize;
    boolean activated = true; // no layer is waiting for its activation
    while (!cur.equals(OnnxNames.OUTPUT)) {
      List<OnnxMl.NodeProto> next = consumers.getOrDefault(cur, List.of());
      if (next.size() != 1) {
        throw new NotDense(
            "tensor '"
                + cur
                + "' feeds "
                + next.size()
                + " nodes; the Java executor runs a single chain of dense layers");
      }
      OnnxMl.NodeProto n = next.get(0);
      String op = n.getOpType();
      String what = "node '" + nodeName(n) + "' (" + op + ")";
      switch (op) {
        case "Identity" -> {}
        case "Flatten" -> {
          if (attrInt(n, "axis", 1) != 1) {
            throw new NotDense(what + " flattens from axis " + attrInt(n, "axis", 1));
          }
        }
        case "Sub", "Add", "Mul", "Div" -> {
          if (!c.layers.isEmpty()) {
            throw new NotDense(
                what
                    + " after the first dense layer is not a dense layer or an activation; the"
                    + " Java executor folds such arithmetic only in front of the first layer");
          }
          int self = n.getInput(0).equals(cur) ? 0 : 1;
          String other = n.getInput(1 - self);
          double[] k = constants.get(other);
          if (k == null) {
            throw new NotDense(what + " combines the input with '" + other + "', not a constant");
          }
          if (self == 1 && (op.equals("Sub") || op.equals("Div"))) {
            throw new NotDense(what + " has the input as its second operand");
          }
          double[] kv = broadcast(k, constantShapes.get(other), width, what);
          for (int i = 0; i < width; i++) {
            switch (op) {
              case "Sub" -> shift[i] -= kv[i];
              case "Add" -> shift[i] += kv[i];
              case "Mul" -> {
                scale[i] *= kv[i];
                shift[i] *= kv[i];
              }
              default -> {
                scale[i] /= kv[i];
                shift[i] /= kv[i];
              }
            }
          }
        }
        case "Gemm" -> {
          if (!activated) {
            c.activations.add(Activation.IDENTITY);
          }
          if (attrInt(n, "transA", 0) != 0 || !n.getInput(0).equals(cur)) {
            throw new NotDense(what + " multiplies from the other side (transA or B = input)");
          }
          double[] b = constants.get(n.getInput(1));
          if (b == null) {
            throw new NotDense(what + " has weights '" + n.getInput(1) + "' that are not constant");
          }
          long[] shape = constantShapes.get(n.getInput(1));
          boolean transB = attrInt(n, "transB", 0) != 0;
          if (shape.length != 2 || shape[transB ? 1 : 0] != width) {
            throw new NotDense(what + " has weights of shape " + java.util.Arrays.toString(shape));
          }
          int out = (int) shape[transB ? 0 : 1];
          double alpha = attrFloat(n, "alpha", 1.0);
          double beta = attrFloat(n, "beta", 1.0);
          double[] w = new double[width * out];
          for (int i = 0; i < width; i++) {
            for (int j = 0; j < out; j++) {
              w[i * out + j] = alpha * (transB ? b[j * width + i] : b[i * out + j]);
            }
          }
          double[] bias = new double[out];
          if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            double[] cv = constants.get(n.getInput(2));
            if (cv == null) {
              throw new NotDense(what + " has a bias '" + n.getInput(2) + "' that is not constant");
            }
            double[] bv = broadcast(cv, constantShapes.get(n.getInput(2)), out, what);
            for (int j = 0; j < out; j++) {
              bias[j] = beta * bv[j];
            }
          }
          c.layers.add(new Dense(w, bias, width, out));
          width = out;
          activated = false;
        }
        case "MatMul" -> {
          if (!activated) {
            c.activations.add(Activation.IDENTITY);
          }
          if (!n.getInput(0).equals(cur)) {
            throw new NotDense(what + " multiplies the input from the right");
          }
          double[] b = constants.get(n.getInput(1));
          long[] shape = constantShapes.get(n.getInput(1));
          if (b == null || shape.length != 2 || shape[0] != width) {
            throw new NotDense(what + " has no constant [" + width + ", n] weight matrix");
          }
          int out = (int) shape[1];
          double[] bias = new double[out];
          // an Add of a constant right after it is the bias
          List<OnnxMl.NodeProto> after = consumers.getOrDefault(n.getOutput(0), List.of());
          if (after.size() == 1 && after.get(0).getOpType().equals("Add")) {
            OnnxMl.NodeProto add = after.get(0);
            String other =
                add.getInput(0).equals(n.getOutput(0)) ? add.getInput(1) : add.getInput(0);
            double[] cv = constants.get(other);
            if (cv != null) {
              bias = broadcast(cv, constantShapes.get(other), out, what);
              n = add;
            }
          }
          c.layers.add(new Dense(b.clone(), bias, width, out));
          width = out;
          activated = false;
        }
        case "Relu", "Tanh", "Sigmoid" -> {
          if (activated) {
            throw new NotDense(what + " follows another activation or no dense layer");
          }
          c.activations.add(
              switch (op) {
                case "Relu" -> Activation.RELU;
                case "Tanh" -> Activation.TANH;
                default -> Activation.SIGMOID;
              });
          activated = true;
        }
        default ->
            throw new NotDense(
                what
                    + " is not a dense layer (Gemm, MatMul + Add) or an activation (Relu, Tanh,"
                    + " Sigmoid)");
      }
      cur = n.getOutput(0);
    }
    if (c.layers.isEmpty()) {
      throw new NotDense("the graph has no dense layer");
    }
    if (!activated) {
      c.activations.add(Activation.IDENTITY);
    }
    if (width != outputSize) {
      throw new NotDense("the chain ends with " + width + " values, not " + outputSize);
    }
    // fold the normalisation into the first layer: W'ᵢⱼ = scaleᵢ Wᵢⱼ, b' = b + shiftᵀ W
    Dense first = c.layers.get(0);
    double[] w = first.weight.clone();
    double[] b = first.bias.clone();
    for (int i = 0; i < first.in; i++) {
      for (int j = 0; j < first.out; j++) {
        b[j] += shift[i] * first.weight[i * first.out + j];
        w[i * first.out + j] = scale[i] * first.weight[i * first.out + j];
      }
    }
    c.layers.set(0, new Dense(w, b, first.in, first.out));
    return c;
  }

  private static Recognition withChain(Chain c) {
    int[] sizes = new int[c.layers.size() + 1];
    sizes[0] = c.layers.get(0).in;
    for (int l = 0; l < c.layers.size(); l++) {
      sizes[l + 1] = c.layers.get(l).out;
    }
    MlpArchitecture arch = new MlpArchitecture(sizes, c.activations);
    var layout = arch.layout();
    double[] p = new double[layout.size()];
    for (int l = 0; l < c.layers.size(); l++) {
      Dense d = c.layers.get(l);
      System.arraycopy(
          d.weight, 0, p, layout.slice("layers." + l + ".weight").offset(), d.weight.length);
      System.arraycopy(d.bias, 0, p, layout.slice("layers." + l + ".bias").offset(), d.bias.length);
    }
    return new Recognition(arch, p, null);
  }

  private static double[] broadcast(double[] k, long[] shape, int width, String what)
      throws NotDense {
    if (k.length == 1) {
      double[] v = new double[width];
      java.util.Arrays.fill(v, k[0]);
      return v;
    }
    if (k.length == width && (shape.length == 1 || (shape.length == 2 && shape[0] == 1))) {
      return k;
    }
    throw new NotDense(
        what
            + " uses a constant of shape "
            + java.util.Arrays.toString(shape)
            + " on "
            + width
            + " values");
  }

  private static long attrInt(OnnxMl.NodeProto n, String name, long dflt) {
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getI();
      }
    }
    return dflt;
  }

  private static double attrFloat(OnnxMl.NodeProto n, String name, double dflt) {
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getF();
      }
    }
    return dflt;
  }

  /** A float or double tensor's values, or null for another element type. */
  private static double[] floats(OnnxMl.TensorProto t) {
    long count = 1;
    for (long d : t.getDimsList()) {
      count *= d;
    }
    int n = (int) count;
    boolean single = t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber();
    if (!single && t.getDataType() != OnnxMl.TensorProto.DataType.DOUBLE.getNumber()) {
      return null;
    }
    double[] v = new double[n];
    if (!t.getRawData().isEmpty()) {
      ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      if (buf.remaining() != (single ? 4 : 8) * n) {
        return null;
      }
      for (int i = 0; i < n; i++) {
        v[i] = single ? buf.getFloat() : buf.getDouble();
      }
      return v;
    }
    if ((single ? t.getFloatDataCount() : t.getDoubleDataCount()) != n) {
      return null;
    }
    for (int i = 0; i < n; i++) {
      v[i] = single ? t.getFloatData(i) : t.getDoubleData(i);
    }
    return v;
  }

  private static String nodeName(OnnxMl.NodeProto n) {
    return n.getName().isEmpty()
        ? n.getOpType().toLowerCase(Locale.ROOT) + " -> " + String.join(",", n.getOutputList())
        : n.getName();
  }
}
