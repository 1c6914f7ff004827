package org.adaptrobot.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.adaptrobot.sim.env.AbstractEnv;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;
import org.adaptrobot.trainer.io.Checkpoint;
import org.adaptrobot.trainer.rl.MamlTrpo;
import org.adaptrobot.trainer.rl.MetaEval;
import org.adaptrobot.trainer.rl.ProMp;
import org.adaptrobot.trainer.rl.RlEnvs;

/**
 * The return after the same adaptation experience as PEARL's or RL²'s one episode: ProMP and
 * MAML-TRPO runs of {@code robot train rl --env ENV} (read from their checkpoint.bin, the settings
 * the command uses by default) take their one inner step on the trajectories of a single episode
 * instead of the 20 they were meta-trained with, on the 40 held-out goals every learner is tested
 * on. The row with 20 trajectories repeats the run's own held-out test (a check that the run was
 * read back as it was).
 *
 * <pre>
 * java -cp benchmarks.jar org.adaptrobot.benchmarks.EqualExperience ENV ALGO SEED DIR [ALGO SEED DIR ...]
 * </pre>
 */
public final class EqualExperience {

  private EqualExperience() {}

  public static void main(String[] args) throws Exception {
    String envName = args[0];
    Supplier<Env> env = RlEnvs.metaRl(envName);
    int horizon = ((AbstractEnv) env.get()).horizon();
    List<double[]> goals = MetaEval.tasks(env, TaskDistribution.Split.TRAIN, 40, 424242);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    System.out.printf(
        Locale.ROOT,
        "%s, 40 held-out goals, one inner step; mean ± 95 %% CI over goals, median%n"
            + "| run | before | after a step on 20 episodes | after a step on 1 episode (%d env"
            + " steps) |%n|---|---|---|---|%n",
        envName,
        horizon);
    try {
      for (int k = 1; k + 2 < args.length; k += 3) {
        String algo = args[k];
        long seed = Long.parseLong(args[k + 1]);
        Checkpoint cp = Checkpoint.read(Path.of(args[k + 2]).resolve("checkpoint.bin"));
        Tester t = tester(algo, env, horizon, seed);
        t.restore().accept(cp.arrays());
        double[][] twenty = t.heldOut(goals, 20, 9000 + seed, pool);
        double[][] one = t.heldOut(goals, 1, 9000 + seed, pool);
        System.out.printf(
            Locale.ROOT,
            "| %s seed %d | %s | %s | %s |%n",
            algo,
            seed,
            summary(twenty, 0),
            summary(twenty, 1),
            summary(one, 1));
      }
    } finally {
      pool.shutdown();
    }
  }

  /** A learner's checkpoint restore and its held-out test (ProMP's and MAML-TRPO's signatures). */
  private record Tester(Consumer<Map<String, double[]>> restore, HeldOut test) {
    double[][] heldOut(List<double[]> goals, int trajectories, long seed, ExecutorService pool) {
      return test.run(goals, trajectories, 1, seed, pool, 2);
    }
  }

  /** A held-out test: per goal, the returns before and after each inner step. */
  private interface HeldOut {
    double[][] run(
        List<double[]> goals,
        int trajectories,
        int steps,
        long seed,
        ExecutorService pool,
        int threads);
  }

  private static Tester tester(String algo, Supplier<Env> env, int horizon, long seed) {
    switch (algo) {
      case "promp" -> {
        ProMp.Config p = ProMp.Config.pointNavigation();
        ProMp m = new ProMp(env, p.sized(p.metaBatch(), p.trajectories(), horizon), seed);
        return new Tester(m::restore, m::heldOut);
      }
      case "maml_trpo" -> {
        MamlTrpo.Config d = MamlTrpo.Config.pointNavigation();
        MamlTrpo m = new MamlTrpo(env, d.sized(d.metaBatch(), d.trajectories(), horizon, 1), seed);
        return new Tester(m::restore, m::heldOut);
      }
      default -> throw new IllegalArgumentException("ALGO: promp or maml_trpo, got " + algo);
    }
  }

  /** "mean ± 95 % CI, median" of column c over the goals. */
  private static String summary(double[][] perGoal, int c) {
    double[] v = Arrays.stream(perGoal).mapToDouble(r -> r[c]).sorted().toArray();
    double mean = Arrays.stream(v).average().orElseThrow();
    double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
    double median = 0.5 * (v[v.length / 2] + v[(v.length - 1) / 2]);
    return String.format(
        Locale.ROOT, "%.1f ± %.1f, %.1f", mean, 1.96 * Math.sqrt(var / v.length), median);
  }
}
