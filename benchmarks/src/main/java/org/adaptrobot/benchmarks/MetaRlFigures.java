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
import java.util.function.Function;
import java.util.function.Supplier;
import org.adaptrobot.demo.plot.LinePlot;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.PointNavigation;
import org.adaptrobot.sim.env.TaskDistribution;
import org.adaptrobot.trainer.rl.MamlTrpo;
import org.adaptrobot.trainer.rl.MetaEval;
import org.adaptrobot.trainer.rl.Ppo;
import org.adaptrobot.trainer.rl.PpoRun;
import org.adaptrobot.trainer.rl.ProMp;
import org.adaptrobot.trainer.rl.TaskEnvs;

/**
 * The MAML paper's 2D-navigation comparison (Fig. 4) in one harness: ProMP and MAML-TRPO
 * meta-trained, a pretrained multi-task policy (PPO on random goals, not told the goal), a random
 * initial policy, all adapted with the same inner steps (vanilla policy gradient, α = 0.1, 20
 * trajectories per step), and an oracle told the goal (PPO), on 40 held-out goals at 0–3 steps, for
 * several training seeds: mean ± 95 % CI over goals, median, and the spread across seeds; learning
 * curves as PNG.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.MetaRlFigures \
 *     [iterations] [seeds] [threads] [out-dir]
 * </pre>
 */
public final class MetaRlFigures {

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path out = Path.of(args.length > 3 ? args[3] : "benchmarks/target/meta-rl");
    Files.createDirectories(out);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Supplier<Env> nav = PointNavigation::new;
    ProMp.Config pc = ProMp.Config.pointNavigation();
    int steps = 3;
    List<double[]> tasks = MetaEval.tasks(nav, TaskDistribution.Split.TRAIN, 40, 424242);
    Map<String, List<double[][]>> rows = new LinkedHashMap<>();
    List<LinePlot> plots = new ArrayList<>();
    Function<double[], Supplier<Env>> plain = t -> TaskEnvs.fixed(nav, t);
    try {
      for (int seed = 1; seed <= seeds; seed++) {
        long t0 = System.nanoTime();
        ProMp promp = new ProMp(nav, pc, seed);
        for (int i = 0; i < iterations; i++) {
          promp.iterate(pool, threads);
        }
        double prompSeconds = (System.nanoTime() - t0) * 1e-9;
        t0 = System.nanoTime();
        MamlTrpo maml = new MamlTrpo(nav, MamlTrpo.Config.pointNavigation(), seed);
        for (int i = 0; i < iterations; i++) {
          maml.iterate(pool, threads);
        }
        double mamlSeconds = (System.nanoTime() - t0) * 1e-9;
        long budget = promp.curve().get(promp.curve().size() - 1).envSteps();
        PpoRun.Config ppo =
            new PpoRun.Config(
                20,
                100,
                Math.min(budget, 1_000_000),
                pc.hidden(),
                Activation.TANH,
                0.0,
                false,
                new Ppo.Settings(10, 256, 3e-4, false, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.99, 0.95),
                0,
                5);
        t0 = System.nanoTime();
        PpoRun pretrained = new PpoRun(TaskEnvs.randomTask(nav, false), ppo, seed);
        pretrained.run(pool, threads, null);
        PpoRun oracle = new PpoRun(TaskEnvs.randomTask(nav, true), ppo, seed);
        oracle.run(pool, threads, null);
        double ppoSeconds = (System.nanoTime() - t0) * 1e-9;
        GaussianPolicy randomPolicy = new PpoRun(nav, ppo, seed).model().policy;
        double[] randomParams = new PpoRun(nav, ppo, seed).model().policyParams;
        MetaTable.add(
            rows,
            "ProMP",
            eval(
                plain,
                promp.model().policy,
                promp.model().policyParams,
                tasks,
                pc,
                steps,
                seed,
                pool,
                threads));
        MetaTable.add(
            rows,
            "MAML-TRPO",
            eval(
                plain,
                maml.model().policy,
                maml.model().policyParams,
                tasks,
                pc,
                steps,
                seed,
                pool,
                threads));
        MetaTable.add(
            rows,
            "pretrained + steps",
            eval(
                plain,
                pretrained.model().policy,
                pretrained.model().policyParams,
                tasks,
                pc,
                steps,
                seed,
                pool,
                threads));
        MetaTable.add(
            rows,
            "random + steps",
            eval(plain, randomPolicy, randomParams, tasks, pc, steps, seed, pool, threads));
        MetaTable.add(
            rows,
            "oracle (told the goal)",
            eval(
                t -> TaskEnvs.observedTask(nav, t),
                oracle.model().policy,
                oracle.model().policyParams,
                tasks,
                pc,
                0,
                seed,
                pool,
                threads));
        System.out.printf(
            Locale.ROOT,
            "seed %d: ProMP %d iterations %.0f s, MAML-TRPO %.0f s (%.2f s per meta-iteration each,"
                + " %d env steps), PPO baselines %.0f s%n",
            seed,
            iterations,
            prompSeconds,
            mamlSeconds,
            (prompSeconds + mamlSeconds) / (2.0 * iterations),
            budget,
            ppoSeconds);
        LinePlot plot =
            new LinePlot(
                "2D navigation, seed " + seed, "meta-iteration", "mean return per trajectory");
        plot.add(
            "ProMP before adaptation",
            MetaTable.iterations(promp.curve().size()),
            promp.curve().stream().mapToDouble(ProMp.Point::preReturn).toArray());
        plot.add(
            "ProMP after one step",
            MetaTable.iterations(promp.curve().size()),
            promp.curve().stream().mapToDouble(ProMp.Point::postReturn).toArray());
        plot.add(
            "MAML-TRPO before adaptation",
            MetaTable.iterations(maml.curve().size()),
            maml.curve().stream().mapToDouble(MamlTrpo.Point::preReturn).toArray());
        plot.add(
            "MAML-TRPO after one step",
            MetaTable.iterations(maml.curve().size()),
            maml.curve().stream().mapToDouble(MamlTrpo.Point::postReturn).toArray());
        plots.add(plot);
      }
    } finally {
      pool.shutdown();
    }
    System.out.printf(
        Locale.ROOT,
        "%n2D navigation, 40 held-out goals, 20 trajectories per step, α = %.2f, %d seeds:"
            + " mean ± 95 %% CI over goals (seeds pooled) | median | seed means%n",
        pc.innerLr(),
        seeds);
    MetaTable.print(rows, steps);
    Path png = out.resolve("meta-rl-2d-navigation.png");
    LinePlot.writePanels(png, plots);
    System.out.println("learning curves: " + png);
  }

  private static double[][] eval(
      Function<double[], Supplier<Env>> env,
      GaussianPolicy policy,
      double[] params,
      List<double[]> tasks,
      ProMp.Config pc,
      int steps,
      long seed,
      ExecutorService pool,
      int threads) {
    return MetaEval.adaptation(
        env,
        policy,
        params,
        tasks,
        20,
        pc.horizon(),
        pc.innerLr(),
        steps,
        pc.gamma(),
        pc.lambda(),
        9000 + seed,
        pool,
        threads);
  }
}
