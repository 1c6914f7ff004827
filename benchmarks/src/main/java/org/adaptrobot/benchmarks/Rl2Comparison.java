package org.adaptrobot.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.adaptrobot.demo.plot.LinePlot;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.trainer.cli.RlCommand;
import org.adaptrobot.trainer.rl.PpoRun;
import org.adaptrobot.trainer.rl.Rl2;
import org.adaptrobot.trainer.rl.RobotDrives;
import org.adaptrobot.trainer.rl.RobotMetaRl;
import org.adaptrobot.trainer.rl.TaskEnvs;

/**
 * RL² against the feed-forward policies on the robot's task, in one harness ({@link RobotDrives}:
 * 10 s held-out drives, the robot changing at 5 s, mean actions). Per training seed and with the
 * same budget of environment steps: RL²; a multi-task PPO policy trained on the same task
 * distribution with the same changes inside episodes but not told the task (the non-adaptive
 * baseline); a PPO oracle told the true task parameters (the new ones from the change on). The
 * shipped MAML-RL and ProMP bundles drive the same drives with their meta-trained (pre-update)
 * policies: their adaptation needs 10 s of rollouts, longer than the 5 s after the change.
 * Reported: return before the change (0–5 s), in the first second after it, in its last two
 * seconds, as mean and median over drives, per seed and over seeds; the score (R − R_idle) /
 * (R_oracle − R_idle) on the whole drive along training, and the env steps at which each seed first
 * reaches 0.8; a PNG of the learning curves.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.Rl2Comparison \
 *     [env-steps 2000000] [seeds 3] [threads 2] [out-dir benchmarks/target/rl2-comparison]
 * </pre>
 */
public final class Rl2Comparison {

  static final int TEST_DRIVES = 40;
  static final int CURVE_DRIVES = 16;
  static final int POINTS = 8;

  record Result(String method, int seed, double[][] test, List<double[]> curve) {}

  public static void main(String[] args) throws Exception {
    long budget = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
    int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path out = Path.of(args.length > 3 ? args[3] : "benchmarks/target/rl2-comparison");
    Files.createDirectories(out);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long t0 = System.nanoTime();
    List<double[][]> test = RobotDrives.drives(TEST_DRIVES, 515151);
    List<double[][]> curveDrives = RobotDrives.drives(CURVE_DRIVES, 626262);
    double idleTest =
        RobotDrives.mean(RobotDrives.run(RobotDrives.idle(), test, 9, pool, threads), 0, 10);
    double idleCurve =
        RobotDrives.mean(RobotDrives.run(RobotDrives.idle(), curveDrives, 9, pool, threads), 0, 10);
    List<Result> results = new ArrayList<>();
    Map<String, Double> seconds = new LinkedHashMap<>();
    try {
      for (int seed = 1; seed <= seeds; seed++) {
        for (String method : List.of("oracle PPO (told the task)", "multi-task PPO", "RL²")) {
          long s0 = System.nanoTime();
          List<double[]> curve = new ArrayList<>();
          double[][] r;
          if (method.equals("RL²")) {
            Rl2.Config c = Rl2.Config.robot();
            Rl2 rl2 = new Rl2(RobotMetaRl.env(), c, seed);
            long every = budget / POINTS;
            long next = every;
            while (rl2.curve().isEmpty() || rl2.curve().getLast().envSteps() < budget) {
              long steps = rl2.iterate(pool, threads).envSteps();
              if (steps >= next || steps >= budget) {
                curve.add(
                    point(
                        steps,
                        RobotDrives.rl2(rl2.network(), rl2.parameters()),
                        curveDrives,
                        pool,
                        threads));
                next += every;
              }
            }
            r =
                RobotDrives.run(
                    RobotDrives.rl2(rl2.network(), rl2.parameters()), test, 77, pool, threads);
          } else {
            boolean oracle = method.startsWith("oracle");
            PpoRun run =
                new PpoRun(
                    TaskEnvs.randomTask(
                        RobotMetaRl.env(),
                        oracle,
                        Rl2.Config.robot().switchProbability(),
                        Rl2.Config.robot().horizon()),
                    noEval(RlCommand.ppoConfig("diffdrive", budget)),
                    seed);
            long every = budget / POINTS;
            long[] next = {every};
            run.run(
                pool,
                threads,
                p -> {
                  if (p.envSteps() >= next[0] || p.envSteps() >= budget) {
                    curve.add(
                        point(
                            p.envSteps(),
                            RobotDrives.feedForward(
                                run.model().policy,
                                run.model().policyParams,
                                run.model().norm,
                                oracle),
                            curveDrives,
                            pool,
                            threads));
                    next[0] += every;
                  }
                });
            r =
                RobotDrives.run(
                    RobotDrives.feedForward(
                        run.model().policy, run.model().policyParams, run.model().norm, oracle),
                    test,
                    77,
                    pool,
                    threads);
          }
          double took = (System.nanoTime() - s0) * 1e-9;
          seconds.merge(method, took, Double::sum);
          results.add(new Result(method, seed, r, curve));
          System.out.printf(
              Locale.ROOT,
              "seed %d %-28s before %.2f, 1st s after %.3f, last 2 s %.3f (%.0f s)%n",
              seed,
              method,
              RobotDrives.mean(r, 0, 5),
              RobotDrives.mean(r, 5, 6),
              RobotDrives.mean(r, 8, 10),
              took);
        }
      }
      for (String name : List.of("diffdrive-maml-rl", "diffdrive-promp")) {
        Bundle b = Bundle.load(Path.of("bundles", name));
        var arch =
            (NetworkArchitecture.GaussianPolicyArchitecture)
                b.manifest().graphs().get("policy").architecture();
        GaussianPolicy policy = arch.build();
        double[] q = b.graph("policy").parameters().values();
        double[][] r =
            RobotDrives.run(
                RobotDrives.feedForward(policy, q, null, false), test, 77, pool, threads);
        results.add(new Result(name + " (meta-trained, not adapting)", 0, r, List.of()));
      }
    } finally {
      pool.shutdown();
    }
    report(results, idleTest, idleCurve, seconds, budget, seeds, threads, out, t0);
  }

  static PpoRun.Config noEval(PpoRun.Config c) {
    return new PpoRun.Config(
        c.envs(),
        c.steps(),
        c.totalSteps(),
        c.hidden(),
        c.activation(),
        c.initialLogStd(),
        c.normalise(),
        c.ppo(),
        0,
        0);
  }

  static double[] point(
      long steps,
      Supplier<RobotDrives.Driver> d,
      List<double[][]> drives,
      ExecutorService pool,
      int threads) {
    return new double[] {
      steps, RobotDrives.mean(RobotDrives.run(d, drives, 33, pool, threads), 0, 10)
    };
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }

  static void report(
      List<Result> results,
      double idleTest,
      double idleCurve,
      Map<String, Double> seconds,
      long budget,
      int seeds,
      int threads,
      Path out,
      long t0)
      throws Exception {
    Map<String, List<Result>> by = new LinkedHashMap<>();
    for (Result r : results) {
      by.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
    }
    // the oracle's final curve value per seed is the 1.0 of that seed's scores
    Map<Integer, Double> oracleFinal = new LinkedHashMap<>();
    for (Result r : by.getOrDefault("oracle PPO (told the task)", List.of())) {
      oracleFinal.put(r.seed(), r.curve().getLast()[1]);
    }
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "# RL² against feed-forward policies on the robot's velocity tracking%n%n"
                + "%d held-out 10 s drives, the robot changing at 5 s to another held-out task;"
                + " mean actions; %d env steps of training per method and seed, %d seed(s);"
                + " idle robot (motors off): %.2f per drive.%n%n",
            TEST_DRIVES,
            budget,
            seeds,
            idleTest));
    md.append(
        "| method | seeds | return 0–5 s (before) mean / median | 1st s after the change mean /"
            + " median | last 2 s mean / median | whole drive, seeds' means | env steps to"
            + " 80 % of the oracle per seed |\n|---|---|---|---|---|---|---|\n");
    Map<String, Object> json = new LinkedHashMap<>();
    LinePlot plot =
        new LinePlot(
            "RL² vs feed-forward PPO on the robot (score on " + CURVE_DRIVES + " drives)",
            "environment steps",
            "score (R − R_idle)/(R_oracle − R_idle)");
    for (var e : by.entrySet()) {
      List<Result> rs = e.getValue();
      double[][] all = rs.stream().flatMap(r -> Arrays.stream(r.test())).toArray(double[][]::new);
      double[] before = RobotDrives.perDrive(all, 0, 5);
      double[] first = RobotDrives.perDrive(all, 5, 6);
      double[] last = RobotDrives.perDrive(all, 8, 10);
      List<String> seedMeans = new ArrayList<>();
      List<String> reach = new ArrayList<>();
      for (Result r : rs) {
        seedMeans.add(String.format(Locale.ROOT, "%.2f", RobotDrives.mean(r.test(), 0, 10)));
        Double of = oracleFinal.get(r.seed());
        if (!r.curve().isEmpty() && of != null) {
          String at = "not reached";
          for (double[] p : r.curve()) {
            if (p[1] >= of / 0.8) { // returns are costs (< 0): within 1.25× the oracle's
              at = String.format(Locale.ROOT, "%.1fM", p[0] / 1e6);
              break;
            }
          }
          reach.add(at);
        }
      }
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.3f / %.3f | %.3f / %.3f | %.3f / %.3f | %s | %s |%n",
              e.getKey(),
              rs.getFirst().seed() == 0 ? "shipped" : String.valueOf(rs.size()),
              mean(before),
              median(before),
              mean(first),
              median(first),
              mean(last),
              median(last),
              String.join(", ", seedMeans),
              reach.isEmpty() ? "–" : String.join(", ", reach)));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("before_mean", mean(before));
      row.put("before_median", median(before));
      row.put("first_second_after_mean", mean(first));
      row.put("first_second_after_median", median(first));
      row.put("last_two_seconds_mean", mean(last));
      row.put("last_two_seconds_median", median(last));
      row.put("seed_means", seedMeans);
      row.put("steps_to_score_0_8", reach);
      row.put("per_second_mean", perSecond(all));
      List<double[]> curves = new ArrayList<>();
      for (Result r : rs) {
        curves.addAll(r.curve());
        if (!r.curve().isEmpty() && oracleFinal.get(r.seed()) != null) {
          double of = oracleFinal.get(r.seed());
          plot.add(
              e.getKey() + " seed " + r.seed(),
              r.curve().stream().mapToDouble(p -> p[0]).toArray(),
              r.curve().stream().mapToDouble(p -> (p[1] - idleCurve) / (of - idleCurve)).toArray());
        }
      }
      row.put("curve_steps_return", curves);
      json.put(e.getKey(), row);
    }
    md.append("\nReturn per second after the change (mean over drives and seeds):\n\n");
    md.append("| method | 5–6 s | 6–7 s | 7–8 s | 8–9 s | 9–10 s |\n|---|---|---|---|---|---|\n");
    for (var e : by.entrySet()) {
      double[][] all =
          e.getValue().stream().flatMap(r -> Arrays.stream(r.test())).toArray(double[][]::new);
      double[] ps = perSecond(all);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
              e.getKey(),
              ps[5],
              ps[6],
              ps[7],
              ps[8],
              ps[9]));
    }
    md.append(
        String.format(Locale.ROOT, "%nTraining time per method (all seeds, %d threads):", threads));
    for (var s : seconds.entrySet()) {
      md.append(String.format(Locale.ROOT, " %s %.0f s;", s.getKey(), s.getValue()));
    }
    md.append(
        String.format(
            Locale.ROOT,
            " wall time %.0f s, %d cores.%n",
            (System.nanoTime() - t0) * 1e-9,
            Runtime.getRuntime().availableProcessors()));
    json.put("budget_env_steps", budget);
    json.put("seeds", seeds);
    json.put("idle_return", idleTest);
    json.put("training_seconds", seconds);
    Files.writeString(out.resolve("rl2-comparison.md"), md.toString());
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("rl2-comparison.json").toFile(), json);
    plot.write(out.resolve("rl2-comparison.png"));
    System.out.print(md);
    System.out.println("written " + out);
  }

  static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }

  static double[] perSecond(double[][] all) {
    double[] ps = new double[RobotDrives.SECONDS];
    for (double[] row : all) {
      for (int k = 0; k < ps.length; k++) {
        ps[k] += row[k] / all.length;
      }
    }
    return ps;
  }
}
