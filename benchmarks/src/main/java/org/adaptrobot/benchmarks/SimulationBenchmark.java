package org.adaptrobot.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.sim.env.CartPole;
import org.adaptrobot.sim.env.DiffDriveEnv;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.Pendulum;
import org.adaptrobot.sim.env.PointNavigation;
import org.adaptrobot.sim.env.PointNavigationVector;
import org.adaptrobot.sim.env.VectorEnv;
import org.adaptrobot.sim.sil.SilRobot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread environment steps per second: each environment scalar (one step per operation),
 * vectorised (one environment step per operation, {@value #N} copies per call), and the SIL robot
 * through the drivers (one 100 Hz control period per operation: read all sensors, command both
 * motors, advance the physics). Random actions are drawn in advance.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SimulationBenchmark {

  static final int N = 256;
  static final int ACTIONS = 4096;

  /** One scalar environment. */
  @State(Scope.Thread)
  public static class Scalar {
    @Param({"point", "cartpole", "pendulum", "diffdrive-100Hz"})
    public String env;

    Env e;
    double[] obs;
    double[][] actions;
    final Env.Status status = new Env.Status();
    int k;

    @Setup(Level.Trial)
    public void setUp() {
      e = factory(env).get();
      obs = new double[e.observationSpace().size()];
      actions = randomActions(e, ACTIONS, 1);
      e.reset(1L, obs);
    }
  }

  /** N copies of an environment. */
  @State(Scope.Thread)
  public static class Vector {
    @Param({"cartpole", "pendulum", "diffdrive-100Hz"})
    public String env;

    VectorEnv v;
    double[] obs;
    double[] actions;
    double[] rewards = new double[N];
    boolean[] term = new boolean[N];
    boolean[] trunc = new boolean[N];

    @Setup(Level.Trial)
    public void setUp() {
      v = new VectorEnv(N, factory(env));
      obs = new double[N * v.observationSize()];
      actions = new double[N * v.actionSize()];
      SplittableRandom r = new SplittableRandom(2);
      for (int i = 0; i < actions.length; i++) {
        actions[i] = 2 * r.nextDouble() - 1;
      }
      v.reset(1, obs);
    }
  }

  /** Vectorised point navigation. */
  @State(Scope.Thread)
  public static class Points {
    PointNavigationVector v = new PointNavigationVector(N);
    double[] obs = new double[2 * N];
    double[] actions = new double[2 * N];
    double[] rewards = new double[N];
    boolean[] trunc = new boolean[N];

    @Setup(Level.Trial)
    public void setUp() {
      SplittableRandom r = new SplittableRandom(3);
      for (int i = 0; i < N; i++) {
        v.goal(i, r.nextDouble() - 0.5, r.nextDouble() - 0.5);
      }
      for (int i = 0; i < actions.length; i++) {
        actions[i] = 0.2 * (2 * r.nextDouble() - 1);
      }
      v.reset(obs);
    }
  }

  /** The SIL robot with the real drivers. */
  @State(Scope.Thread)
  public static class Sil {
    SilRobot sil;
    RobotIo io;
    final RobotIo.SensorReadings readings = new RobotIo.SensorReadings();
    int k;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Path file = Path.of("src/examples/diffbot-hardware.yaml");
      if (!Files.exists(file)) {
        file = Path.of("..").resolve(file);
      }
      var hw = HardwareDescription.load(file);
      sil = SilRobot.reference(hw, 0.9, 1);
      io = RobotIo.open(sil.context(), hw, sil.clock());
      io.initialise();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      io.close();
      sil.close();
    }
  }

  static Supplier<Env> factory(String name) {
    return switch (name) {
      case "point" -> PointNavigation::new;
      case "cartpole" -> CartPole::new;
      case "pendulum" -> Pendulum::new;
      case "diffdrive-100Hz" -> () -> new DiffDriveEnv(DiffDriveEnv.Mode.VELOCITY_TRACKING, 100);
      default -> throw new IllegalArgumentException(name);
    };
  }

  static double[][] randomActions(Env e, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] a = new double[n][e.actionSpace().size()];
    for (double[] row : a) {
      for (int k = 0; k < row.length; k++) {
        row[k] =
            e.actionSpace().low(k)
                + (e.actionSpace().high(k) - e.actionSpace().low(k)) * r.nextDouble();
      }
    }
    return a;
  }

  @Benchmark
  public double scalarStep(Scalar s) {
    double reward = s.e.step(s.actions[s.k++ & (ACTIONS - 1)], s.obs, s.status);
    if (s.status.done()) {
      s.e.reset(null, s.obs);
    }
    return reward;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public double vectorStep(Vector s) {
    s.v.step(s.actions, s.obs, s.rewards, s.term, s.trunc);
    return s.rewards[0];
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public double pointNavigationVectorStep(Points s) {
    s.v.step(s.actions, s.obs, s.rewards, s.trunc);
    return s.rewards[0];
  }

  @Benchmark
  public double silControlPeriodThroughDrivers(Sil s) {
    s.io.readSensors(s.readings);
    double u = 0.3 + 0.3 * ((s.k++ >> 6) & 1); // alternate between two speeds every 64 steps
    s.io.drive(u, u);
    s.sil.advance(0.01);
    return s.readings.left.velocityRadps;
  }
}
