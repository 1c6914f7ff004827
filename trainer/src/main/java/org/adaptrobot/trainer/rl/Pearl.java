package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.adaptrobot.models.bayes.GaussianPosterior;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;

/**
 * PEARL (Rakelly et al. 2019): off-policy meta-RL by probabilistic task inference. A fixed set of
 * training tasks, each with its own replay buffer and its own context buffer (the transitions of
 * its latest collection); an encoder ({@link PearlEncoder}) turns a task's context into a Gaussian
 * posterior over a latent z; soft actor-critic ({@link SoftActorCritic}) acts and learns on the
 * state with z appended. A gradient step takes a meta-batch of tasks, for each a context batch
 * (encoded, z sampled by reparameterisation) and a separate RL batch; the critics' loss plus β
 * times each posterior's KL to the unit prior trains the encoder, the actor sees z detached.
 *
 * <p>Collection per iteration, for a few random training tasks: the context buffer is cleared,
 * episodes with z drawn from the prior fill both buffers, then episodes with z drawn from the
 * posterior of that context fill the replay buffer only (the paper's "extra RL steps"). At test
 * time z is drawn from the prior for the first episode and from the posterior of what the task has
 * shown after it; or, as the robot does it, the posterior is updated after every transition.
 */
public final class Pearl {

  /**
   * Settings; the paper's names where it has them. The critics learn on rewards times {@code
   * rewardScale} (with the temperature starting at 1, the scale sets how much entropy weighs at
   * first); the encoder reads the rewards as they are. {@code rewardDecoder} > 0 adds what PEARL
   * does not have: a network predicting each RL-batch transition's reward from (s, z, a), whose
   * squared error, times this weight, also trains the encoder through z (0: PEARL as published).
   */
  public record Config(
      int trainTasks,
      int latentSize,
      int[] hidden,
      int[] encoderHidden,
      double learningRate,
      int metaBatch,
      int rlBatch,
      int contextBatch,
      double klWeight,
      int initialEpisodes,
      int tasksPerIteration,
      int priorEpisodes,
      int posteriorEpisodes,
      int gradientSteps,
      double tau,
      double gamma,
      double rewardScale,
      int bufferPerTask,
      double rewardDecoder,
      boolean observationPairs) {

    /**
     * The same settings with this many training tasks (the replay capacity per task shrinks so the
     * buffers hold {@code trainTasks × bufferPerTask} transitions as before), this KL weight and a
     * reward decoder of this weight (0: none).
     */
    public Config tuned(int tasks, double kl, double decoder) {
      if (tasks < metaBatch) {
        throw new IllegalArgumentException(
            "PEARL draws " + metaBatch + " distinct tasks per gradient step; got " + tasks);
      }
      return new Config(
          tasks,
          latentSize,
          hidden,
          encoderHidden,
          learningRate,
          metaBatch,
          rlBatch,
          contextBatch,
          kl,
          initialEpisodes,
          tasksPerIteration,
          priorEpisodes,
          posteriorEpisodes,
          gradientSteps,
          tau,
          gamma,
          rewardScale,
          (int) Math.max(1_000, (long) trainTasks * bufferPerTask / tasks),
          decoder,
          observationPairs);
    }

    /**
     * 2D navigation: the paper's point-robot schedule scaled to our 100-step episodes (40 training
     * goals; per iteration 5 tasks × (2 prior + 2 posterior episodes) and 1,000 gradient steps on
     * 16 tasks × 32 transitions, 64 context transitions each), γ 0.9 (goals are reached within
     * about ten steps), rewards ×10 for the critics.
     */
    public static Config pointNav() {
      return new Config(
          40,
          5,
          new int[] {64, 64},
          new int[] {64, 64},
          1e-3,
          16,
          32,
          64,
          0.1,
          2,
          5,
          2,
          2,
          1000,
          0.005,
          0.9,
          10,
          100_000,
          0,
          false);
    }

    /**
     * PEARL's point robot ({@link org.adaptrobot.sim.env.PointRobot}: goals on a half circle,
     * 20-step episodes of motion): 40 training goals; per iteration 5 tasks × (5 prior + 5
     * posterior episodes) and 200 gradient steps on 16 tasks × 64 transitions, 64 context
     * transitions each; 10 prior episodes per goal to start; γ 0.9, rewards ×10 for the critics.
     */
    public static Config pointRobot() {
      return new Config(
          40,
          5,
          new int[] {64, 64},
          new int[] {64, 64},
          1e-3,
          16,
          64,
          64,
          0.1,
          10,
          5,
          5,
          5,
          200,
          0.005,
          0.9,
          10,
          20_000,
          0,
          false);
    }

    /**
     * The robot's velocity tracking: transitions are pairs of consecutive normalised observations
     * (the observation carries the previous duties, so a pair holds (s, a, s′), and the runtime
     * reads the same pair: mode latent, factors encoding), 10 s drives, 40 training robots, per
     * iteration 5 robots × (1 prior + 1 posterior drive) and 1,000 gradient steps; γ 0.95; the
     * per-step reward ×10 for the critics (−7 per step for random duties, about −0.007 tracking
     * well).
     */
    public static Config robot() {
      return new Config(
          40,
          7,
          new int[] {64, 64},
          new int[] {64, 64},
          1e-3,
          16,
          32,
          64,
          0.1,
          1,
          5,
          1,
          1,
          1000,
          0.005,
          0.95,
          10,
          20_000,
          0,
          true);
    }
  }

  /**
   * One evaluation on held-out tasks: env steps of meta-training so far, the mean return of the
   * first episode (z from the prior), of the second (z from the posterior of the first), of an
   * episode whose posterior is updated after every transition (z its mean), how much of the task
   * the posterior mean after the first episode holds (R² of the best linear map from it to the
   * task's parameters, over the tasks), the posterior's standard deviation after the first episode
   * and the spread of its mean across tasks (both averaged over the latent's dimensions: a spread
   * far below the standard deviation means the posterior has collapsed onto one z for every task),
   * α, seconds.
   */
  public record Point(
      int iteration,
      long envSteps,
      double priorReturn,
      double posteriorReturn,
      double onlineReturn,
      double taskR2,
      double posteriorStd,
      double meanSpread,
      double alpha,
      double seconds) {}

  private final Supplier<? extends Env> factory;
  private final Config c;
  private final long seed;
  private final int o;
  private final int d;
  private final int z;
  private final int transitionSize;
  private final double[] scale;
  private final double[] offset;
  private final List<double[]> tasks;
  final SoftActorCritic agent;
  final PearlEncoder encoder;
  private final Adam encoderAdam;
  private final org.adaptrobot.models.nn.Mlp decoder;
  private final double[] decoderParams;
  private final Adam decoderAdam;
  private final ReplayBuffer[] rl;
  private final ReplayBuffer[] context;
  private final SplittableRandom random;
  private final boolean oracle;
  private long envSteps;
  private int iteration;

  public Pearl(Supplier<? extends Env> factory, Config c, long seed) {
    this(factory, c, seed, false);
  }

  /**
   * The oracle in the same harness: the latent is the task's true parameters (no encoder), the same
   * SAC, tasks, buffers and schedule — the return PEARL's inference can at best reach.
   */
  public static Pearl oracle(Supplier<? extends Env> factory, Config c, long seed) {
    return new Pearl(factory, c, seed, true);
  }

  private Pearl(Supplier<? extends Env> factory, Config c, long seed, boolean oracle) {
    this.oracle = oracle;
    this.factory = factory;
    this.c = c;
    this.seed = seed;
    Env probe = factory.get();
    this.o = probe.observationSpace().size();
    this.d = probe.actionSpace().size();
    this.z = oracle ? probe.tasks().size() : c.latentSize();
    this.transitionSize = c.observationPairs() ? 2 * o : 2 * o + d + 1;
    this.scale = new double[d];
    this.offset = new double[d];
    for (int j = 0; j < d; j++) {
      scale[j] = 0.5 * (probe.actionSpace().high(j) - probe.actionSpace().low(j));
      offset[j] = 0.5 * (probe.actionSpace().high(j) + probe.actionSpace().low(j));
    }
    SplittableRandom taskRandom = new SplittableRandom(seed * 104_729 + 3);
    this.tasks = new ArrayList<>();
    for (int i = 0; i < c.trainTasks(); i++) {
      tasks.add(probe.tasks().sample(TaskDistribution.Split.TRAIN, taskRandom));
    }
    this.agent =
        new SoftActorCritic(o + z, d, c.hidden(), c.learningRate(), c.tau(), c.gamma(), 1.0, seed);
    this.encoder = new PearlEncoder(transitionSize, z, c.encoderHidden(), seed + 1);
    this.encoderAdam = new Adam(encoder.parameters().length, c.learningRate());
    this.decoder =
        org.adaptrobot.models.nn.Mlp.of(
            o + z + d,
            c.hidden(),
            1,
            org.adaptrobot.models.nn.Activation.RELU,
            org.adaptrobot.models.nn.Activation.IDENTITY);
    this.decoderParams = new double[decoder.layout().size()];
    decoder.initialise(decoderParams, new SplittableRandom(seed + 2));
    this.decoderAdam = new Adam(decoderParams.length, c.learningRate());
    this.rl = new ReplayBuffer[c.trainTasks()];
    this.context = new ReplayBuffer[c.trainTasks()];
    for (int i = 0; i < c.trainTasks(); i++) {
      rl[i] = new ReplayBuffer(c.bufferPerTask(), o, d);
      context[i] = new ReplayBuffer(c.bufferPerTask(), o, d);
    }
    this.random = new SplittableRandom(seed * 7919 + 5);
  }

  public long envSteps() {
    return envSteps;
  }

  public int iteration() {
    return iteration;
  }

  public int latentSize() {
    return z;
  }

  /**
   * The size of one encoder input: (s, a, r, s′) with the action squashed into [−1, 1], or (s, s′)
   * with {@code observationPairs}.
   */
  public int transitionSize() {
    return transitionSize;
  }

  /**
   * The actor's parameters (a live view): input [s, z], output [μ, log σ] of the squashed action.
   */
  public double[] actorParameters() {
    return agent.actorParams;
  }

  /** The actor's network: [s, z] → [μ, log σ] of the squashed action. */
  public org.adaptrobot.models.nn.Mlp actorNetwork() {
    return agent.actor;
  }

  /** The encoder's parameters (a live view). */
  public double[] encoderParameters() {
    return encoder.parameters();
  }

  public double alpha() {
    return agent.alpha();
  }

  /**
   * Runs {@code iterations} iterations (the first also collects the initial prior episodes for
   * every training task); after every {@code evalEvery}-th, evaluates on {@code evalTasks}.
   */
  public List<Point> train(
      int iterations, int evalEvery, List<double[]> evalTasks, Consumer<Point> listener) {
    long t0 = System.nanoTime();
    List<Point> curve = new ArrayList<>();
    Env env = factory.get();
    SoftActorCritic.Batch batch = agent.new Batch(c.metaBatch() * c.rlBatch());
    Step step = new Step();
    for (int it = 0; it < iterations; it++) {
      if (iteration == 0) {
        for (int i = 0; i < tasks.size(); i++) {
          collect(env, i, c.initialEpisodes(), false);
        }
      }
      for (int k = 0; k < c.tasksPerIteration(); k++) {
        int i = random.nextInt(tasks.size());
        context[i].clear();
        collect(env, i, c.priorEpisodes(), false);
        collect(env, i, c.posteriorEpisodes(), true);
      }
      for (int g = 0; g < c.gradientSteps(); g++) {
        gradientStep(batch, step);
      }
      iteration++;
      if (evalEvery > 0 && (iteration % evalEvery == 0 || it == iterations - 1)) {
        double[] r = evaluate(evalTasks, 1_000_003L * seed + 11);
        Point p =
            new Point(
                iteration,
                envSteps,
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                alpha(),
                (System.nanoTime() - t0) * 1e-9);
        curve.add(p);
        if (listener != null) {
          listener.accept(p);
        }
      }
    }
    return curve;
  }

  /**
   * Episodes on training task i with sampled actions; z drawn per episode from the prior, or from
   * the posterior of the task's context ({@code posterior}: those go to the replay buffer only).
   */
  private void collect(Env env, int i, int episodes, boolean posterior) {
    env.task(tasks.get(i));
    double[] state = new double[o + z];
    double[] next = new double[o];
    double[] a = new double[d];
    double[] envAction = new double[d];
    double[] latent = new double[z];
    Env.Status st = new Env.Status();
    for (int e = 0; e < episodes; e++) {
      if (oracle) {
        System.arraycopy(tasks.get(i), 0, latent, 0, z);
      } else if (posterior && context[i].size() > 0) {
        PearlEncoder.Pass p = encodeContext(i, noise());
        System.arraycopy(p.z(), 0, latent, 0, z);
      } else {
        for (int j = 0; j < z; j++) {
          latent[j] = GaussianPolicy.standardNormal(random);
        }
      }
      env.reset(random.nextLong(), state);
      System.arraycopy(latent, 0, state, o, z);
      do {
        agent.act(state, random, a);
        for (int j = 0; j < d; j++) {
          envAction[j] = offset[j] + scale[j] * a[j];
        }
        double r = env.step(envAction, next, st);
        envSteps++;
        rl[i].add(state, a, r, next, st.terminated);
        if (!posterior) {
          context[i].add(state, a, r, next, st.terminated);
        }
        System.arraycopy(next, 0, state, 0, o);
      } while (!st.done());
    }
  }

  private double[] noise() {
    double[] eps = new double[z];
    for (int j = 0; j < z; j++) {
      eps[j] = GaussianPolicy.standardNormal(random);
    }
    return eps;
  }

  /** Scratch of a gradient step. */
  private final class Step {
    final int[] chosen = new int[c.metaBatch()];
    final double[] ctx = new double[c.contextBatch() * transitionSize];
    final double[] cs = new double[c.contextBatch() * o];
    final double[] ca = new double[c.contextBatch() * d];
    final double[] cr = new double[c.contextBatch()];
    final double[] cs2 = new double[c.contextBatch() * o];
    final boolean[] cterm = new boolean[c.contextBatch()];
    final double[] s = new double[c.rlBatch() * o];
    final double[] a = new double[c.rlBatch() * d];
    final double[] r = new double[c.rlBatch()];
    final double[] s2 = new double[c.rlBatch() * o];
    final boolean[] term = new boolean[c.rlBatch()];
    final PearlEncoder.Pass[] passes = new PearlEncoder.Pass[c.metaBatch()];
    final double[] encoderGrad = new double[encoder.parameters().length];
    final double[] dLdz = new double[z];
    final int rows = c.metaBatch() * c.rlBatch();
    final double[] decoderIn = new double[rows * (o + z + d)];
    final double[] decoderGradOut = new double[rows];
    final double[] decoderGradIn = new double[rows * (o + z + d)];
    final double[] decoderGrad = new double[decoderParams.length];
    final org.adaptrobot.models.nn.ModelTape decoderTape = decoder.newTape(rows);
  }

  /** A meta-batch of distinct tasks: context → z per task, the SAC step on [s, z], the encoder. */
  private void gradientStep(SoftActorCritic.Batch b, Step st) {
    int m = c.metaBatch();
    int n = c.rlBatch();
    int w = o + z;
    chooseTasks(st.chosen);
    for (int t = 0; t < m; t++) {
      int i = st.chosen[t];
      double[] latent;
      if (oracle) {
        latent = tasks.get(i);
      } else {
        st.passes[t] = encodeContext(i, noise(), st);
        latent = st.passes[t].z();
      }
      rl[i].sample(n, random, st.s, st.a, st.r, st.s2, st.term);
      for (int k = 0; k < n; k++) {
        int row = t * n + k;
        System.arraycopy(st.s, k * o, b.s, row * w, o);
        System.arraycopy(latent, 0, b.s, row * w + o, z);
        System.arraycopy(st.s2, k * o, b.s2, row * w, o);
        System.arraycopy(latent, 0, b.s2, row * w + o, z);
        System.arraycopy(st.a, k * d, b.a, row * d, d);
        b.r[row] = c.rewardScale() * st.r[k];
        b.term[row] = st.term[k];
      }
    }
    agent.update(b, random, !oracle);
    if (oracle) {
      return;
    }
    boolean decoding = c.rewardDecoder() > 0;
    if (decoding) {
      decoderStep(b, st);
    }
    java.util.Arrays.fill(st.encoderGrad, 0);
    int di = o + z + d;
    for (int t = 0; t < m; t++) {
      java.util.Arrays.fill(st.dLdz, 0);
      for (int k = 0; k < n; k++) {
        int row = t * n + k;
        for (int j = 0; j < z; j++) {
          st.dLdz[j] += b.stateGrad[row * w + o + j];
          if (decoding) {
            st.dLdz[j] += st.decoderGradIn[row * di + o + j];
          }
        }
      }
      encoder.backward(encoder.parameters(), st.passes[t], st.dLdz, c.klWeight(), st.encoderGrad);
    }
    encoderAdam.step(encoder.parameters(), st.encoderGrad);
  }

  /**
   * The reward decoder's step on the RL batch: ½ weight · mean (r̂(s, z, a) − r)² with r the
   * critics' (scaled) reward; its gradient with respect to z is left in {@code decoderGradIn}.
   */
  private void decoderStep(SoftActorCritic.Batch b, Step st) {
    int rows = b.n;
    int w = o + z;
    int di = w + d;
    for (int i = 0; i < rows; i++) {
      System.arraycopy(b.s, i * w, st.decoderIn, i * di, w);
      System.arraycopy(b.a, i * d, st.decoderIn, i * di + w, d);
    }
    double[] pred = decoder.forward(decoderParams, st.decoderIn, rows, st.decoderTape);
    for (int i = 0; i < rows; i++) {
      st.decoderGradOut[i] = c.rewardDecoder() * (pred[i] - b.r[i]) / rows;
    }
    java.util.Arrays.fill(st.decoderGrad, 0);
    decoder.backward(
        decoderParams, st.decoderTape, st.decoderGradOut, st.decoderGrad, st.decoderGradIn);
    decoderAdam.step(decoderParams, st.decoderGrad);
  }

  /** Distinct training tasks (a partial shuffle). */
  private void chooseTasks(int[] chosen) {
    int[] all = new int[tasks.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    for (int k = 0; k < chosen.length; k++) {
      int j = k + random.nextInt(all.length - k);
      int tmp = all[k];
      all[k] = all[j];
      all[j] = tmp;
      chosen[k] = all[k];
    }
  }

  private PearlEncoder.Pass encodeContext(int i, double[] eps) {
    if (collecting == null) {
      collecting = new Step();
    }
    return encodeContext(i, eps, collecting);
  }

  /** Scratch of the context encodings while collecting (made once). */
  private Step collecting;

  private PearlEncoder.Pass encodeContext(int i, double[] eps, Step st) {
    int n = c.contextBatch();
    context[i].sample(n, random, st.cs, st.ca, st.cr, st.cs2, st.cterm);
    for (int k = 0; k < n; k++) {
      writeTransition(
          st.cs, k * o, st.ca, k * d, st.cr[k], st.cs2, k * o, st.ctx, k * transitionSize);
    }
    return encoder.sample(encoder.parameters(), st.ctx, n, eps);
  }

  /** (s, a, r, s′) as the encoder reads it; (s, s′) with {@code observationPairs}. */
  private void writeTransition(
      double[] s,
      int so,
      double[] a,
      int ao,
      double r,
      double[] s2,
      int s2o,
      double[] out,
      int off) {
    System.arraycopy(s, so, out, off, o);
    if (c.observationPairs()) {
      System.arraycopy(s2, s2o, out, off + o, o);
      return;
    }
    System.arraycopy(a, ao, out, off + o, d);
    out[off + o + d] = r;
    System.arraycopy(s2, s2o, out, off + o + d + 1, o);
  }

  /**
   * Mean returns over the tasks (deterministic actions): [first episode with z from the prior,
   * second with z from the posterior of the first's transitions, an episode with the posterior
   * updated after every transition and z its mean], then the R² with which the posterior means
   * after the first episodes linearly predict the tasks' parameters, the posterior's standard
   * deviation (mean over tasks and dimensions) and the standard deviation of its mean across tasks
   * (mean over dimensions).
   */
  public double[] evaluate(List<double[]> evalTasks, long evalSeed) {
    int n = evalTasks.size();
    double[] sums = new double[6];
    double[][] means = new double[n][];
    for (int t = 0; t < n; t++) {
      double[] r = evaluateTask(evalTasks.get(t), evalSeed + t);
      int w = (r.length - 3) / 2;
      for (int k = 0; k < 3; k++) {
        sums[k] += r[k] / n;
      }
      means[t] = java.util.Arrays.copyOfRange(r, 3, 3 + w);
      for (int j = 0; j < w; j++) {
        sums[4] += r[3 + w + j] / (n * w);
      }
    }
    sums[3] = linearR2(means, evalTasks);
    int w = means[0].length;
    for (int j = 0; j < w; j++) {
      double m = 0;
      for (double[] row : means) {
        m += row[j] / n;
      }
      double v = 0;
      for (double[] row : means) {
        v += (row[j] - m) * (row[j] - m) / n;
      }
      sums[5] += Math.sqrt(v) / w;
    }
    return sums;
  }

  /**
   * R² of the least-squares linear map (with bias, a little ridge) from x to each column of y,
   * averaged over the columns.
   */
  static double linearR2(double[][] x, List<double[]> y) {
    int n = x.length;
    int p = x[0].length + 1;
    double[] a = new double[p * p];
    for (double[] row : x) {
      for (int i = 0; i < p; i++) {
        for (int j = 0; j < p; j++) {
          a[i * p + j] += feature(row, i) * feature(row, j);
        }
      }
    }
    for (int i = 0; i < p; i++) {
      a[i * p + i] += 1e-9 * n;
    }
    double total = 0;
    int columns = y.get(0).length;
    for (int c = 0; c < columns; c++) {
      double[] b = new double[p];
      double mean = 0;
      for (int k = 0; k < n; k++) {
        mean += y.get(k)[c] / n;
        for (int i = 0; i < p; i++) {
          b[i] += feature(x[k], i) * y.get(k)[c];
        }
      }
      double[] w = solve(a.clone(), b, p);
      double sse = 0;
      double sst = 0;
      for (int k = 0; k < n; k++) {
        double pred = 0;
        for (int i = 0; i < p; i++) {
          pred += w[i] * feature(x[k], i);
        }
        sse += (pred - y.get(k)[c]) * (pred - y.get(k)[c]);
        sst += (y.get(k)[c] - mean) * (y.get(k)[c] - mean);
      }
      total += (sst == 0 ? 0 : 1 - sse / sst) / columns;
    }
    return total;
  }

  private static double feature(double[] row, int i) {
    return i == row.length ? 1 : row[i];
  }

  /** Gaussian elimination with partial pivoting on a p×p system (small, well-posed). */
  private static double[] solve(double[] a, double[] b, int p) {
    for (int col = 0; col < p; col++) {
      int pivot = col;
      for (int r = col + 1; r < p; r++) {
        if (Math.abs(a[r * p + col]) > Math.abs(a[pivot * p + col])) {
          pivot = r;
        }
      }
      for (int j = 0; j < p; j++) {
        double t = a[col * p + j];
        a[col * p + j] = a[pivot * p + j];
        a[pivot * p + j] = t;
      }
      double t = b[col];
      b[col] = b[pivot];
      b[pivot] = t;
      for (int r = col + 1; r < p; r++) {
        double f = a[r * p + col] / a[col * p + col];
        for (int j = col; j < p; j++) {
          a[r * p + j] -= f * a[col * p + j];
        }
        b[r] -= f * b[col];
      }
    }
    double[] w = new double[p];
    for (int r = p - 1; r >= 0; r--) {
      double v = b[r];
      for (int j = r + 1; j < p; j++) {
        v -= a[r * p + j] * w[j];
      }
      w[r] = v / a[r * p + r];
    }
    return w;
  }

  /**
   * The three returns of {@link #evaluate} on one task, then the posterior mean after the first.
   */
  public double[] evaluateTask(double[] task, long evalSeed) {
    SplittableRandom r = new SplittableRandom(evalSeed);
    Env env = factory.get();
    env.task(task);
    if (oracle) {
      double told = episode(env, r.nextLong(), task, null, null);
      double[] out = new double[3 + 2 * task.length];
      out[0] = told;
      out[1] = told;
      out[2] = told;
      System.arraycopy(task, 0, out, 3, task.length);
      return out;
    }
    double[] latent = new double[z];
    for (int j = 0; j < z; j++) {
      latent[j] = GaussianPolicy.standardNormal(r);
    }
    List<double[]> seen = new ArrayList<>();
    double first = episode(env, r.nextLong(), latent, seen, null);
    double[] ctx = new double[seen.size() * transitionSize];
    for (int k = 0; k < seen.size(); k++) {
      System.arraycopy(seen.get(k), 0, ctx, k * transitionSize, transitionSize);
    }
    double[] eps = new double[z];
    for (int j = 0; j < z; j++) {
      eps[j] = GaussianPolicy.standardNormal(r);
    }
    PearlEncoder.Pass p = encoder.sample(encoder.parameters(), ctx, seen.size(), eps);
    double second = episode(env, r.nextLong(), p.z(), null, null);
    GaussianPosterior online = new GaussianPosterior(z, 1 << 20);
    double third = episode(env, r.nextLong(), new double[z], null, online);
    double[] out = new double[3 + 2 * z];
    out[0] = first;
    out[1] = second;
    out[2] = third;
    System.arraycopy(p.mean(), 0, out, 3, z);
    for (int j = 0; j < z; j++) {
      out[3 + z + j] = Math.sqrt(p.variance()[j]);
    }
    return out;
  }

  /**
   * One deterministic episode with the given latent; with {@code online} the latent is the mean of
   * that posterior, which takes each transition's factor as it happens.
   */
  double episode(Env env, long s, double[] latent, List<double[]> seen, GaussianPosterior online) {
    double[] state = new double[o + z];
    double[] next = new double[o];
    double[] a = new double[d];
    double[] envAction = new double[d];
    double[] mean = new double[z];
    double[] var = new double[z];
    double[] transition = new double[transitionSize];
    Env.Status st = new Env.Status();
    env.reset(s, state);
    System.arraycopy(latent, 0, state, o, z);
    double total = 0;
    do {
      agent.mean(state, a);
      for (int j = 0; j < d; j++) {
        envAction[j] = offset[j] + scale[j] * a[j];
      }
      double r = env.step(envAction, next, st);
      total += r;
      writeTransition(state, 0, a, 0, r, next, 0, transition, 0);
      if (seen != null) {
        seen.add(transition.clone());
      }
      System.arraycopy(next, 0, state, 0, o);
      if (online != null) {
        encoder.factor(encoder.parameters(), transition, mean, var);
        online.add(mean, var, 0);
        online.posterior(mean, var);
        System.arraycopy(mean, 0, state, o, z);
      }
    } while (!st.done());
    return total;
  }
}
