package org.adaptrobot.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.runtime.RobotRuntime;
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
 * One control step of the runtime on the simulated robot: read every sensor through the drivers,
 * build the observation, run the policy, filter through the safety layer, write the motors ({@code
 * step}); and the same followed by the simulation's 10 ms advance ({@code stepAndAdvance}), whose
 * difference is the simulator's share. With {@code -prof gc} for bytes per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ControlStepBenchmark {

  @Param({"java", "onnxruntime"})
  public String executor;

  private RobotRuntime runtime;
  private ControlLoop loop;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path config = Path.of("src/examples/diffbot-sim.yaml");
    if (!Files.exists(config)) {
      config = Path.of("..").resolve(config);
    }
    RuntimeConfig c = RuntimeConfig.load(config);
    RuntimeConfig.Settings s = c.runtime();
    c =
        new RuntimeConfig(
            c.hardware(),
            c.bundle(),
            new RuntimeConfig.Settings(
                s.controlRateHz(),
                s.overrunPolicy(),
                s.spinMicros(),
                RuntimeConfig.Executor.valueOf(executor.toUpperCase()),
                s.watchdogOverruns(),
                s.commandTimeoutSeconds(),
                s.staleSensorSeconds(),
                s.maxConsecutiveFaults()),
            c.telemetry());
    runtime = RobotRuntime.start(c, true, 1, RuntimeEvents.NONE);
    loop = runtime.loop();
    loop.requestActivate();
    loop.targets().hold(0.3, 0.5);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    runtime.close();
  }

  @Benchmark
  public long stepAndAdvance() {
    loop.step();
    runtime.simulation().advance(0.01);
    return loop.steps();
  }
}
