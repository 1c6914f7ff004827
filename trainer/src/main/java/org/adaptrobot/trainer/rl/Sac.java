package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.sim.env.Env;

/**
 * Soft actor-critic (Haarnoja et al. 2018, with the automatic temperature of the second paper):
 * twin Q-networks with Polyak-averaged target copies, a tanh-squashed Gaussian policy (the
 * log-probability corrected for the squashing), the entropy temperature α learned towards a target
 * entropy of −dim(A), a pre-allocated replay buffer, one gradient step per environment step after a
 * warm-up of uniform random actions. Actions are squashed into [−1, 1] and scaled into the
 * environment's box; the buffer and the critics see the squashed action.
 */
public final class Sac {

  /** Settings (Stable-Baselines3's names). */
  public record Config(
      long totalSteps,
      int[] hidden,
      double learningRate,
      int bufferSize,
      int batchSize,
      double tau,
      double gamma,
      int learningStarts,
      double initialAlpha,
      int evalEvery,
      int evalEpisodes) {

    /** rl-baselines3-zoo's pendulum settings, with 64-64 networks (the zoo's are 256-256). */
    public static Config pendulum(long steps) {
      return new Config(
          steps, new int[] {64, 64}, 1e-3, 1_000_000, 256, 0.005, 0.99, 100, 1.0, 1000, 10);
    }
  }

  /** One evaluation: env steps, the mean deterministic return, α, seconds so far. */
  public record Point(long envSteps, double evalReturn, double alpha, double seconds) {}

  static final double LOG_STD_MIN = -20;
  static final double LOG_STD_MAX = 2;

  private final Supplier<? extends Env> factory;
  private final Config c;
  private final long seed;
  private final int o;
  private final int d;
  private final double[] scale;
  private final double[] offset;
  final Mlp actor;
  final Mlp q;
  final double[] actorParams;
  final double[][] qParams = new double[2][];
  final double[][] qTarget = new double[2][];
  double logAlpha;
  private final double targetEntropy;
  private final Adam actorAdam;
  private final Adam[] qAdam = new Adam[2];
  private final Adam alphaAdam;
  final ReplayBuffer buffer;
  private final List<Point> curve = new ArrayList<>();

  public Sac(Supplier<? extends Env> factory, Config c, long seed) {
    this.factory = factory;
    this.c = c;
    this.seed = seed;
    Env probe = factory.get();
    this.o = probe.observationSpace().size();
    this.d = probe.actionSpace().size();
    this.scale = new double[d];
    this.offset = new double[d];
    for (int j = 0; j < d; j++) {
      scale[j] = 0.5 * (probe.actionSpace().high(j) - probe.actionSpace().low(j));
      offset[j] = 0.5 * (probe.actionSpace().high(j) + probe.actionSpace().low(j));
    }
    SplittableRandom init = new SplittableRandom(seed);
    this.actor = Mlp.of(o, c.hidden(), 2 * d, Activation.RELU, Activation.IDENTITY);
    this.q = Mlp.of(o + d, c.hidden(), 1, Activation.RELU, Activation.IDENTITY);
    this.actorParams = new double[actor.layout().size()];
    actor.initialise(actorParams, init);
    for (int i = 0; i < 2; i++) {
      qParams[i] = new double[q.layout().size()];
      q.initialise(qParams[i], init);
      qTarget[i] = qParams[i].clone();
      qAdam[i] = new Adam(qParams[i].length, c.learningRate());
    }
    this.logAlpha = Math.log(c.initialAlpha());
    this.targetEntropy = -d;
    this.actorAdam = new Adam(actorParams.length, c.learningRate());
    this.alphaAdam = new Adam(1, c.learningRate());
    this.buffer = new ReplayBuffer((int) Math.min(c.bufferSize(), c.totalSteps()), o, d);
  }

  public List<Point> curve() {
    return List.copyOf(curve);
  }

  /** The actor's parameters (a live view): the network giving [μ, log σ]. */
  public double[] actorParameters() {
    return actorParams;
  }

  public double alpha() {
    return Math.exp(logAlpha);
  }

  /**
   * log π(a|s) of the tanh-squashed Gaussian at u = μ + σε, a = tanh(u): the Gaussian's log density
   * of u minus Σ log(1 − tanh²u), the latter as 2(log 2 − u − softplus(−2u)) (exact and stable).
   */
  static double squashedLogProb(double[] mu, double[] logStd, double[] eps, int off, int n) {
    double lp = 0;
    for (int j = 0; j < n; j++) {
      double e = eps[off + j];
      double u = mu[off + j] + Math.exp(logStd[off + j]) * e;
      lp += -0.5 * e * e - logStd[off + j] - 0.5 * Math.log(2 * Math.PI);
      lp -= 2 * (Math.log(2) - u - softplus(-2 * u));
    }
    return lp;
  }

  static double softplus(double x) {
    return x > 30 ? x : Math.log1p(Math.exp(x));
  }

  /** The soft Bellman target: r + γ(1 − terminated)(min(Q1′, Q2′) − α log π(a′|s′)). */
  static double softTarget(
      double r,
      boolean terminated,
      double gamma,
      double q1,
      double q2,
      double alpha,
      double logPi) {
    return r + (terminated ? 0 : gamma * (Math.min(q1, q2) - alpha * logPi));
  }

  /** Trains to {@code totalSteps}; {@code listener} sees every evaluation. */
  public List<Point> run(java.util.function.Consumer<Point> listener) {
    long t0 = System.nanoTime();
    Env env = factory.get();
    SplittableRandom random = new SplittableRandom(seed * 7919 + 1);
    double[] obs = new double[o];
    double[] next = new double[o];
    double[] a = new double[d];
    double[] envAction = new double[d];
    Env.Status status = new Env.Status();
    env.reset(seed, obs);
    Batch batch = new Batch(c.batchSize());
    for (long t = 1; t <= c.totalSteps(); t++) {
      if (t <= c.learningStarts()) {
        for (int j = 0; j < d; j++) {
          a[j] = 2 * random.nextDouble() - 1;
        }
      } else {
        act(obs, random, a);
      }
      for (int j = 0; j < d; j++) {
        envAction[j] = offset[j] + scale[j] * a[j];
      }
      double r = env.step(envAction, next, status);
      buffer.add(obs, a, r, next, status.terminated);
      if (status.done()) {
        env.reset(null, obs);
      } else {
        System.arraycopy(next, 0, obs, 0, o);
      }
      if (t > c.learningStarts()) {
        update(batch, random);
      }
      if (c.evalEvery() > 0 && (t % c.evalEvery() == 0 || t == c.totalSteps())) {
        Point p =
            new Point(
                t,
                evaluate(c.evalEpisodes(), 1_000_000L + seed),
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

  /** A sampled squashed action in [−1, 1]. */
  void act(double[] obs, SplittableRandom random, double[] a) {
    double[] out = forward1(obs);
    for (int j = 0; j < d; j++) {
      double ls = clampLogStd(out[d + j]);
      a[j] = Math.tanh(out[j] + Math.exp(ls) * GaussianPolicy.standardNormal(random));
    }
  }

  private double[] forward1(double[] obs) {
    ModelTape tape = actor.newTape(1);
    return actor.forward(actorParams, obs, 1, tape).clone();
  }

  static double clampLogStd(double x) {
    return Math.max(LOG_STD_MIN, Math.min(LOG_STD_MAX, x));
  }

  /** The mean deterministic return: action tanh(μ). */
  public double evaluate(int episodes, long evalSeed) {
    Env env = factory.get();
    double[] obs = new double[o];
    double[] envAction = new double[d];
    Env.Status st = new Env.Status();
    double total = 0;
    for (int e = 0; e < episodes; e++) {
      env.reset(evalSeed + e, obs);
      do {
        double[] out = forward1(obs);
        for (int j = 0; j < d; j++) {
          envAction[j] = offset[j] + scale[j] * Math.tanh(out[j]);
        }
        total += env.step(envAction, obs, st);
      } while (!st.done());
    }
    return total / episodes;
  }

  /** Scratch for one gradient step. */
  final class Batch {
    final int n;
    final double[] s;
    final double[] a;
    final double[] r;
    final double[] s2;
    final boolean[] term;
    final double[] sa;
    final double[] eps;
    final double[] y;
    final double[] gradOut;
    final double[] gradIn;
    final double[] qGrad;
    final double[] actorGrad;
    final double[] actorGradOut;
    final ModelTape actorTape;
    final ModelTape qTape;
    final double[] mu;
    final double[] ls;

    Batch(int n) {
      this.n = n;
      s = new double[n * o];
      a = new double[n * d];
      r = new double[n];
      s2 = new double[n * o];
      term = new boolean[n];
      sa = new double[n * (o + d)];
      eps = new double[n * d];
      y = new double[n];
      gradOut = new double[n];
      gradIn = new double[n * (o + d)];
      qGrad = new double[q.layout().size()];
      actorGrad = new double[actor.layout().size()];
      actorGradOut = new double[n * 2 * d];
      actorTape = actor.newTape(n);
      qTape = q.newTape(n);
      mu = new double[n * d];
      ls = new double[n * d];
    }
  }

  /** One gradient step of the critics, the actor and α, then the targets' Polyak update. */
  void update(Batch b, SplittableRandom random) {
    int n = b.n;
    buffer.sample(n, random, b.s, b.a, b.r, b.s2, b.term);
    double alpha = alpha();
    // targets: a′ ~ π(s′), y = r + γ(1 − done)(min Q′ − α log π(a′|s′))
    double[] out = actor.forward(actorParams, b.s2, n, b.actorTape);
    double[] a2 = new double[n * d];
    double[] logPi2 = new double[n];
    sampleSquashed(out, n, random, a2, logPi2, b);
    join(b.s2, a2, n, b.sa);
    double[] q1 = q.forward(qTarget[0], b.sa, n, b.qTape).clone();
    double[] q2 = q.forward(qTarget[1], b.sa, n, b.qTape);
    for (int i = 0; i < n; i++) {
      b.y[i] = softTarget(b.r[i], b.term[i], c.gamma(), q1[i], q2[i], alpha, logPi2[i]);
    }
    // critics: ½ mean (Q_k(s, a) − y)²
    join(b.s, b.a, n, b.sa);
    for (int k = 0; k < 2; k++) {
      double[] qv = q.forward(qParams[k], b.sa, n, b.qTape);
      for (int i = 0; i < n; i++) {
        b.gradOut[i] = (qv[i] - b.y[i]) / n;
      }
      Arrays.fill(b.qGrad, 0);
      q.backward(qParams[k], b.qTape, b.gradOut, b.qGrad, null);
      qAdam[k].step(qParams[k], b.qGrad);
    }
    // actor: mean (α log π(a|s) − min Q_k(s, a)), a = tanh(μ + σε) reparameterised
    for (int k = 0; k < n * d; k++) {
      b.eps[k] = GaussianPolicy.standardNormal(random);
    }
    double[] logPi = new double[n];
    Arrays.fill(b.actorGrad, 0);
    actorLoss(actorParams, b, alpha, logPi, b.actorGrad);
    actorAdam.step(actorParams, b.actorGrad);
    double alphaGrad = 0;
    for (int i = 0; i < n; i++) {
      alphaGrad -= (logPi[i] + targetEntropy) / n;
    }
    // temperature: L(log α) = −log α · mean(log π + target entropy)
    double[] la = {logAlpha};
    alphaAdam.step(la, new double[] {alphaGrad});
    logAlpha = la[0];
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < qParams[k].length; i++) {
        qTarget[k][i] = c.tau() * qParams[k][i] + (1 - c.tau()) * qTarget[k][i];
      }
    }
  }

  /**
   * The actor's loss mean(α log π(a|s) − min(Q1, Q2)(s, a)) at θ on the batch's states with its
   * noise ε fixed (a = tanh(μ_θ(s) + σ_θ(s)ε)); adds dL/dθ to {@code grad}, writes log π per
   * sample.
   */
  double actorLoss(double[] theta, Batch b, double alpha, double[] logPi, double[] grad) {
    int n = b.n;
    double[] out = actor.forward(theta, b.s, n, b.actorTape).clone();
    double[] a1 = new double[n * d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        int k = i * d + j;
        b.mu[k] = out[i * 2 * d + j];
        b.ls[k] = clampLogStd(out[i * 2 * d + d + j]);
        a1[k] = Math.tanh(b.mu[k] + Math.exp(b.ls[k]) * b.eps[k]);
      }
      logPi[i] = squashedLogProb(b.mu, b.ls, b.eps, i * d, d);
    }
    join(b.s, a1, n, b.sa);
    double[] qa = q.forward(qParams[0], b.sa, n, b.qTape).clone();
    double[] qb = q.forward(qParams[1], b.sa, n, b.qTape).clone();
    double loss = 0;
    for (int i = 0; i < n; i++) {
      loss += (alpha * logPi[i] - Math.min(qa[i], qb[i])) / n;
    }
    // dL/da through the smaller critic of each sample
    double[] dLda = new double[n * d];
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < n; i++) {
        boolean mine = k == 0 ? qa[i] <= qb[i] : qa[i] > qb[i];
        b.gradOut[i] = mine ? -1.0 / n : 0;
      }
      q.forward(qParams[k], b.sa, n, b.qTape);
      Arrays.fill(b.gradIn, 0);
      q.backward(qParams[k], b.qTape, b.gradOut, null, b.gradIn);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < d; j++) {
          dLda[i * d + j] += b.gradIn[i * (o + d) + o + j];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        int k = i * d + j;
        double aj = a1[k];
        double sigma = Math.exp(b.ls[k]);
        double e = b.eps[k];
        double dU = dLda[k] * (1 - aj * aj); // dL/du from the critic term
        b.actorGradOut[i * 2 * d + j] = alpha * 2 * aj / n + dU;
        double raw = out[i * 2 * d + d + j];
        boolean inside = raw > LOG_STD_MIN && raw < LOG_STD_MAX;
        b.actorGradOut[i * 2 * d + d + j] =
            inside ? alpha * (-1 + 2 * aj * sigma * e) / n + dU * sigma * e : 0;
      }
    }
    actor.forward(theta, b.s, n, b.actorTape);
    actor.backward(theta, b.actorTape, b.actorGradOut, grad, null);
    return loss;
  }

  /** Samples a = tanh(μ + σε) per row of the actor's output; keeps ε and log σ in the batch. */
  private void sampleSquashed(
      double[] out, int n, SplittableRandom random, double[] a, double[] logPi, Batch b) {
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        int k = i * d + j;
        b.mu[k] = out[i * 2 * d + j];
        b.ls[k] = clampLogStd(out[i * 2 * d + d + j]);
        b.eps[k] = GaussianPolicy.standardNormal(random);
        a[k] = Math.tanh(b.mu[k] + Math.exp(b.ls[k]) * b.eps[k]);
      }
      logPi[i] = squashedLogProb(b.mu, b.ls, b.eps, i * d, d);
    }
  }

  private void join(double[] s, double[] a, int n, double[] sa) {
    for (int i = 0; i < n; i++) {
      System.arraycopy(s, i * o, sa, i * (o + d), o);
      System.arraycopy(a, i * d, sa, i * (o + d) + o, d);
    }
  }
}
