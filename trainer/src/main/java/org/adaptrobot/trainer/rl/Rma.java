package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;

/**
 * Rapid Motor Adaptation's second phase (Kumar et al. 2021) on the robot's velocity tracking: an
 * adaptation module — an MLP over the window of the last H normalised observations (the robot's
 * observation already holds the previous duties, so the window is RMA's state-action history) —
 * learns to predict the latent the oracle policy was given, from the robot's own rollouts, by
 * regression. No reward is needed on the robot.
 *
 * <p>Phase 1 is the oracle: PPO on the task distribution with the true task parameters appended to
 * the observation and normalised with the rest ({@link TaskEnvs#randomTask}, changes inside
 * drives). Its latent is the normalised parameter vector itself: RMA's extrinsics encoder
 * compresses 17 privileged values to 8, ours would map 7 to 7, so it is the identity here (say so
 * where it matters: the module predicts the normalised parameters).
 *
 * <p>Data are gathered as RMA does, on the student's own behaviour: the first round drives with the
 * true latent, every later round with the module's prediction (updated every {@code updateEvery}
 * steps, as on the robot), and all rounds' windows are kept (aggregation). Windows start as zeros
 * (the normalised mean) after a reset, as the runtime's do.
 */
public final class Rma {

  /**
   * Settings.
   *
   * @param window H, observations per window
   * @param updateEvery steps between re-encodings (RMA: the module at 10 Hz, the policy at 100)
   * @param rounds data-gathering rounds (the first with the true latent)
   * @param drivesPerRound drives of {@link Rl2.Config#robot()}'s horizon per round, each on its own
   *     task (many tasks, few windows each: with few tasks the module memorises them)
   * @param keepEvery one window kept per this many steps of a drive
   * @param epochs passes over the aggregated data after each round
   */
  public record Config(
      int window,
      int updateEvery,
      int[] hidden,
      double learningRate,
      int batch,
      int epochs,
      int rounds,
      int drivesPerRound,
      int keepEvery) {

    /** The same settings with {@code rounds} rounds of {@code drives} drives. */
    public Config withData(int rounds, int drives) {
      return new Config(
          window, updateEvery, hidden, learningRate, batch, epochs, rounds, drives, keepEvery);
    }

    /** The same settings with another window and re-encoding interval. */
    public Config withWindow(int observations, int every) {
      return new Config(
          observations,
          every,
          hidden,
          learningRate,
          batch,
          epochs,
          rounds,
          drivesPerRound,
          keepEvery);
    }

    /** The robot: half a second of observations at 50 Hz, re-encoded at 10 Hz. */
    public static Config robot() {
      return new Config(25, 5, new int[] {128, 64}, 1e-3, 256, 10, 5, 600, 10);
    }
  }

  /**
   * One round: its data, the mean squared error of the prediction (normalised units) on its drives
   * and on held-out drives, the latter per parameter too (1 − it is about the share of that
   * parameter's spread the module explains).
   */
  public record Round(
      int round,
      int samples,
      double trainMse,
      double heldOutMse,
      double[] heldOutPerParameter,
      double seconds) {}

  private final ActorCritic oracle;
  private final Config c;
  private final long seed;
  private final int o;
  private final int t;
  private final int a;
  private final Mlp module;
  private final double[] params;
  private final Adam adam;
  private final Supplier<? extends Env> factory;

  /**
   * @param oracle the phase-1 policy over [observation, task] with its normaliser
   * @param factory the robot's normalised environment ({@link RobotMetaRl#env()})
   */
  public Rma(ActorCritic oracle, Supplier<? extends Env> factory, Config c, long seed) {
    if (oracle.norm == null) {
      throw new IllegalArgumentException("the oracle must carry its observation normaliser");
    }
    this.oracle = oracle;
    this.factory = factory;
    this.c = c;
    this.seed = seed;
    Env probe = factory.get();
    this.o = probe.observationSpace().size();
    this.t = probe.tasks().size();
    this.a = probe.actionSpace().size();
    if (oracle.policy.inputSize() != o + t) {
      throw new IllegalArgumentException(
          "the oracle reads "
              + oracle.policy.inputSize()
              + " values; observation and task make "
              + (o + t));
    }
    this.module = Mlp.of(c.window() * o, c.hidden(), t, Activation.TANH, Activation.IDENTITY);
    this.params = new double[module.layout().size()];
    module.initialise(params, new SplittableRandom(seed * 31 + 7));
    this.adam = new Adam(params.length, c.learningRate());
  }

  public Mlp module() {
    return module;
  }

  /** The module's parameters (a live view). */
  public double[] moduleParameters() {
    return params;
  }

  public Config config() {
    return c;
  }

  /** Observation values per window row. */
  public int observationSize() {
    return o;
  }

  /** The latent's size (the task's parameter count). */
  public int latentSize() {
    return t;
  }

  /** Trains the module; {@code listener} sees every round. */
  public List<Round> train(ExecutorService pool, int threads, Consumer<Round> listener) {
    long t0 = System.nanoTime();
    List<double[]> windows = new ArrayList<>();
    List<double[]> targets = new ArrayList<>();
    List<Round> rounds = new ArrayList<>();
    SplittableRandom shuffle = new SplittableRandom(seed * 7 + 1);
    for (int r = 0; r < c.rounds(); r++) {
      boolean student = r > 0;
      long base = seed * 1_000_003L + 10_000L * r;
      double[] snapshot = params.clone();
      List<Drive> drives =
          MetaBatch.parallel(
              pool,
              threads,
              c.drivesPerRound(),
              i -> drive(snapshot, student, base + i, true, true));
      double trainErr = 0;
      for (Drive d : drives) {
        windows.addAll(d.windows);
        targets.addAll(d.targets);
        trainErr += d.squaredError / c.drivesPerRound();
      }
      fit(windows, targets, shuffle);
      double[] after = params.clone();
      List<Drive> held =
          MetaBatch.parallel(
              pool,
              threads,
              100,
              i -> drive(after, true, 9_000_000_000L + seed * 1000 + i, false, true));
      double heldErr = held.stream().mapToDouble(d -> d.squaredError).average().orElse(Double.NaN);
      double[] heldPer = new double[t];
      for (Drive d : held) {
        for (int j = 0; j < t; j++) {
          heldPer[j] += d.perParameter[j] / held.size();
        }
      }
      Round round =
          new Round(
              r,
              windows.size(),
              student ? trainErr : Double.NaN,
              heldErr,
              heldPer,
              (System.nanoTime() - t0) * 1e-9);
      rounds.add(round);
      if (listener != null) {
        listener.accept(round);
      }
    }
    return rounds;
  }

  /**
   * One drive's windows, targets and the mean squared prediction error over its steps (in all, and
   * per parameter).
   */
  private record Drive(
      List<double[]> windows, List<double[]> targets, double squaredError, double[] perParameter) {}

  /**
   * The module's mean squared error per parameter (normalised units) on {@code drives} drives of
   * the oracle acting with the true parameters on tasks that do not change, over the steps with a
   * full window: what the module reads off the robot's behaviour, without the drift of its own
   * acting.
   */
  public double[] errorOnOracleDrives(int drives, long driveSeed) {
    double[] params = this.params.clone();
    double[] per = new double[t];
    for (int i = 0; i < drives; i++) {
      double[] d = drive(params, false, driveSeed + i, false, false).perParameter;
      for (int j = 0; j < t; j++) {
        per[j] += d[j] / drives;
      }
    }
    return per;
  }

  /**
   * One drive of the robot's horizon on a training task that changes at a random step with the
   * robot's switch probability ({@code switches}); acting with the module's latent ({@code
   * student}) or the true one. Errors count from the first full window on.
   */
  private Drive drive(
      double[] theta, boolean student, long driveSeed, boolean keep, boolean switches) {
    Rl2.Config rc = Rl2.Config.robot();
    SplittableRandom random = new SplittableRandom(driveSeed);
    Env env = factory.get();
    TaskDistribution dist = env.tasks();
    env.task(dist.sample(TaskDistribution.Split.TRAIN, random));
    double[] obs = new double[o];
    env.reset(random.nextLong(), obs);
    if (switches && random.nextDouble() < rc.switchProbability()) {
      env.switchTaskAt(
          1 + random.nextInt(rc.horizon() - 1), dist.sample(TaskDistribution.Split.TRAIN, random));
    }
    Window w = new Window(theta);
    double[] in = new double[o + t];
    double[] x = new double[o + t];
    double[] target = new double[t];
    double[] action = new double[a];
    double[] std = oracle.norm.std();
    Mlp.Workspace ws = oracle.policy.meanNetwork().newWorkspace();
    List<double[]> windows = new ArrayList<>();
    List<double[]> targets = new ArrayList<>();
    double err = 0;
    double[] per = new double[t];
    Env.Status st = new Env.Status();
    for (int step = 0; step < rc.horizon(); step++) {
      System.arraycopy(obs, 0, in, 0, o);
      System.arraycopy(env.task(), 0, in, o, t);
      oracle.norm.normalise(in, 0, x, 0, std);
      System.arraycopy(x, o, target, 0, t);
      w.push(x, step);
      if (keep && step % c.keepEvery() == 0) {
        windows.add(w.flat());
        targets.add(target.clone());
      }
      double[] z = w.latent();
      if (step >= c.window() - 1) {
        int counted = rc.horizon() - c.window() + 1;
        for (int j = 0; j < t; j++) {
          double e = z[j] - target[j];
          err += e * e / (t * counted);
          per[j] += e * e / counted;
        }
      }
      if (student) {
        System.arraycopy(z, 0, x, o, t);
      }
      oracle.policy.mean(oracle.policyParams, x, action, ws);
      env.step(action, obs, st);
    }
    return new Drive(windows, targets, err, per);
  }

  /**
   * The window of the last H normalised observations (zeros before the first), the module's latent
   * re-encoded every {@code updateEvery} steps — what the runtime's latent mode does.
   */
  private final class Window {
    final double[] theta;
    final double[] ring = new double[c.window() * o];
    final double[] z = new double[t];
    final ModelTape tape = module.newTape(1);

    Window(double[] theta) {
      this.theta = theta;
    }

    void push(double[] x, int step) {
      System.arraycopy(ring, o, ring, 0, (c.window() - 1) * o);
      System.arraycopy(x, 0, ring, (c.window() - 1) * o, o);
      if (step % c.updateEvery() == 0) {
        System.arraycopy(module.forward(theta, ring, 1, tape), 0, z, 0, t);
      }
    }

    /** A copy of the window, oldest observation first. */
    double[] flat() {
      return ring.clone();
    }

    double[] latent() {
      return z;
    }
  }

  /**
   * The oracle policy driven by the module's latent, as the robot runs it (for {@link
   * RobotDrives}); {@code held} freezes the latent at the step it is first asked to (the
   * non-adapting counterpart: from that step on the policy acts on what it had inferred).
   */
  public Supplier<RobotDrives.Driver> driver() {
    double[] theta = params.clone();
    double[] std = oracle.norm.std();
    return () ->
        new RobotDrives.Driver() {
          Window w = new Window(theta);
          final double[] in = new double[o + t];
          final double[] x = new double[o + t];
          final Mlp.Workspace ws = oracle.policy.meanNetwork().newWorkspace();
          int step;

          @Override
          public void reset() {
            w = new Window(theta);
            step = 0;
          }

          @Override
          public void act(
              double[] obs, double[] prevAction, double r, double[] task, double[] act) {
            System.arraycopy(obs, 0, in, 0, o);
            oracle.norm.normalise(in, 0, x, 0, std);
            w.push(x, step++);
            System.arraycopy(w.latent(), 0, x, o, t);
            oracle.policy.mean(oracle.policyParams, x, act, ws);
          }
        };
  }

  /** Minibatch Adam on ½ mean squared error over the aggregated windows. */
  private void fit(List<double[]> windows, List<double[]> targets, SplittableRandom random) {
    int n = windows.size();
    int b = c.batch();
    int in = c.window() * o;
    double[] x = new double[b * in];
    double[] y = new double[b * t];
    double[] gradOut = new double[b * t];
    double[] grad = new double[params.length];
    ModelTape tape = module.newTape(b);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int epoch = 0; epoch < c.epochs(); epoch++) {
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
      for (int start = 0; start + b <= n; start += b) {
        for (int k = 0; k < b; k++) {
          System.arraycopy(windows.get(order[start + k]), 0, x, k * in, in);
          System.arraycopy(targets.get(order[start + k]), 0, y, k * t, t);
        }
        double[] out = module.forward(params, x, b, tape);
        for (int k = 0; k < b * t; k++) {
          gradOut[k] = (out[k] - y[k]) / b;
        }
        Arrays.fill(grad, 0);
        module.backward(params, tape, gradOut, grad, null);
        adam.step(params, grad);
      }
    }
  }
}
