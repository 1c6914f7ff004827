package org.adaptrobot.trainer.rl;

import static org.adaptrobot.trainer.io.CheckpointArrays.putAdam;
import static org.adaptrobot.trainer.io.CheckpointArrays.require;
import static org.adaptrobot.trainer.io.CheckpointArrays.restoreAdam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GruNetwork;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.sim.env.Env;

/**
 * RL² (Duan et al. 2016; Wang et al. 2016): a recurrent Gaussian policy meta-trained with PPO over
 * whole trials, so that its hidden state learns to adapt. The policy's input at step t is [o_t,
 * a_{t−1}, r_{t−1}, d_{t−1}] (the previous action as applied, i.e. clipped into the action space,
 * the previous reward, and whether the previous step ended an episode); a trial is K episodes of
 * one task; the hidden state starts at zero at the start of a trial and is carried across its
 * episodes. The trial is the unit of everything: its return (over all K episodes) is what PPO
 * maximises, the advantages are GAE over the trial with the linear feature baseline (as MAML and
 * ProMP use it; step index = step in the trial) or, with {@code recurrentCritic}, with a value
 * function of its own GRU on the same inputs (it sees what the trial has revealed, which a baseline
 * on the observation cannot), trained by regression on the GAE returns through whole trials; PPO's
 * gradient goes through the whole trial by backpropagation through time — no truncation: the trials
 * here are a few hundred steps, BPTT over them costs one sequence pass, and a truncated gradient
 * would cut exactly the dependence of late episodes on what the first one revealed.
 *
 * <p>Parameters: the GRU with its MLP head (the action mean) followed by a state-independent {@code
 * log_std}. Sampling is per-trial seeded, so an iteration is bit-identical for any thread count.
 * With {@code switchProbability} > 0 a trial's task may also change at a random step inside it (a
 * robot changes while it drives, not only between episodes), so the policy learns to re-infer it.
 */
public final class Rl2 implements RemoteSampling.Learner<Rl2.Trial> {

  /** Settings. */
  public record Config(
      int trials,
      int episodesPerTrial,
      int horizon,
      int hiddenSize,
      int[] head,
      double initialLogStd,
      int epochs,
      int minibatchTrials,
      double learningRate,
      double clip,
      double gamma,
      double lambda,
      double maxGradNorm,
      double switchProbability,
      boolean recurrentCritic,
      double targetKl)
      implements java.io.Serializable {

    /**
     * Settings whose trials keep one task throughout, with the linear feature baseline and no KL
     * early stop.
     */
    public Config(
        int trials,
        int episodesPerTrial,
        int horizon,
        int hiddenSize,
        int[] head,
        double initialLogStd,
        int epochs,
        int minibatchTrials,
        double learningRate,
        double clip,
        double gamma,
        double lambda,
        double maxGradNorm) {
      this(
          trials,
          episodesPerTrial,
          horizon,
          hiddenSize,
          head,
          initialLogStd,
          epochs,
          minibatchTrials,
          learningRate,
          clip,
          gamma,
          lambda,
          maxGradNorm,
          0,
          false,
          Double.NaN);
    }

    /** 2D navigation: 2 episodes of 100 steps per trial, 20 trials per iteration. */
    public static Config pointNavigation() {
      return new Config(20, 2, 100, 64, new int[0], -0.5, 5, 5, 1e-3, 0.2, 0.99, 0.97, 0.5);
    }

    /** The same settings where a trial's task changes at a random step with probability p. */
    public Config withSwitchProbability(double p) {
      return with(p, recurrentCritic, targetKl);
    }

    /** The same settings with a recurrent critic (true) or the linear baseline (false). */
    public Config withRecurrentCritic(boolean on) {
      return with(switchProbability, on, targetKl);
    }

    /**
     * The same settings with PPO's early stop (as Stable-Baselines3): an iteration's epochs end
     * before a minibatch step whose approximate KL from the sampling policy exceeds 1.5 × this
     * (NaN: never).
     */
    public Config withTargetKl(double kl) {
      return with(switchProbability, recurrentCritic, kl);
    }

    private Config with(double switching, boolean critic, double kl) {
      return new Config(
          trials,
          episodesPerTrial,
          horizon,
          hiddenSize,
          head,
          initialLogStd,
          epochs,
          minibatchTrials,
          learningRate,
          clip,
          gamma,
          lambda,
          maxGradNorm,
          switching,
          critic,
          kl);
    }

    /**
     * The robot's velocity tracking ({@link RobotMetaRl#env()}): a trial is one continuous 10 s
     * drive (a robot has no episodes: the done flag stays 0, as on the robot), and in half of them
     * the robot changes at a random moment of the drive, so the policy learns to notice and
     * re-infer. The log-std starts where the robot's meta-learners start.
     */
    public static Config robot() {
      return new Config(
              20,
              1,
              (int) (10 * RobotMetaRl.RATE_HZ),
              64,
              new int[0],
              -1.0,
              5,
              5,
              1e-3,
              0.2,
              0.99,
              0.97,
              0.5)
          .withSwitchProbability(0.5);
    }
  }

  /**
   * One iteration's figures: the mean return of each episode of the trials, the iteration's time
   * and the part of it the PPO update took (the rest is sampling and advantages).
   */
  public record Point(
      int iteration,
      long envSteps,
      double[] episodeReturns,
      double seconds,
      double updateSeconds) {}

  /**
   * One trial's record, time-major over its K·H steps; {@code switchStep} is the trial step from
   * which {@code switchedTo} is the task (−1: no change in this trial).
   */
  record Trial(
      double[][] inputs,
      double[] obs,
      double[] actions,
      double[] logProbs,
      double[] rewards,
      double[] episodeReturns,
      double[] hiddenNormAtEpisodeStart,
      int switchStep,
      double[] switchedTo)
      implements java.io.Serializable {}

  private final Supplier<? extends Env> factory;
  private final Config c;
  private final long seed;
  private final GruNetwork net;
  private final double[] params;
  private final int logStd;
  private final int o;
  private final int d;
  private final int in;
  private final int steps;
  private final Adam adam;
  private final GruNetwork critic;
  private final double[] criticParams;
  private final Adam criticAdam;
  private double lastKl;
  private long earlyStops;
  private final List<Point> curve = new ArrayList<>();
  private long envSteps;
  private int iteration;

  public Rl2(Supplier<? extends Env> factory, Config c, long seed) {
    this.factory = factory;
    this.c = c;
    this.seed = seed;
    Env probe = factory.get();
    this.o = probe.observationSpace().size();
    this.d = probe.actionSpace().size();
    this.in = o + d + 2;
    this.steps = c.episodesPerTrial() * c.horizon();
    this.net =
        new GruNetwork(
            in,
            c.hiddenSize(),
            GruNetwork.head(c.hiddenSize(), c.head(), d, Activation.TANH, Activation.IDENTITY));
    this.logStd = net.layout().size();
    this.params = new double[logStd + d];
    net.initialise(params, new SplittableRandom(seed));
    // a small output layer, as the PPO baselines start: actions near zero at first
    var last = net.headNetwork().layout().slice(net.headNetwork().weightName(c.head().length));
    int headOffset = net.layout().size() - net.headNetwork().layout().size();
    for (int i = headOffset + last.offset(); i < headOffset + last.end(); i++) {
      params[i] *= 0.01;
    }
    Arrays.fill(params, logStd, logStd + d, c.initialLogStd());
    this.adam = new Adam(params.length, c.learningRate());
    if (c.recurrentCritic()) {
      critic =
          new GruNetwork(
              in,
              c.hiddenSize(),
              GruNetwork.head(c.hiddenSize(), c.head(), 1, Activation.TANH, Activation.IDENTITY));
      criticParams = new double[critic.layout().size()];
      critic.initialise(criticParams, new SplittableRandom(seed ^ 0xC817L));
      criticAdam = new Adam(criticParams.length, c.learningRate());
    } else {
      critic = null;
      criticParams = null;
      criticAdam = null;
    }
  }

  public GruNetwork network() {
    return net;
  }

  /** The parameters: the network's, then log_std (a live view). */
  public double[] parameters() {
    return params;
  }

  public int inputSize() {
    return in;
  }

  public List<Point> curve() {
    return List.copyOf(curve);
  }

  /** The state for a checkpoint: parameters, optimiser, iteration, env steps, curve. */
  public java.util.Map<String, double[]> state() {
    java.util.Map<String, double[]> m = new java.util.LinkedHashMap<>();
    m.put("params", params.clone());
    putAdam(m, "adam", adam);
    if (critic != null) {
      m.put("critic", criticParams.clone());
      putAdam(m, "critic_adam", criticAdam);
    }
    m.put("iteration", new double[] {iteration});
    m.put("env_steps", new double[] {envSteps});
    int k = c.episodesPerTrial();
    double[] points = new double[curve.size() * (k + 4)];
    for (int i = 0; i < curve.size(); i++) {
      Point p = curve.get(i);
      points[i * (k + 4)] = p.iteration();
      points[i * (k + 4) + 1] = p.envSteps();
      points[i * (k + 4) + 2] = p.seconds();
      points[i * (k + 4) + 3] = p.updateSeconds();
      System.arraycopy(p.episodeReturns(), 0, points, i * (k + 4) + 4, k);
    }
    m.put("curve", points);
    return m;
  }

  /** Continues from a {@link #state} of a run with the same settings and seed. */
  public void restore(java.util.Map<String, double[]> state) {
    System.arraycopy(require(state, "params", params.length), 0, params, 0, params.length);
    restoreAdam(state, "adam", adam);
    if (critic != null) {
      System.arraycopy(
          require(state, "critic", criticParams.length), 0, criticParams, 0, criticParams.length);
      restoreAdam(state, "critic_adam", criticAdam);
    }
    iteration = (int) require(state, "iteration", 1)[0];
    envSteps = (long) require(state, "env_steps", 1)[0];
    int k = c.episodesPerTrial();
    double[] points = state.get("curve");
    if (points == null || points.length % (k + 4) != 0) {
      throw new IllegalArgumentException(
          "checkpoint: no learning curve of " + (k + 4) + "-value rows");
    }
    curve.clear();
    for (int i = 0; i < points.length / (k + 4); i++) {
      int o0 = i * (k + 4);
      curve.add(
          new Point(
              (int) points[o0],
              (long) points[o0 + 1],
              Arrays.copyOfRange(points, o0 + 4, o0 + 4 + k),
              points[o0 + 2],
              points[o0 + 3]));
    }
  }

  /** One iteration: a batch of trials on training tasks, then PPO epochs over whole trials. */
  public Point iterate(ExecutorService pool, int threads) {
    long t0 = System.nanoTime();
    iteration++;
    List<double[]> tasks = MetaBatch.trainingTasks(factory, seed, iteration, c.trials());
    double[] theta = params.clone();
    List<Trial> trials = work.sample(pool, threads, iteration, tasks, theta);
    envSteps += (long) c.trials() * steps;
    double[] returns = critic == null ? null : new double[trials.size() * steps];
    double[] adv = critic == null ? advantages(trials) : criticAdvantages(trials, returns);
    SplittableRandom shuffle = new SplittableRandom(seed * 31 + iteration);
    int[] order = new int[trials.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    double[] grad = new double[params.length];
    long u0 = System.nanoTime();
    epochs:
    for (int epoch = 0; epoch < c.epochs(); epoch++) {
      for (int i = order.length - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int start = 0; start < order.length; start += c.minibatchTrials()) {
        int[] batch =
            Arrays.copyOfRange(order, start, Math.min(order.length, start + c.minibatchTrials()));
        lossAndGradient(params, trials, adv, batch, grad);
        if (lastKl > 1.5 * c.targetKl()) { // false for NaN
          earlyStops++;
          break epochs;
        }
        clip(grad, c.maxGradNorm());
        adam.step(params, grad);
        if (critic != null) {
          double[] cg = new double[criticParams.length];
          criticLossAndGradient(criticParams, trials, returns, batch, cg);
          clip(cg, c.maxGradNorm());
          criticAdam.step(criticParams, cg);
        }
      }
    }
    double[] episodes = new double[c.episodesPerTrial()];
    for (Trial t : trials) {
      for (int k = 0; k < episodes.length; k++) {
        episodes[k] += t.episodeReturns()[k] / trials.size();
      }
    }
    long end = System.nanoTime();
    Point p = new Point(iteration, envSteps, episodes, (end - t0) * 1e-9, (end - u0) * 1e-9);
    curve.add(p);
    return p;
  }

  /** Trial {@code i} of meta-iteration {@code it} (what threads and cluster members run alike). */
  @Override
  public Trial sample(int it, int i, double[] task, double[] theta) {
    return sample(theta, task, MetaBatch.taskSeed(seed, it, i));
  }

  /** How cluster members rebuild an RL² run (its environment by name, settings and seed). */
  public record Recipe(String env, Config config, long seed) implements RemoteSampling.Recipe<Rl2> {
    @Override
    public Rl2 learner() {
      return new Rl2(RlEnvs.metaRl(env), config, seed);
    }
  }

  private RemoteSampling<Rl2, Trial> work = new RemoteSampling<>(this);

  /**
   * From now on samples each iteration's trials on {@code cluster}'s members (the PPO epochs stay
   * here); the result is the same.
   */
  public void distribute(org.adaptrobot.trainer.cluster.Cluster cluster, Recipe recipe) {
    this.work = work.distribute(cluster, recipe);
  }

  /** Runs one trial of a task with the policy θ (sampled actions). */
  Trial sample(double[] theta, double[] task, long trialSeed) {
    Env env = TaskEnvs.fixed(factory, task).get();
    SplittableRandom random = new SplittableRandom(trialSeed);
    // a change of the task inside the trial (a robot changes while it drives, not only between
    // episodes): with probability p, at a uniform step after the first, to a new training task
    SplittableRandom taskRandom = new SplittableRandom(trialSeed ^ 0x5EEDC0FFEEL);
    int switchStep = -1;
    double[] switchedTo = null;
    if (c.switchProbability() > 0 && taskRandom.nextDouble() < c.switchProbability()) {
      switchStep = 1 + taskRandom.nextInt(steps - 1);
      switchedTo =
          env.tasks().sample(org.adaptrobot.sim.env.TaskDistribution.Split.TRAIN, taskRandom);
    }
    GruNetwork.Workspace ws = net.newWorkspace();
    double[] h = new double[c.hiddenSize()];
    double[] ob = new double[o];
    double[] mu = new double[d];
    double[] a = new double[d];
    double[] prevAction = new double[d];
    double prevReward = 0;
    boolean episodeEnded = false;
    double[][] inputs = new double[steps][in];
    double[] obs = new double[steps * o];
    double[] actions = new double[steps * d];
    double[] logProbs = new double[steps];
    double[] rewards = new double[steps];
    double[] episodeReturns = new double[c.episodesPerTrial()];
    double[] hiddenNorm = new double[c.episodesPerTrial()];
    Env.Status status = new Env.Status();
    for (int t = 0; t < steps; t++) {
      int episode = t / c.horizon();
      if (t % c.horizon() == 0) {
        env.reset(trialSeed * 131 + episode, ob);
        if (switchStep >= t && switchStep < t + c.horizon()) {
          env.switchTaskAt(switchStep - t, switchedTo);
        }
        double n = 0;
        for (double v : h) {
          n += v * v;
        }
        hiddenNorm[episode] = Math.sqrt(n);
      }
      double[] x = inputs[t];
      input(ob, prevAction, prevReward, episodeEnded, x);
      System.arraycopy(ob, 0, obs, t * o, o);
      net.step(params(theta), x, h, h, mu, ws);
      double lp = 0;
      for (int j = 0; j < d; j++) {
        double s = theta[logStd + j];
        double e = Sampler.gaussian(random);
        a[j] = mu[j] + Math.exp(s) * e;
        lp += -0.5 * e * e - s - 0.5 * Math.log(2 * Math.PI);
      }
      System.arraycopy(a, 0, actions, t * d, d);
      logProbs[t] = lp;
      double r = env.step(a, ob, status);
      if (status.terminated && (t + 1) % c.horizon() != 0) {
        throw new IllegalStateException(
            "RL² needs episodes of a fixed length: the environment ended one after "
                + (t % c.horizon() + 1)
                + " of "
                + c.horizon()
                + " steps");
      }
      rewards[t] = r;
      episodeReturns[episode] += r;
      // the previous action as the environment applied it (clipped into the action space), as
      // the robot's loop feeds back the action its safety layer applied
      for (int j = 0; j < d; j++) {
        prevAction[j] = env.actionSpace().clip(a[j], j);
      }
      prevReward = r;
      episodeEnded = (t + 1) % c.horizon() == 0;
    }
    return new Trial(
        inputs,
        obs,
        actions,
        logProbs,
        rewards,
        episodeReturns,
        hiddenNorm,
        switchStep,
        switchedTo);
  }

  private static double[] params(double[] theta) {
    return theta; // the GRU reads its slices from the front of the vector
  }

  /** The policy's input: [o, previous action, previous reward, previous step ended an episode]. */
  static void input(
      double[] obs, double[] prevAction, double prevReward, boolean ended, double[] x) {
    System.arraycopy(obs, 0, x, 0, obs.length);
    System.arraycopy(prevAction, 0, x, obs.length, prevAction.length);
    x[obs.length + prevAction.length] = prevReward;
    x[obs.length + prevAction.length + 1] = ended ? 1 : 0;
  }

  /** GAE over each trial on the linear feature baseline; normalised; trial-major [trial][t]. */
  double[] advantages(List<Trial> trials) {
    int n = trials.size();
    RolloutBuffer buf = new RolloutBuffer(steps, n, o, d);
    for (int i = 0; i < n; i++) {
      Trial tr = trials.get(i);
      for (int t = 0; t < steps; t++) {
        int k = t * n + i;
        System.arraycopy(tr.obs(), t * o, buf.obs, k * o, o);
        buf.rewards[k] = tr.rewards()[t];
        buf.episodeStep[k] = t;
        buf.terminated[k] = t == steps - 1; // the trial's return ends with it
      }
    }
    LinearFeatureBaseline baseline = new LinearFeatureBaseline();
    baseline.fit(buf, c.gamma());
    baseline.apply(buf);
    buf.computeGae(c.gamma(), c.lambda());
    double[] adv = Trpo.normalised(buf.advantages, buf.size());
    double[] out = new double[adv.length];
    for (int i = 0; i < n; i++) {
      for (int t = 0; t < steps; t++) {
        out[i * steps + t] = adv[t * n + i];
      }
    }
    return out;
  }

  /** The critic's values over each trial, [trial][t] (whole sequences from a zero state). */
  double[][] values(double[] phi, List<Trial> trials) {
    int n = trials.size();
    double[][] inputs = stacked(trials, java.util.stream.IntStream.range(0, n).toArray());
    GruNetwork.SequenceTape tape = critic.newSequenceTape(steps, n);
    critic.forward(phi, inputs, null, steps, n, tape);
    double[][] v = new double[n][steps];
    for (int t = 0; t < steps; t++) {
      double[] y = tape.output(t);
      for (int b = 0; b < n; b++) {
        v[b][t] = y[b];
      }
    }
    return v;
  }

  /**
   * GAE over each trial on the recurrent critic's values (the trial's end is terminal); writes the
   * value targets (advantage + value) into {@code returns} and returns the normalised advantages,
   * trial-major [trial][t].
   */
  double[] criticAdvantages(List<Trial> trials, double[] returns) {
    double[][] v = values(criticParams, trials);
    int n = trials.size();
    double[] adv = new double[n * steps];
    for (int i = 0; i < n; i++) {
      double[] r = trials.get(i).rewards();
      double gae = 0;
      for (int t = steps - 1; t >= 0; t--) {
        double next = t == steps - 1 ? 0 : v[i][t + 1];
        double delta = r[t] + c.gamma() * next - v[i][t];
        gae = delta + c.gamma() * c.lambda() * gae;
        adv[i * steps + t] = gae;
        returns[i * steps + t] = gae + v[i][t];
      }
    }
    return Trpo.normalised(adv, adv.length);
  }

  /** ½·mean (V − target)² over the trials in {@code batch}; writes its gradient (BPTT). */
  double criticLossAndGradient(
      double[] phi, List<Trial> trials, double[] returns, int[] batch, double[] grad) {
    int m = batch.length;
    double[][] inputs = stacked(trials, batch);
    GruNetwork.SequenceTape tape = critic.newSequenceTape(steps, m);
    critic.forward(phi, inputs, null, steps, m, tape);
    double[][] gradOut = new double[steps][m];
    double count = (double) m * steps;
    double loss = 0;
    for (int t = 0; t < steps; t++) {
      double[] y = tape.output(t);
      for (int b = 0; b < m; b++) {
        double e = y[b] - returns[batch[b] * steps + t];
        loss += 0.5 * e * e / count;
        gradOut[t][b] = e / count;
      }
    }
    Arrays.fill(grad, 0);
    critic.backward(phi, tape, gradOut, null, grad, null, null);
    return loss;
  }

  /** The inputs of the trials in {@code batch}, time-major: [t][b·in + i]. */
  private double[][] stacked(List<Trial> trials, int[] batch) {
    double[][] inputs = new double[steps][batch.length * in];
    for (int b = 0; b < batch.length; b++) {
      Trial tr = trials.get(batch[b]);
      for (int t = 0; t < steps; t++) {
        System.arraycopy(tr.inputs()[t], 0, inputs[t], b * in, in);
      }
    }
    return inputs;
  }

  /** Iterations whose epochs the KL early stop ended. */
  public long earlyStops() {
    return earlyStops;
  }

  /** The recurrent critic's parameters (a live view), or null with the linear baseline. */
  public double[] criticParameters() {
    return criticParams;
  }

  /**
   * PPO's clipped surrogate over the trials in {@code batch} (whole sequences from a zero hidden
   * state), L = −mean min(ρA, clip(ρ)A); writes dL/dθ (BPTT through each trial) into {@code grad}
   * and returns L.
   */
  double lossAndGradient(
      double[] theta, List<Trial> trials, double[] adv, int[] batch, double[] grad) {
    int m = batch.length;
    double[][] inputs = stacked(trials, batch);
    GruNetwork.SequenceTape tape = net.newSequenceTape(steps, m);
    net.forward(theta, inputs, null, steps, m, tape);
    double[][] gradOut = new double[steps][m * d];
    Arrays.fill(grad, 0);
    double loss = 0;
    double kl = 0;
    double count = (double) m * steps;
    for (int t = 0; t < steps; t++) {
      double[] y = tape.output(t);
      for (int b = 0; b < m; b++) {
        Trial tr = trials.get(batch[b]);
        double lp = 0;
        for (int j = 0; j < d; j++) {
          double s = theta[logStd + j];
          double u = (tr.actions()[t * d + j] - y[b * d + j]) * Math.exp(-s);
          lp += -0.5 * u * u - s - 0.5 * Math.log(2 * Math.PI);
        }
        double ratio = Math.exp(lp - tr.logProbs()[t]);
        kl += (ratio - 1 - (lp - tr.logProbs()[t])) / count;
        double a = adv[batch[b] * steps + t];
        double unclipped = ratio * a;
        double clipped = Math.max(1 - c.clip(), Math.min(1 + c.clip(), ratio)) * a;
        loss -= Math.min(unclipped, clipped) / count;
        if (unclipped <= clipped) {
          double dLdlp = -ratio * a / count;
          for (int j = 0; j < d; j++) {
            double s = theta[logStd + j];
            double diff = tr.actions()[t * d + j] - y[b * d + j];
            double inv = Math.exp(-2 * s);
            gradOut[t][b * d + j] = dLdlp * diff * inv;
            grad[logStd + j] += dLdlp * (diff * diff * inv - 1);
          }
        }
      }
    }
    net.backward(theta, tape, gradOut, null, grad, null, null);
    lastKl = kl;
    return loss;
  }

  private static void clip(double[] g, double max) {
    double n = 0;
    for (double v : g) {
      n += v * v;
    }
    n = Math.sqrt(n);
    if (n > max) {
      for (int i = 0; i < g.length; i++) {
        g[i] *= max / n;
      }
    }
  }

  /**
   * The test of meta-RL for RL²: on each task one trial with the policy as it acts (sampled
   * actions), and the return of each of its episodes. Returns [task][episode].
   */
  public double[][] evaluate(
      List<double[]> tasks, long evalSeed, ExecutorService pool, int threads) {
    double[] theta = params.clone();
    return work.each(
        pool,
        threads,
        tasks,
        (m, i, task) -> m.sample(theta, task, evalSeed * 1_000_003L + i).episodeReturns());
  }
}
