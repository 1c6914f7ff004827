package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.sim.env.Env;

/**
 * A PPO training run on one environment: rollouts from N copies, GAE, PPO updates, a deterministic
 * evaluation every so often. Everything random comes from the seed, and the result does not depend
 * on the number of threads.
 */
public final class PpoRun {

  /** The run's shape. */
  public record Config(
      int envs,
      int steps,
      long totalSteps,
      int[] hidden,
      Activation activation,
      double initialLogStd,
      boolean normalise,
      Ppo.Settings ppo,
      int evalEvery,
      int evalEpisodes) {}

  /** One iteration's figures. */
  public record Point(
      long envSteps, double trainReturn, double evalReturn, Ppo.Stats stats, double seconds) {}

  private final Supplier<? extends Env> factory;
  private final Config c;
  private final long seed;
  private final ActorCritic ac;
  private final List<Point> curve = new ArrayList<>();

  public PpoRun(Supplier<? extends Env> factory, Config c, long seed) {
    this.factory = factory;
    this.c = c;
    this.seed = seed;
    Env probe = factory.get();
    this.ac =
        new ActorCritic(
            probe.observationSpace().size(),
            probe.actionSpace().size(),
            c.hidden(),
            c.activation(),
            c.initialLogStd(),
            c.normalise(),
            seed);
  }

  public ActorCritic model() {
    return ac;
  }

  public List<Point> curve() {
    return curve;
  }

  /** Runs to {@code totalSteps}; {@code listener} sees every iteration. */
  public List<Point> run(ExecutorService pool, int threads, Consumer<Point> listener) {
    Sampler sampler =
        new Sampler(factory, c.envs(), ac.policy, ac.value, ac.norm, seed, pool, threads);
    RolloutBuffer buf =
        new RolloutBuffer(c.steps(), c.envs(), ac.policy.inputSize(), ac.policy.actionSize());
    Ppo ppo = new Ppo(ac, c.ppo(), buf.size());
    SplittableRandom shuffle = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    long t0 = System.nanoTime();
    int iteration = 0;
    double lastEval = Double.NaN;
    while (sampler.envSteps() < c.totalSteps()) {
      double progress = sampler.envSteps() / (double) c.totalSteps();
      sampler.collect(ac.policyParams, ac.valueParams, buf);
      buf.computeGae(c.ppo().gamma(), c.ppo().lambda());
      Ppo.Stats st = ppo.update(buf, progress, shuffle);
      iteration++;
      boolean last = sampler.envSteps() >= c.totalSteps();
      if (c.evalEvery() > 0 && (iteration % c.evalEvery() == 0 || last)) {
        double[] r =
            Sampler.evaluate(
                factory, ac.policy, ac.policyParams, ac.norm, c.evalEpisodes(), 1_000_000L + seed);
        lastEval = java.util.Arrays.stream(r).average().orElse(Double.NaN);
      }
      Point p =
          new Point(
              sampler.envSteps(),
              buf.meanEpisodeReturn(),
              lastEval,
              st,
              (System.nanoTime() - t0) * 1e-9);
      curve.add(p);
      if (listener != null) {
        listener.accept(p);
      }
    }
    return curve;
  }
}
