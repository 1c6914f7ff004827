package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.adaptrobot.sim.env.Env;

/**
 * Soft actor-critic on one environment ({@link SoftActorCritic} holds the networks and the gradient
 * step): a pre-allocated replay buffer, one gradient step per environment step after a warm-up of
 * uniform random actions. Actions are squashed into [−1, 1] and scaled into the environment's box;
 * the buffer and the critics see the squashed action.
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

  private final Supplier<? extends Env> factory;
  private final Config c;
  private final long seed;
  private final int o;
  private final int d;
  private final double[] scale;
  private final double[] offset;
  final SoftActorCritic agent;
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
    this.agent =
        new SoftActorCritic(
            o, d, c.hidden(), c.learningRate(), c.tau(), c.gamma(), c.initialAlpha(), seed);
    this.buffer = new ReplayBuffer((int) Math.min(c.bufferSize(), c.totalSteps()), o, d);
  }

  public List<Point> curve() {
    return List.copyOf(curve);
  }

  /** The actor's parameters (a live view): the network giving [μ, log σ]. */
  public double[] actorParameters() {
    return agent.actorParams;
  }

  public double alpha() {
    return agent.alpha();
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
    SoftActorCritic.Batch batch = agent.new Batch(c.batchSize());
    for (long t = 1; t <= c.totalSteps(); t++) {
      if (t <= c.learningStarts()) {
        for (int j = 0; j < d; j++) {
          a[j] = 2 * random.nextDouble() - 1;
        }
      } else {
        agent.act(obs, random, a);
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
        buffer.sample(batch.n, random, batch.s, batch.a, batch.r, batch.s2, batch.term);
        agent.update(batch, random, false);
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

  /** The mean deterministic return: action tanh(μ). */
  public double evaluate(int episodes, long evalSeed) {
    Env env = factory.get();
    double[] obs = new double[o];
    double[] a = new double[d];
    double[] envAction = new double[d];
    Env.Status st = new Env.Status();
    double total = 0;
    for (int e = 0; e < episodes; e++) {
      env.reset(evalSeed + e, obs);
      do {
        agent.mean(obs, a);
        for (int j = 0; j < d; j++) {
          envAction[j] = offset[j] + scale[j] * a[j];
        }
        total += env.step(envAction, obs, st);
      } while (!st.done());
    }
    return total / episodes;
  }
}
