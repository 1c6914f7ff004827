package org.adaptrobot.trainer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.adaptrobot.demo.plot.LinePlot;
import org.adaptrobot.trainer.eval.SinusoidExperiment;
import org.adaptrobot.trainer.eval.SinusoidExperiment.Estimate;
import org.adaptrobot.trainer.meta.MetaLearner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code robot train sine}: the sinusoid regression benchmark of the MAML and CAVIA papers for any
 * set of algorithms and shot counts, with periodic evaluation, checkpoints, a metrics CSV per run,
 * a PNG of MSE against adaptation steps per K and a side-by-side table.
 */
@Command(
    name = "sine",
    mixinStandardHelpOptions = true,
    description = {
      "Sinusoid regression benchmark (amplitude U[0.1,5], phase U[0,pi], x U[-5,5], 40-40 ReLU).",
      "Example: robot train sine --algorithms maml,fomaml,reptile,metasgd,cavia,pretrained"
          + " --shots 5,10,20 --iterations 70000"
    })
public final class SineCommand implements Callable<Integer> {

  @Option(
      names = "--algorithms",
      split = ",",
      defaultValue = "maml",
      description = "maml, fomaml, reptile, metasgd, cavia, pretrained (default: ${DEFAULT-VALUE})")
  List<String> algorithms;

  @Option(
      names = "--shots",
      split = ",",
      defaultValue = "5",
      description = "K values (default: ${DEFAULT-VALUE})")
  List<Integer> shots;

  @Option(
      names = "--iterations",
      defaultValue = "70000",
      description = "meta-iterations (default: ${DEFAULT-VALUE})")
  int iterations;

  @Option(
      names = "--meta-batch",
      defaultValue = "25",
      description = "tasks per meta-iteration (default: ${DEFAULT-VALUE})")
  int metaBatch;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "first training seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--threads", description = "worker threads (default: all cores)")
  Integer threads;

  @Option(
      names = "--eval-every",
      defaultValue = "1000",
      description =
          "evaluate on 100 held-out tasks and checkpoint every N iterations (default:"
              + " ${DEFAULT-VALUE})")
  int evalEvery;

  @Option(
      names = "--eval-tasks",
      defaultValue = "1000",
      description = "final held-out tasks (default: ${DEFAULT-VALUE})")
  int evalTasks;

  @Option(
      names = "--oracle-iterations",
      defaultValue = "20000",
      description = "training iterations of the oracle, 0: no oracle (default: ${DEFAULT-VALUE})")
  int oracleIterations;

  @Option(
      names = "--out",
      defaultValue = "runs/sine",
      description = "output directory (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--resume", description = "continue each run from its checkpoint (default: off)")
  boolean resume;

  @Option(names = "--json", description = "write a JSON summary here (default: none)")
  Path json;

  @Option(
      names = "--seeds",
      defaultValue = "1",
      description =
          "training seeds, from --seed on: the table gives the spread of the seeds' means"
              + " (default: ${DEFAULT-VALUE})")
  int seeds;

  @picocli.CommandLine.Mixin ClusterOption clusterOption = new ClusterOption();

  private org.adaptrobot.trainer.cluster.Cluster cluster;

  static final long EVAL_SEED = 0x5EED_E7A1L;
  static final int MAX_STEPS = 10;

  @Override
  public Integer call() throws Exception {
    if (iterations < 1 || metaBatch < 1 || evalEvery < 1 || evalTasks < 2 || seeds < 1) {
      throw new IllegalArgumentException(
          "--iterations, --meta-batch, --eval-every, --seeds must be >= 1 and --eval-tasks >= 2");
    }
    for (int k : shots) {
      if (k < 1 || k > 1000) {
        throw new IllegalArgumentException("--shots: K must be in 1..1000, got " + k);
      }
    }
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    Files.createDirectories(out);
    cluster = clusterOption.connect();
    try {
      return train(nThreads);
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  private int train(int nThreads) throws Exception {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("benchmark", "sinusoid");
    summary.put("iterations", iterations);
    summary.put("meta_batch", metaBatch);
    summary.put("seed", seed);
    summary.put("threads", nThreads);
    summary.put("eval_tasks", evalTasks);
    summary.put("code_version", RunFiles.codeVersion());
    Estimate oracle = null;
    if (oracleIterations > 0) {
      oracle = SinusoidExperiment.oracle(oracleIterations, evalTasks, seed);
      System.out.printf(
          Locale.ROOT,
          "oracle (amplitude and phase as inputs): MSE %.3f ± %.3f%n",
          oracle.mean(),
          oracle.halfWidth());
      summary.put("oracle_mse", oracle.mean());
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int k : shots) {
      LinePlot plot =
          new LinePlot(
                  "Sinusoid, K = " + k + " (" + evalTasks + " held-out tasks)",
                  "gradient steps at test time",
                  "MSE on 100 points")
              .logY();
      double[] steps = new double[MAX_STEPS + 1];
      for (int s = 0; s <= MAX_STEPS; s++) {
        steps[s] = s;
      }
      for (String algorithm : algorithms) {
        double[] curve = null;
        for (int sd = 0; sd < seeds; sd++) {
          Map<String, Object> row = runOne(algorithm, k, nThreads, seed + sd);
          rows.add(row);
          double[] c = (double[]) row.remove("curve");
          if (sd == 0) {
            curve = c; // the plot shows the first seed; the table all of them
          }
        }
        // a diverged adaptation ends its line (noted in the legend) instead of flattening the rest
        int valid = 0;
        while (valid < curve.length && Double.isFinite(curve[valid]) && curve[valid] < 1e3) {
          valid++;
        }
        plot.add(
            valid < curve.length
                ? algorithm + " (diverges after " + (valid - 1) + " steps)"
                : algorithm,
            java.util.Arrays.copyOf(steps, valid),
            java.util.Arrays.copyOf(curve, valid));
      }
      if (oracle != null) {
        double[] flat = new double[MAX_STEPS + 1];
        java.util.Arrays.fill(flat, oracle.mean());
        plot.add("oracle", steps, flat);
      }
      plot.write(out.resolve("mse-vs-steps-k" + k + ".png"));
    }
    summary.put("results", rows);
    if (cluster != null) {
      summary.put("cluster", ClusterOption.provenance(clusterOption.address, cluster));
    }
    printTable(rows, oracle);
    RunFiles.json(out.resolve("summary.json"), summary);
    if (json != null) {
      RunFiles.json(json, summary);
    }
    System.out.println("wrote " + out.toAbsolutePath());
    return 0;
  }

  private Map<String, Object> runOne(String algorithm, int k, int nThreads, long seed)
      throws Exception {
    Path dir = out.resolve(algorithm + "-k" + k + (seed == this.seed ? "" : "-seed" + seed));
    String run =
        String.format(
            Locale.ROOT, "sine %s K=%d meta-batch=%d seed=%d", algorithm, k, metaBatch, seed);
    try (MetaLearner learner = SinusoidExperiment.learner(algorithm, seed, nThreads, k)) {
      if (cluster != null) {
        learner.distribute(cluster, new SinusoidExperiment.Recipe(algorithm, seed, k));
      }
      TrainingLoop.Result result =
          TrainingLoop.run(
              learner,
              SinusoidExperiment.sampler(),
              metaBatch,
              k,
              iterations,
              evalEvery,
              dir,
              run,
              resume,
              "mse_after_1,mse_after_10",
              l -> {
                Estimate[] v = SinusoidExperiment.evaluate(l, k, 100, MAX_STEPS, EVAL_SEED + 1);
                return new double[] {v[1].mean(), v[MAX_STEPS].mean()};
              });
      Estimate[] e = SinusoidExperiment.evaluate(learner, k, evalTasks, MAX_STEPS, EVAL_SEED);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("algorithm", algorithm);
      row.put("k", k);
      row.put("seed", seed);
      row.put("mse_after_0", e[0].mean());
      for (int st : new int[] {1, MAX_STEPS}) {
        row.put("mse_after_" + st, e[st].mean());
        row.put("ci95_after_" + st, e[st].halfWidth());
        row.put("median_after_" + st, e[st].median());
        row.put("diverged_after_" + st, e[st].diverged());
        row.put("mean_of_rest_after_" + st, e[st].meanOfRest());
      }
      row.put("ms_per_iteration", result.msPerIteration());
      double[] curve = new double[MAX_STEPS + 1];
      for (int s = 0; s <= MAX_STEPS; s++) {
        curve[s] = e[s].mean();
      }
      row.put("curve", curve);
      Map<String, Object> stored = new LinkedHashMap<>(row);
      stored.put("curve", curve);
      RunFiles.json(dir.resolve("result.json"), stored);
      return row;
    }
  }

  /**
   * Mean ± half-width (or "diverged" when one task's adaptation blew up, for example Meta-SGD's
   * one-step rates applied ten times), then the median and the count of diverged tasks.
   */
  static String cell(Map<String, Object> r, int steps) {
    return cellText(
        (Double) r.get("mse_after_" + steps),
        (Double) r.get("ci95_after_" + steps),
        (Double) r.get("median_after_" + steps),
        (Integer) r.get("diverged_after_" + steps));
  }

  static String cellText(double mean, double half, double median, int diverged) {
    String m =
        Double.isFinite(mean) && mean < SinusoidExperiment.DIVERGED
            ? String.format(Locale.ROOT, "%.3f ± %.3f", mean, half)
            : "diverged";
    return String.format(Locale.ROOT, "%s (median %.3f, %d diverged)", m, median, diverged);
  }

  private void printTable(List<Map<String, Object>> rows, Estimate oracle) {
    System.out.println();
    System.out.printf(
        "%-11s %4s %5s %-42s %-42s %9s%n",
        "algorithm", "K", "seed", "MSE 1 step", "MSE 10 steps", "ms/iter");
    for (Map<String, Object> r : rows) {
      System.out.printf(
          Locale.ROOT,
          "%-11s %4d %5d %-42s %-42s %9.2f%n",
          r.get("algorithm"),
          (Integer) r.get("k"),
          (Long) r.get("seed"),
          cell(r, 1),
          cell(r, MAX_STEPS),
          (Double) r.get("ms_per_iteration"));
    }
    if (seeds > 1) {
      System.out.println();
      System.out.println("spread across training seeds (median over tasks, per seed):");
      Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
      for (Map<String, Object> r : rows) {
        groups
            .computeIfAbsent(r.get("algorithm") + " K=" + r.get("k"), x -> new ArrayList<>())
            .add(r);
      }
      for (var g : groups.entrySet()) {
        double[] one =
            g.getValue().stream()
                .mapToDouble(r -> (Double) r.get("median_after_1"))
                .sorted()
                .toArray();
        double[] ten =
            g.getValue().stream()
                .mapToDouble(r -> (Double) r.get("median_after_" + MAX_STEPS))
                .sorted()
                .toArray();
        System.out.printf(
            Locale.ROOT,
            "  %-16s 1 step %.3f [%.3f, %.3f]   10 steps %.3f [%.3f, %.3f]  (median of seeds [min, max])%n",
            g.getKey(),
            one[one.length / 2],
            one[0],
            one[one.length - 1],
            ten[ten.length / 2],
            ten[0],
            ten[ten.length - 1]);
      }
    }
    if (oracle != null) {
      System.out.printf(
          Locale.ROOT,
          "%-11s %4s %8.3f ± %.3f%n",
          "oracle",
          "-",
          oracle.mean(),
          oracle.halfWidth());
    }
  }
}
