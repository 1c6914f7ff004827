package org.adaptrobot.benchmarks;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.ControllerFactory;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latent policy of {@code bundles/diffdrive-rma} in mode latent: the encoder alone ({@code
 * encode}: one pass of the encoder graph), one controller step ({@code latentStep}), and one whole
 * control step of the runtime on the simulated robot with it ({@code loopStep}, including the
 * simulation's 20 ms advance), for both executors and both encodings. {@code window} is the shipped
 * bundle (RMA-style: the window of 25 observations, encoded every fifth step); {@code factors} the
 * same policy read through a transition encoder of the same hidden sizes (PEARL-style: 2 × 9 in, a
 * factor of 2 × 7 out, random weights — the cost does not depend on them), a factor and the
 * closed-form posterior over the last 50 factors every step. With {@code -prof gc} for bytes per
 * operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class LatentStepBenchmark {

  @Param({"java", "onnxruntime"})
  public String executor;

  @Param({"window", "factors"})
  public String encoding;

  private RobotRuntime runtime;
  private ControlLoop loop;
  private PolicyController controller;
  private PolicyController encoder;
  private final double[] observation = new double[9];
  private double[] window;
  private double[] latent;
  private final double[] action = new double[2];
  private long n;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    RuntimeConfig.Executor e = RuntimeConfig.Executor.valueOf(executor.toUpperCase());
    Path bundle = RecurrentStepBenchmark.repo("bundles/diffdrive-rma");
    if (encoding.equals(Manifest.LatentSpec.FACTORS)) {
      bundle = factors(bundle);
    }
    runtime = RecurrentStepBenchmark.activeSimulation(bundle, e);
    loop = runtime.loop();
    Bundle b = Bundle.load(bundle);
    controller = ControllerFactory.policyController(b, e);
    encoder = ControllerFactory.executor(b.graph(Manifest.ENCODER), e);
    window = new double[encoder.observationSize()];
    latent = new double[encoder.actionSize()];
    for (int i = 0; i < window.length; i++) {
      window[i] = 0.3 * Math.sin(i * 0.7);
    }
  }

  /**
   * The shipped bundle with its window encoder replaced by a transition encoder of the same hidden
   * sizes (factors encoding, 50 factors, the latent taken every step), in a temporary directory.
   */
  static Path factors(Path shipped) throws Exception {
    Bundle b = Bundle.load(shipped);
    Manifest m = b.manifest();
    Manifest.LatentSpec w = m.adaptation().latent();
    int o = m.observation().size();
    Manifest.LatentSpec f =
        new Manifest.LatentSpec(50, 1, w.size(), w.resetOn(), Manifest.LatentSpec.FACTORS);
    var windowArch =
        (org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture)
            m.graphs().get(Manifest.ENCODER).architecture();
    int[] sizes = windowArch.layerSizes();
    var net =
        org.adaptrobot.models.nn.Mlp.of(
            f.encoderInput(o),
            java.util.Arrays.copyOfRange(sizes, 1, sizes.length - 1),
            f.encoderOutput(),
            org.adaptrobot.models.nn.Activation.TANH,
            org.adaptrobot.models.nn.Activation.IDENTITY);
    double[] theta = new double[net.layout().size()];
    net.initialise(theta, new java.util.SplittableRandom(1));
    Path target = java.nio.file.Files.createTempDirectory("factors-bundle");
    Bundle.Graph policy = b.graph(Manifest.POLICY);
    org.adaptrobot.models.bundle.BundleExport.write(
        target,
        new Manifest(
            m.formatVersion(),
            m.name() + "-factors",
            m.description(),
            m.observation(),
            m.action(),
            m.controlRateHz(),
            java.util.Map.of(),
            Manifest.AdaptationSpec.latent(f),
            m.provenance(),
            java.util.Map.of(),
            m.wheelSpeedLoop(),
            m.reward()),
        java.util.Map.of(
            Manifest.POLICY,
            new org.adaptrobot.models.bundle.BundleExport.GraphExport(
                policy.spec().architecture(), policy.parameters().values(), java.util.Set.of()),
            Manifest.ENCODER,
            new org.adaptrobot.models.bundle.BundleExport.GraphExport(
                new org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture(
                    net.layerSizes(), java.util.Arrays.asList(net.activations())),
                theta,
                java.util.Set.of())));
    return target;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    controller.close();
    encoder.close();
    runtime.close();
  }

  @Benchmark
  public double encode() {
    window[0] = 0.1 * Math.sin(n++ * 0.01);
    encoder.compute(window, latent);
    return latent[0];
  }

  @Benchmark
  public double latentStep() {
    observation[0] = 0.1 * Math.sin(n++ * 0.01);
    controller.compute(observation, action);
    return action[0];
  }

  @Benchmark
  public long loopStep() {
    loop.step();
    runtime.simulation().advance(0.02);
    return loop.steps();
  }
}
