package org.adaptrobot.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.adaptation.BayesianLastLayerFeed;
import org.adaptrobot.runtime.config.RuntimeConfig;
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
 * The on-robot cost of the bayesian-last-layer mode with the shipped bundle (32 features + bias, 9
 * outputs) on the simulated robot in lockstep:
 *
 * <ul>
 *   <li>{@code transition}: the work the loop thread does per transition after the step — the
 *       feature network, the k-step statistic of the reference posterior, the detector, both
 *       rank-one updates with their Cholesky solves, the hand-over to the MPC;
 *   <li>{@code controlStep}: a whole control step with the simulation's advance, with the posterior
 *       updated ({@code adapt=true}) or held at the prior ({@code adapt=false}; the detector's
 *       reference still learns).
 * </ul>
 *
 * <p>Each iteration prints the bytes the benchmark thread itself allocated per operation (the loop
 * thread's figure); {@code -prof gc} counts every thread of the JVM, the runtime's background
 * agents included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BayesianLastLayerBenchmark {

  @Param({"true", "false"})
  public boolean adapt;

  private RobotRuntime runtime;
  private ControlLoop loop;
  private BayesianLastLayerFeed feed;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path root = Files.exists(Path.of("bundles")) ? Path.of(".") : Path.of("..");
    RuntimeConfig c = RuntimeConfig.load(root.resolve("src/examples/diffbot-demo.yaml"));
    c =
        new RuntimeConfig(
            c.hardware(),
            root.resolve("bundles/diffdrive-bll"),
            c.runtime(),
            RuntimeConfig.Telemetry.none());
    runtime = RobotRuntime.start(c, true, false, 1, RuntimeEvents.NONE, true);
    loop = runtime.loop();
    feed = (BayesianLastLayerFeed) runtime.adaptation();
    feed.enabled(adapt);
    loop.requestActivate();
    loop.targets().hold(0.3, 0.5);
    for (int i = 0; i < 200; i++) { // past the warm-up, moving
      loop.step();
      loop.clock().awaitNextPeriod(); // lockstep: advances the simulation one period
    }
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
    allocation.report("op");
  }

  @Benchmark
  public long transition() {
    allocation.op();
    feed.afterStep(loop, 0L);
    return feed.transitions();
  }

  @Benchmark
  public long controlStep() {
    allocation.op();
    loop.step();
    loop.clock().awaitNextPeriod();
    return loop.steps();
  }
}
