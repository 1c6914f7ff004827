package org.adaptrobot.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;
import org.adaptrobot.models.onnx.OnnxExport;
import org.adaptrobot.models.onnx.OnnxImport;
import org.adaptrobot.models.onnx.OnnxNames;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-sample forward pass of a 12-64-64-2 tanh MLP, the size of a small robot policy: plain Java
 * with a caller-owned workspace, and ONNX Runtime with direct buffers created once (with and
 * without pre-allocated, pinned output tensors). Sample mode, so JMH reports p50 and p99; run with
 * {@code -prof gc} for bytes allocated per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class PolicyForwardBenchmark {

  private Mlp mlp;
  private double[] params;
  private Mlp.Workspace workspace;
  private double[] observation;
  private double[] action;

  private OrtEnvironment env;
  private OrtSession session;
  private FloatBuffer inputBuffer;
  private OnnxTensor inputTensor;
  private Map<String, OnnxTensor> inputs;
  private OnnxTensor outputTensor;
  private Map<String, OnnxValue> pinned;
  private FloatBuffer outputBuffer;
  private int step;

  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    mlp = Mlp.of(12, new int[] {64, 64}, 2, Activation.TANH, Activation.IDENTITY);
    params = new double[mlp.layout().size()];
    mlp.initialise(params, new SplittableRandom(1));
    workspace = mlp.newWorkspace();
    observation = new double[12];
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < 12; i++) {
      observation[i] = r.nextDouble() - 0.5;
    }
    action = new double[2];

    env = OrtEnvironment.getEnvironment();
    byte[] model = OnnxExport.export(MlpArchitecture.of(mlp), params, Set.of());
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    session = env.createSession(OnnxImport.forSession(OnnxImport.parseUnchecked(model)), options);
    inputBuffer = ByteBuffer.allocateDirect(4 * 12).order(ByteOrder.nativeOrder()).asFloatBuffer();
    inputTensor = OnnxTensor.createTensor(env, inputBuffer, new long[] {1, 12});
    inputs = Map.of(OnnxNames.INPUT, inputTensor);
    outputBuffer = ByteBuffer.allocateDirect(4 * 2).order(ByteOrder.nativeOrder()).asFloatBuffer();
    outputTensor = OnnxTensor.createTensor(env, outputBuffer, new long[] {1, 2});
    pinned = Map.of(OnnxNames.OUTPUT, outputTensor);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    inputTensor.close();
    outputTensor.close();
    session.close();
  }

  @Benchmark
  public double plainJava() {
    // Feed the last output back so the JIT cannot hoist the computation.
    observation[0] = action[0] * 1e-3;
    mlp.forward(params, 0, observation, 0, action, 0, workspace);
    return action[1];
  }

  @Benchmark
  public float onnxRuntime() throws OrtException {
    for (int i = 0; i < 12; i++) {
      inputBuffer.put(i, (float) observation[i]);
    }
    inputBuffer.put(0, (float) (step++ & 7) * 1e-3f);
    try (OrtSession.Result result = session.run(inputs)) {
      return ((OnnxTensor) result.get(0)).getFloatBuffer().get(1);
    }
  }

  @Benchmark
  public float onnxRuntimePinnedOutput() throws OrtException {
    for (int i = 0; i < 12; i++) {
      inputBuffer.put(i, (float) observation[i]);
    }
    inputBuffer.put(0, (float) (step++ & 7) * 1e-3f);
    try (OrtSession.Result result = session.run(inputs, pinned)) {
      return result.size() == 1 ? outputBuffer.get(1) : Float.NaN; // written into the pinned buffer
    }
  }
}
