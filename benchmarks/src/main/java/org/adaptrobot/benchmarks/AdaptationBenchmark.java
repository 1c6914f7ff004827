package org.adaptrobot.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.adaptation.AdaptationEngine;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.MpcController;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
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
 * The model-based runtime's two costs, on the shipped dynamics bundle (11-64-64-9) with real data:
 * the simulated robot is driven by the demo's configuration for 4 s first, so the ring holds real
 * transitions. {@code mpc}: one MPC decision (CEM, 64 samples × 10 steps × 2 iterations, batched
 * forward passes), what the loop pays every step; {@code mpc500}: the architecture's budget case,
 * 500 candidates × 10 steps in one iteration (what a planner thread pays per plan with {@code
 * replan_every}, or a fast computer every step). {@code adaptation}: one adaptation pass (copy M +
 * K + 1 transitions, 5 gradient steps on M = 32, three held-out evaluations on K = 32,
 * accept/reject), what the adaptation thread pays. Run from the repository root.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class AdaptationBenchmark {

  private RobotRuntime runtime;
  private MpcController mpc;
  private MpcController wide;
  private AdaptationEngine engine;
  private double[] observation;
  private double[] action;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path config = Path.of("src/examples/diffbot-demo.yaml");
    if (!Files.exists(config)) {
      config = Path.of("..").resolve(config);
    }
    RuntimeConfig c = RuntimeConfig.load(config);
    // the gradient-adaptation bundle (the demo's default is the Bayesian last layer, which has no
    // adaptation engine; BayesianLastLayerBenchmark times it)
    Path bundle = config.toAbsolutePath().getParent().resolve("../../bundles/diffdrive-grbal");
    c = new RuntimeConfig(c.hardware(), bundle, c.runtime(), RuntimeConfig.Telemetry.none());
    runtime = RobotRuntime.start(c, true, false, 1, new RuntimeEvents() {}, true);
    ControlLoop loop = runtime.loop();
    loop.targets().hold(0.3, 0.5);
    loop.requestActivate();
    loop.run(200);
    mpc = runtime.mpc();
    engine = runtime.adaptationFeed().engine();
    observation = new double[mpc.observationSize()];
    action = new double[mpc.actionSize()];
    loop.observation(observation);
    wide =
        org.adaptrobot.runtime.control.ControllerFactory.mpc(
            org.adaptrobot.models.bundle.Bundle.load(c.bundle()),
            new MpcController.Settings(10, 500, 50, 1, 0.01, 1));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    wide.close();
    runtime.close();
  }

  @Benchmark
  public double mpc() {
    mpc.compute(observation, action);
    return action[0];
  }

  @Benchmark
  public double mpc500() {
    wide.compute(observation, action);
    return action[0];
  }

  @Benchmark
  public int adaptation() {
    engine.trigger();
    return engine.poll();
  }
}
