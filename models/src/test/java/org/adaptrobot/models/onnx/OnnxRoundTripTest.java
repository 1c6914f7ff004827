package org.adaptrobot.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.ContextMlp;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.ContextMlpArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;
import org.adaptrobot.models.nn.ParameterLayout;
import org.adaptrobot.models.nn.ParameterSlice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exported graphs run in ONNX Runtime 1.28.0 must give what the Java networks compute, within 1e-5,
 * with the stored weights and with adapted tensors fed as overriding inputs.
 */
class OnnxRoundTripTest {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final int BATCH = 5;
  private static final double TOLERANCE = 1e-5;

  static Stream<NetworkArchitecture> architectures() {
    MlpArchitecture tanh =
        MlpArchitecture.of(Mlp.of(12, new int[] {64, 64}, 2, Activation.TANH, Activation.IDENTITY));
    MlpArchitecture relu =
        MlpArchitecture.of(Mlp.of(5, new int[] {16}, 3, Activation.RELU, Activation.TANH));
    MlpArchitecture sigmoid =
        MlpArchitecture.of(Mlp.of(3, new int[] {8}, 2, Activation.SIGMOID, Activation.SIGMOID));
    MlpArchitecture singleLayer =
        new MlpArchitecture(new int[] {4, 3}, List.of(Activation.IDENTITY));
    return Stream.of(
        tanh,
        relu,
        sigmoid,
        singleLayer,
        new GaussianPolicyArchitecture(tanh),
        new ContextMlpArchitecture(
            MlpArchitecture.of(
                Mlp.of(6 + 3, new int[] {32}, 4, Activation.TANH, Activation.IDENTITY)),
            3),
        new ContextMlpArchitecture(
            new MlpArchitecture(new int[] {4 + 2, 3}, List.of(Activation.TANH)), 2),
        new GruArchitecture(
            4,
            8,
            new MlpArchitecture(
                new int[] {8, 16, 2}, List.of(Activation.TANH, Activation.IDENTITY))));
  }

  private static double[] randomParams(NetworkArchitecture a, long seed) {
    double[] p = new double[a.layout().size()];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < p.length; i++) {
      // Rounded to float so that Java and ONNX Runtime see the same weights.
      p[i] = (float) ((2 * r.nextDouble() - 1) * 0.8);
    }
    return p;
  }

  private static double[] randomInput(int n, long seed) {
    double[] x = new double[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      x[i] = (float) ((2 * r.nextDouble() - 1) * 2);
    }
    return x;
  }

  /** Java reference: output rows (and hidden rows for a GRU) for the given parameters. */
  private static Map<String, double[]> javaForward(
      NetworkArchitecture a, double[] p, double[] x, double[] h) {
    return ReferenceOutputs.compute(a, p, x, h, BATCH);
  }

  private static double[] slice(double[] p, ParameterLayout layout, String name) {
    ParameterSlice s = layout.slice(name);
    return java.util.Arrays.copyOfRange(p, s.offset(), s.end());
  }

  private static OnnxTensor tensor(double[] values, long... shape) throws OrtException {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return OnnxTensor.createTensor(ENV, FloatBuffer.wrap(f), shape);
  }

  /**
   * Runs the model in ONNX Runtime. Adaptable inputs take the given values, or else the
   * meta-trained values stored in the file, as the runtime does.
   */
  private static Map<String, double[]> ortForward(
      byte[] model, NetworkArchitecture a, double[] x, double[] h, Map<String, double[]> overrides)
      throws Exception {
    var proto = OnnxImport.parse(model, "graph.onnx");
    double[] stored = OnnxImport.readParameters(proto, a.layout(), "graph.onnx").values();
    Map<String, double[]> adaptable = new HashMap<>();
    for (String name : OnnxGraphInfo.of(proto).adaptableInputs().keySet()) {
      adaptable.put(name, overrides.getOrDefault(name, slice(stored, a.layout(), name)));
    }
    assertThat(adaptable.keySet()).containsAll(overrides.keySet());
    try (OrtSession session =
        ENV.createSession(OnnxImport.forSession(proto), new OrtSession.SessionOptions())) {
      Map<String, OnnxTensor> inputs = new HashMap<>();
      inputs.put(OnnxNames.INPUT, tensor(x, BATCH, a.inputSize()));
      if (h != null) {
        inputs.put(OnnxNames.HIDDEN_IN, tensor(h, BATCH, h.length / BATCH));
      }
      for (Map.Entry<String, double[]> e : adaptable.entrySet()) {
        long[] shape =
            java.util.Arrays.stream(a.layout().slice(e.getKey()).shape()).asLongStream().toArray();
        inputs.put(e.getKey(), tensor(e.getValue(), shape));
      }
      Map<String, double[]> out = new HashMap<>();
      try (OrtSession.Result result = session.run(inputs)) {
        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
          FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
          double[] d = new double[fb.remaining()];
          for (int i = 0; i < d.length; i++) {
            d[i] = fb.get(i);
          }
          out.put(e.getKey(), d);
        }
      } finally {
        inputs.values().forEach(OnnxTensor::close);
      }
      return out;
    }
  }

  private static void assertClose(Map<String, double[]> ort, Map<String, double[]> java) {
    assertThat(ort.keySet()).containsAll(java.keySet());
    for (Map.Entry<String, double[]> e : java.entrySet()) {
      assertThat(ort.get(e.getKey()))
          .as(e.getKey())
          .containsExactly(e.getValue(), offset(TOLERANCE));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void onnxRuntimeMatchesJavaForward(NetworkArchitecture a) throws Exception {
    double[] p = randomParams(a, 1);
    byte[] model = OnnxExport.export(a, p, Set.of());
    double[] x = randomInput(BATCH * a.inputSize(), 2);
    double[] h = a instanceof GruArchitecture g ? randomInput(BATCH * g.hiddenSize(), 3) : null;
    assertClose(ortForward(model, a, x, h, Map.of()), javaForward(a, p, x, h));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void adaptedTensorsFedAsInputsOverrideTheStoredWeights(NetworkArchitecture a) throws Exception {
    ParameterLayout layout = a.layout();
    // Adapt the last two slices (output layer weight and bias, log_std, or context).
    List<ParameterSlice> slices = layout.slices();
    Set<String> adaptable =
        Set.of(slices.get(slices.size() - 1).name(), slices.get(slices.size() - 2).name());
    double[] p = randomParams(a, 4);
    byte[] model = OnnxExport.export(a, p, adaptable);
    double[] adapted = p.clone();
    double[] fresh = randomParams(a, 5);
    Map<String, double[]> overrides = new HashMap<>();
    for (String name : adaptable) {
      ParameterSlice s = layout.slice(name);
      System.arraycopy(fresh, s.offset(), adapted, s.offset(), s.size());
      overrides.put(name, slice(adapted, layout, name));
    }
    double[] x = randomInput(BATCH * a.inputSize(), 6);
    double[] h = a instanceof GruArchitecture g ? randomInput(BATCH * g.hiddenSize(), 7) : null;
    Map<String, double[]> expected = javaForward(a, adapted, x, h);
    assertClose(ortForward(model, a, x, h, overrides), expected);
    // and with the values stored in the file, the meta-trained weights are used
    Map<String, double[]> stored = ortForward(model, a, x, h, Map.of());
    assertClose(stored, javaForward(a, p, x, h));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void importReadsTheInitializersBackIntoTheParameterVector(NetworkArchitecture a)
      throws Exception {
    double[] p = randomParams(a, 8);
    byte[] bytes = OnnxExport.export(a, p, Set.of());
    var model = OnnxImport.parse(bytes, "graph.onnx");
    assertThat(OnnxImport.readParameters(model, a.layout(), "graph.onnx").values())
        .containsExactly(p);
    OnnxGraphInfo info = OnnxGraphInfo.of(model);
    assertThat(info.dataInputs().get(OnnxNames.INPUT)).containsExactly(-1L, (long) a.inputSize());
  }

  @Test
  void contextIsAlwaysAnAdaptableInput() throws Exception {
    var a =
        new ContextMlpArchitecture(
            new MlpArchitecture(new int[] {5, 3}, List.of(Activation.TANH)), 2);
    var info =
        OnnxGraphInfo.of(OnnxImport.parse(OnnxExport.export(a, randomParams(a, 1), Set.of()), "c"));
    assertThat(info.adaptableInputs()).containsKey(ContextMlp.CONTEXT);
    assertThat(info.overridableInputs()).isEmpty();
  }

  @Test
  void unknownAdaptableTensorIsRejectedWithTheKnownNames() {
    var a = new MlpArchitecture(new int[] {2, 2}, List.of(Activation.TANH));
    assertThatThrownBy(() -> OnnxExport.export(a, randomParams(a, 1), Set.of("layers.9.weight")))
        .hasMessageContaining("layers.9.weight")
        .hasMessageContaining("layers.0.weight");
  }

  @Test
  void theBytesDoNotDependOnTheOrderOfTheAdaptableSet() {
    var arch =
        new MlpArchitecture(new int[] {3, 4, 2}, List.of(Activation.TANH, Activation.IDENTITY));
    double[] p = new double[arch.layout().size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = 0.01 * i;
    }
    var names = arch.layout().slices().stream().map(ParameterSlice::name).toList();
    var forward = new java.util.LinkedHashSet<>(names);
    var backward = new java.util.LinkedHashSet<>(names.reversed());
    assertThat(OnnxExport.export(arch, p, backward)).isEqualTo(OnnxExport.export(arch, p, forward));
  }
}
