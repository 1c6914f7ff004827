package org.adaptrobot.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.JavaPolicyController;
import org.adaptrobot.runtime.control.OnnxPolicyController;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
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
 * The recurrent (RL²) policy of {@code bundles/diffdrive-rl2} in mode recurrent: one GRU step with
 * its extra inputs and hidden-state statistics ({@code gruStep}, the controller alone), and one
 * whole control step of the runtime on the simulated robot with it ({@code loopStep}: sensors,
 * observation and extra inputs, GRU, safety layer, motors, and the simulation's 20 ms advance,
 * whose share {@link ControlStepBenchmark} measures), for both executors. With {@code -prof gc} for
 * bytes per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class RecurrentStepBenchmark {

  @Param({"java", "onnxruntime"})
  public String executor;

  private RobotRuntime runtime;
  private ControlLoop loop;
  private PolicyController controller;
  private final double[] input = new double[13];
  private final double[] action = new double[2];
  private long n;

  /** A repository path from the root or from a module directory. */
  static Path repo(String path) {
    Path p = Path.of(path);
    return Files.exists(p) ? p : Path.of("..").resolve(p);
  }

  /**
   * The simulated robot at 50 Hz running {@code bundle} on {@code executor}, lockstep, active and
   * tracking (0.3 m/s, 0.5 rad/s).
   */
  static RobotRuntime activeSimulation(Path bundle, RuntimeConfig.Executor executor)
      throws Exception {
    RuntimeConfig c = RuntimeConfig.load(repo("src/examples/diffbot-sim.yaml"));
    c =
        new RuntimeConfig(
            c.hardware(),
            bundle,
            c.runtime().withControlRate(50).withExecutor(executor),
            RuntimeConfig.Telemetry.none());
    RobotRuntime runtime = RobotRuntime.start(c, true, 1, RuntimeEvents.NONE);
    runtime.loop().requestActivate();
    runtime.loop().targets().hold(0.3, 0.5);
    return runtime;
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    RuntimeConfig.Executor e = RuntimeConfig.Executor.valueOf(executor.toUpperCase());
    runtime = activeSimulation(repo("bundles/diffdrive-rl2"), e);
    loop = runtime.loop();
    Bundle b = Bundle.load(repo("bundles/diffdrive-rl2"));
    controller =
        e == RuntimeConfig.Executor.JAVA
            ? new JavaPolicyController(b.graph(Manifest.POLICY))
            : new OnnxPolicyController(b.graph(Manifest.POLICY));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    controller.close();
    runtime.close();
  }

  @Benchmark
  public double gruStep() {
    input[0] = 0.1 * Math.sin(n++ * 0.01);
    controller.compute(input, action);
    return action[0];
  }

  @Benchmark
  public long loopStep() {
    loop.step();
    runtime.simulation().advance(0.02);
    return loop.steps();
  }
}
