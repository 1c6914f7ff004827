package org.adaptrobot.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.PolicyImport;
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
 * A control step of the runtime on the simulated robot (lockstep, the simulation's advance
 * included) with a policy imported by {@code robot bundle import} from {@code src/test-models}: the
 * Stable-Baselines3-style actor (9-4-4-2, recognised: either executor) and the normalised tanh
 * policy with a Clip (kept as it is: ONNX Runtime only), and a body-velocity policy with the
 * wheel-speed loop under it (8-4-2 after the loop's signals are gathered out). Each iteration
 * prints the bytes the benchmark thread (the loop thread) allocated per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ImportedPolicyBenchmark {

  @Param({"sb3-actor", "tanh-normalised-clip", "velocity-mlp"})
  public String model;

  @Param({"java", "onnxruntime"})
  public String executor;

  private RobotRuntime runtime;
  private ControlLoop loop;
  private Path bundle;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path root = Files.exists(Path.of("src/test-models")) ? Path.of(".") : Path.of("..");
    bundle = Files.createTempDirectory("imported").resolve(model);
    PolicyImport.importPolicy(
        root.resolve("src/test-models/" + model + ".onnx"),
        PolicyImport.loadSpec(
            root.resolve(
                model.startsWith("velocity")
                    ? "src/examples/import-spec-velocity.yaml"
                    : "src/examples/import-spec.yaml")),
        bundle);
    RuntimeConfig c = RuntimeConfig.load(root.resolve("src/examples/diffbot-sim.yaml"));
    c =
        new RuntimeConfig(
            c.hardware(),
            bundle,
            c.runtime().withExecutor(RuntimeConfig.Executor.valueOf(executor.toUpperCase())),
            RuntimeConfig.Telemetry.none());
    runtime = RobotRuntime.start(c, true, false, 1, RuntimeEvents.NONE, true);
    loop = runtime.loop();
    loop.requestActivate();
    loop.targets().hold(0.3, 0.5);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    runtime.close();
  }

  private final ThreadAllocation allocation = new ThreadAllocation();

  @Setup(Level.Iteration)
  public void startCounting() {
    allocation.start();
  }

  @TearDown(Level.Iteration)
  public void reportLoopThreadAllocation() {
    allocation.report("step");
  }

  @Benchmark
  public long step() {
    allocation.op();
    loop.step();
    loop.clock().awaitNextPeriod();
    return loop.steps();
  }
}
