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
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;
import org.adaptrobot.trainer.rl.MamlTrpo;
import org.adaptrobot.trainer.rl.MetaEval;
import org.adaptrobot.trainer.rl.Ppo;
import org.adaptrobot.trainer.rl.PpoRun;
import org.adaptrobot.trainer.rl.ProMp;
import org.adaptrobot.trainer.rl.RlBundle;
import org.adaptrobot.trainer.rl.RobotMetaRl;
import org.adaptrobot.trainer.rl.TaskBatch;
import org.adaptrobot.trainer.rl.TaskEnvs;

/**
 * Meta-RL on the robot's velocity-tracking task ({@link RobotMetaRl}) in one harness: ProMP and
 * MAML-TRPO meta-trained, a pretrained multi-task PPO policy (not told the task), a random initial
 * policy, all adapted with the robot's inner step (vanilla policy gradient, α = 0.1, 10 rollouts of
 * 1 s per step), and a PPO oracle told the task parameters; on 40 held-out tasks of the training
 * ranges and 40 of the extrapolation ranges, at 0–3 steps, for several training seeds: mean ± 95 %
 * CI over tasks, median, and the seeds' means; learning curves as PNG. With a bundle directory, the
 * first seed's MAML-TRPO and ProMP policies are exported as bundles that adapt on the robot.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.RobotMetaRlFigures \
 *     [iterations] [seeds] [threads] [out-dir] [bundle-dir|-] [inner-rate] [adapt-log-std true|false]
 *     [baselines true|false]
 * </pre>
 */
public final class RobotMetaRlFigures {

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path out = Path.of(args.length > 3 ? args[3] : "benchmarks/target/robot-meta-rl");
    Path bundles = args.length > 4 && !args[4].equals("-") ? Path.of(args[4]) : null;
    double alpha = args.length > 5 ? Double.parseDouble(args[5]) : RobotMetaRl.INNER_LR;
    boolean adaptLogStd =
        args.length > 6 ? Boolean.parseBoolean(args[6]) : RobotMetaRl.ADAPT_LOG_STD;
    boolean baselines = args.length <= 7 || Boolean.parseBoolean(args[7]);
    Files.createDirectories(out);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Supplier<Env> env = RobotMetaRl.env();
    ProMp.Config pc = RobotMetaRl.promp(alpha, adaptLogStd);
    System.out.printf(
        Locale.ROOT, "inner step: α = %.3f, log-std %s%n", alpha, adaptLogStd ? "adapts" : "fixed");
    int steps = 3;
    Map<String, List<double[]>> splits = new LinkedHashMap<>();
    splits.put(
        "held-out tasks (training ranges)",
        MetaEval.tasks(env, TaskDistribution.Split.TRAIN, 40, 424242));
    splits.put(
        "extrapolation tasks",
        MetaEval.tasks(env, TaskDistribution.Split.EXTRAPOLATION, 40, 434343));
    Map<String, Map<String, List<double[][]>>> tables = new LinkedHashMap<>();
    List<LinePlot> plots = new ArrayList<>();
    Function<double[], Supplier<Env>> plain = RobotMetaRl::taskEnv;
    try {
      for (int seed = 1; seed <= seeds; seed++) {
        long t0 = System.nanoTime();
        ProMp promp = new ProMp(env, pc, seed);
        for (int i = 0; i < iterations; i++) {
          ProMp.Point p = promp.iterate(pool, threads);
          if ((i + 1) % 10 == 0) {
            System.out.printf(
                Locale.ROOT,
                "seed %d ProMP %d: %.2f -> %.2f%n",
                seed,
                i + 1,
                p.preReturn(),
                p.postReturn());
          }
        }
        double prompSeconds = (System.nanoTime() - t0) * 1e-9;
        t0 = System.nanoTime();
        MamlTrpo maml = new MamlTrpo(env, RobotMetaRl.mamlTrpo(alpha, adaptLogStd), seed);
        for (int i = 0; i < iterations; i++) {
          MamlTrpo.Point p = maml.iterate(pool, threads);
          if ((i + 1) % 10 == 0) {
            System.out.printf(
                Locale.ROOT,
                "seed %d MAML-TRPO %d: %.2f -> %.2f%n",
                seed,
                i + 1,
                p.preReturn(),
                p.postReturn());
          }
        }
        double mamlSeconds = (System.nanoTime() - t0) * 1e-9;
        long budget = promp.curve().get(promp.curve().size() - 1).envSteps();
        PpoRun.Config ppo =
            new PpoRun.Config(
                8,
                256,
                Math.min(budget, 1_000_000),
                pc.hidden(),
                Activation.TANH,
                pc.initialLogStd(),
                false,
                new Ppo.Settings(10, 256, 3e-4, true, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.98, 0.95),
                0,
                3);
        t0 = System.nanoTime();
        PpoRun pretrained = null;
        PpoRun oracle = null;
        if (baselines) {
          pretrained = new PpoRun(TaskEnvs.randomTask(env, false), ppo, seed);
          pretrained.run(pool, threads, null);
          oracle = new PpoRun(TaskEnvs.randomTask(env, true), ppo, seed);
          oracle.run(pool, threads, null);
        }
        double ppoSeconds = (System.nanoTime() - t0) * 1e-9;
        PpoRun initial = new PpoRun(env, ppo, seed);
        double[] rates = TaskBatch.innerRates(maml.model().policy, alpha, adaptLogStd);
        for (var split : splits.entrySet()) {
          for (int det : new int[] {0, 3}) {
            String key =
                split.getKey()
                    + (det == 0
                        ? ", sampled actions (as meta-training measures)"
                        : ", the mean action over 10 s episodes (as the robot runs between steps)");
            Map<String, List<double[][]>> rows =
                tables.computeIfAbsent(key, k -> new LinkedHashMap<>());
            List<double[]> tasks = split.getValue();
            MetaTable.add(
                rows,
                "ProMP",
                eval(plain, promp.model(), rates, tasks, steps, seed, det, pool, threads));
            MetaTable.add(
                rows,
                "MAML-TRPO",
                eval(plain, maml.model(), rates, tasks, steps, seed, det, pool, threads));
            if (baselines) {
              MetaTable.add(
                  rows,
                  "pretrained + steps",
                  eval(plain, pretrained.model(), rates, tasks, steps, seed, det, pool, threads));
            }
            MetaTable.add(
                rows,
                "random + steps",
                eval(plain, initial.model(), rates, tasks, steps, seed, det, pool, threads));
            if (baselines) {
              MetaTable.add(
                  rows,
                  "oracle (told the task)",
                  eval(
                      t -> TaskEnvs.observedTask(env, t),
                      oracle.model(),
                      rates,
                      tasks,
                      0,
                      seed,
                      det,
                      pool,
                      threads));
            }
          }
        }
        System.out.printf(
            Locale.ROOT,
            "seed %d: ProMP %d iterations %.0f s, MAML-TRPO %.0f s (%d env steps each), PPO"
                + " baselines %.0f s (%d env steps each)%n",
            seed,
            iterations,
            prompSeconds,
            mamlSeconds,
            budget,
            ppoSeconds,
            Math.min(budget, 1_000_000));
        if (bundles != null && seed == 1) {
          Files.createDirectories(bundles);
          export(
              bundles.resolve("diffdrive-maml-rl"),
              maml.model().policy,
              maml.model().policyParams,
              "maml_trpo",
              iterations,
              mamlSeconds,
              seed,
              alpha,
              adaptLogStd);
          export(
              bundles.resolve("diffdrive-promp"),
              promp.model().policy,
              promp.model().policyParams,
              "promp",
              iterations,
              prompSeconds,
              seed,
              alpha,
              adaptLogStd);
        }
        LinePlot plot =
            new LinePlot(
                "robot velocity tracking, seed " + seed,
                "meta-iteration",
                "mean return per 1 s rollout");
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
    for (var table : tables.entrySet()) {
      System.out.printf(
          Locale.ROOT,
          "%nRobot velocity tracking, %s (40 tasks), %d rollouts of %d steps per inner step, α"
              + " = %.3f, log-std %s, %d seeds: return, mean ± 95 %% CI over tasks (seeds pooled) |"
              + " median | seed means%n",
          table.getKey(),
          RobotMetaRl.ROLLOUTS,
          RobotMetaRl.ROLLOUT_STEPS,
          alpha,
          adaptLogStd ? "adapted" : "fixed",
          seeds);
      MetaTable.print(table.getValue(), steps);
    }
    Path png = out.resolve("meta-rl-robot.png");
    LinePlot.writePanels(png, plots);
    System.out.println("learning curves: " + png);
  }

  private static void export(
      Path dir,
      GaussianPolicy policy,
      double[] params,
      String algorithm,
      int iterations,
      double seconds,
      long seed,
      double alpha,
      boolean adaptLogStd)
      throws Exception {
    RlBundle.exportAdaptive(
        dir,
        policy,
        params,
        RobotMetaRl.OBS_MEAN,
        RobotMetaRl.OBS_STD,
        RobotMetaRl.RATE_HZ,
        RewardSpec.standard(),
        1.0,
        alpha,
        adaptLogStd,
        RobotMetaRl.ROLLOUT_STEPS,
        RobotMetaRl.ROLLOUTS,
        algorithm,
        Map.of("meta_iterations", iterations, "training_seconds", Math.round(seconds)),
        seed,
        Map.of());
    System.out.println("bundle: " + dir);
  }

  private static double[][] eval(
      Function<double[], Supplier<Env>> env,
      org.adaptrobot.trainer.rl.ActorCritic model,
      double[] rates,
      List<double[]> tasks,
      int steps,
      long seed,
      int deterministicEpisodes,
      ExecutorService pool,
      int threads) {
    return MetaEval.adaptation(
        env,
        model.policy,
        model.policyParams,
        tasks,
        RobotMetaRl.ROLLOUTS,
        RobotMetaRl.ROLLOUT_STEPS,
        rates,
        steps,
        org.adaptrobot.models.rl.PolicyGradientStep.GAMMA,
        org.adaptrobot.models.rl.PolicyGradientStep.LAMBDA,
        9000 + seed,
        pool,
        threads,
        deterministicEpisodes);
  }
}
