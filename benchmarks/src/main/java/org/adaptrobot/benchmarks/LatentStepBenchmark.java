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
 * The latent (RMA-style) policy of {@code bundles/diffdrive-rma} in mode latent: the encoder over
 * the window of 25 observations alone ({@code encode}: one pass of the encoder graph, what the loop
 * pays every {@code update_every} steps), one controller step ({@code latentStep}: window shift, an
 * encoding every fifth call, the policy), and one whole control step of the runtime on the
 * simulated robot with it ({@code loopStep}, including the simulation's 20 ms advance), for both
 * executors. With {@code -prof gc} for bytes per operation.
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

  private RobotRuntime runtime;
  private ControlLoop loop;
  private PolicyController controller;
  private PolicyController encoder;
  private final double[] observation = new double[9];
  private final double[] window = new double[25 * 9];
  private final double[] latent = new double[7];
  private final double[] action = new double[2];
  private long n;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    RuntimeConfig.Executor e = RuntimeConfig.Executor.valueOf(executor.toUpperCase());
    Path bundle = RecurrentStepBenchmark.repo("bundles/diffdrive-rma");
    runtime = RecurrentStepBenchmark.activeSimulation(bundle, e);
    loop = runtime.loop();
    Bundle b = Bundle.load(bundle);
    controller = ControllerFactory.policyController(b, e);
    encoder = ControllerFactory.executor(b.graph(Manifest.ENCODER), e);
    for (int i = 0; i < window.length; i++) {
      window[i] = 0.3 * Math.sin(i * 0.7);
    }
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
