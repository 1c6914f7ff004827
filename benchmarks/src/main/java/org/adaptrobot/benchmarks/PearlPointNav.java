package org.adaptrobot.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;
import org.adaptrobot.trainer.rl.MetaEval;
import org.adaptrobot.trainer.rl.Pearl;
import org.adaptrobot.trainer.rl.RlEnvs;

/**
 * PEARL on 2D navigation beside its oracle in the same harness (the same SAC, tasks, buffers and
 * schedule, told the goal): per seed, the learning curve on the 40 held-out goals of the other
 * meta-RL learners' table (episode 1 with z from the prior, episode 2 with z from the posterior of
 * episode 1, an episode whose posterior follows every transition, and how much of the goal the
 * posterior holds), and the env steps at which each first reaches each of the given returns (on
 * point-nav by default −9.6, 80 % of the PPO oracle of the meta-RL table: −7.7 / 0.8). ENV is
 * point-nav (MAML's, {@code Pearl.Config.pointNav()}) or point-robot (PEARL's, {@code
 * Pearl.Config.pointRobot()}).
 *
 * <pre>
 * java -cp benchmarks.jar org.adaptrobot.benchmarks.PearlPointNav ITERATIONS SEEDS OUT [ENV
 *     [RETURN ...]]
 * </pre>
 */
public final class PearlPointNav {

  private PearlPointNav() {}

  public static void main(String[] args) throws Exception {
    int iterations = Integer.parseInt(args[0]);
    int seeds = Integer.parseInt(args[1]);
    Path out = Path.of(args[2]);
    String envName = args.length > 3 ? args[3] : "point-nav";
    Supplier<Env> nav = RlEnvs.named(envName);
    Pearl.Config config =
        switch (envName) {
          case "point-nav" -> Pearl.Config.pointNav();
          case "point-robot" -> Pearl.Config.pointRobot();
          default -> throw new IllegalArgumentException("ENV: point-nav or point-robot");
        };
    double[] levels = {-9.6};
    if (args.length > 4) {
      levels = new double[args.length - 4];
      for (int i = 4; i < args.length; i++) {
        levels[i - 4] = Double.parseDouble(args[i]);
      }
    }
    List<double[]> goals = MetaEval.tasks(nav, TaskDistribution.Split.TRAIN, 40, 424242);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Map<String, Future<List<Pearl.Point>>> jobs = new LinkedHashMap<>();
    for (int seed = 1; seed <= seeds; seed++) {
      long s = seed;
      jobs.put(
          "pearl/" + seed,
          pool.submit(() -> new Pearl(nav, config, s).train(iterations, 2, goals, null)));
      jobs.put(
          "oracle/" + seed,
          pool.submit(
              () ->
                  Pearl.oracle(nav, config, s).train(Math.max(2, iterations / 2), 2, goals, null)));
    }
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "PEARL on %s, %d iterations (oracle %d), %d seeds, 40 held-out goals;"
                + " settings Pearl.Config.%s().%n%n",
            envName,
            iterations,
            Math.max(2, iterations / 2),
            seeds,
            envName.equals("point-nav") ? "pointNav" : "pointRobot"));
    md.append(
        "| run | env steps | episode 1 (prior z) | episode 2 (posterior) | online posterior |"
            + " goal R² | posterior σ | spread of its mean | α | seconds |\n"
            + "|---|---|---|---|---|---|---|---|---|---|\n");
    Map<String, Object> json = new LinkedHashMap<>();
    for (var e : jobs.entrySet()) {
      List<Pearl.Point> curve = e.getValue().get();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Pearl.Point p : curve) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %s it %d | %d | %.1f | %.1f | %.1f | %.2f | %.3f | %.3f | %.3f | %.0f |%n",
                e.getKey(),
                p.iteration(),
                p.envSteps(),
                p.priorReturn(),
                p.posteriorReturn(),
                p.onlineReturn(),
                p.taskR2(),
                p.posteriorStd(),
                p.meanSpread(),
                p.alpha(),
                p.seconds()));
        rows.add(
            Map.of(
                "iteration", p.iteration(),
                "env_steps", p.envSteps(),
                "prior", p.priorReturn(),
                "posterior", p.posteriorReturn(),
                "online", p.onlineReturn(),
                "goal_r2", p.taskR2(),
                "posterior_std", p.posteriorStd(),
                "mean_spread", p.meanSpread(),
                "seconds", p.seconds()));
      }
      Map<String, Object> reachedAt = new LinkedHashMap<>();
      for (double level : levels) {
        long reached = -1;
        for (Pearl.Point p : curve) {
          if (Math.max(p.posteriorReturn(), p.onlineReturn()) >= level) {
            reached = p.envSteps();
            break;
          }
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %s: %.1f first reached | %s | | | | | | | | |%n",
                e.getKey(),
                level,
                reached < 0 ? "not reached" : String.valueOf(reached)));
        reachedAt.put(String.valueOf(level), reached);
      }
      json.put(e.getKey(), Map.of("curve", rows, "env_steps_to", reachedAt));
    }
    pool.shutdown();
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(Path.of(out + ".md"), md.toString());
    new com.fasterxml.jackson.databind.ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(Path.of(out + ".json").toFile(), json);
    System.out.print(md);
  }
}
