package org.adaptrobot.trainer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.adaptrobot.demo.plot.LinePlot;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.ContextMlp;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.ParameterSlice;
import org.adaptrobot.trainer.dynamics.DynamicsDomain;
import org.adaptrobot.trainer.dynamics.DynamicsExperiment;
import org.adaptrobot.trainer.eval.SinusoidExperiment.Estimate;
import org.adaptrobot.trainer.meta.MetaLearner;
import org.adaptrobot.trainer.meta.TaskData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code robot train dynamics}: meta-trains a dynamics model that adapts from the last M
 * transitions (GrBAL; or its CAVIA variant), trains the non-meta-trained baseline on the same data,
 * evaluates both against per-scenario oracles and writes a bundle the runtime loads.
 */
@Command(
    name = "dynamics",
    mixinStandardHelpOptions = true,
    description = {
      "Meta-train an adaptable dynamics model (GrBAL) and export it as a model-based bundle.",
      "Example: robot train dynamics --env diffdrive --iterations 3000 --bundle bundles/diffdrive-grbal"
    })
public final class DynamicsCommand implements Callable<Integer> {

  @Option(names = "--env", defaultValue = "diffdrive", description = "diffdrive or pendulum")
  String env;

  @Option(
      names = "--algorithm",
      defaultValue = "maml",
      description =
          "maml, fomaml, tensor-rate (learned rate per tensor), cavia, or pretrained (pooled"
              + " training without meta-learning: the baseline as a bundle)")
  String algorithm;

  @Option(names = "--iterations", defaultValue = "3000")
  int iterations;

  @Option(names = "--meta-batch", defaultValue = "16")
  int metaBatch;

  @Option(names = "--support", defaultValue = "32", description = "M = K transitions per window")
  int window;

  @Option(names = "--inner-rate", defaultValue = "0.05", description = "alpha of the network")
  double innerRate;

  @Option(names = "--context-rate", defaultValue = "1.0", description = "alpha of CAVIA's context")
  double contextRate;

  @Option(names = "--inner-steps", defaultValue = "1", description = "steps in meta-training")
  int innerSteps;

  @Option(names = "--adapt-steps", defaultValue = "5", description = "steps at evaluation/robot")
  int adaptSteps;

  @Option(names = "--oracle-iterations", defaultValue = "3000")
  int oracleIterations;

  @Option(names = "--eval-windows", defaultValue = "200", description = "windows per scenario")
  int evalWindows;

  @Option(names = "--eval-every", defaultValue = "250")
  int evalEvery;

  @Option(names = "--no-baseline", description = "skip the non-meta-trained baseline")
  boolean noBaseline;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--threads", description = "worker threads (default: all cores)")
  Integer threads;

  @Option(names = "--out", defaultValue = "runs/dynamics")
  Path out;

  @Option(names = "--resume", description = "continue from the checkpoints in --out")
  boolean resume;

  @Option(names = "--bundle", description = "write the meta-trained model as a bundle here")
  Path bundle;

  @Option(names = "--json", description = "write a JSON summary here")
  Path json;

  @picocli.CommandLine.Mixin ClusterOption clusterOption = new ClusterOption();

  static final long EVAL_SEED = 0xE7A1L;

  @Override
  public Integer call() throws Exception {
    if (iterations < 1 || metaBatch < 1 || window < 2 || innerSteps < 1 || adaptSteps < 0) {
      throw new IllegalArgumentException(
          "--iterations, --meta-batch, --inner-steps must be >= 1, --support >= 2,"
              + " --adapt-steps >= 0");
    }
    if (!List.of("maml", "fomaml", "tensor-rate", "cavia", "pretrained").contains(algorithm)) {
      throw new IllegalArgumentException(
          "--algorithm: expected maml, fomaml, tensor-rate, cavia or pretrained, got '"
              + algorithm
              + "'");
    }
    // pretrained: the model trained on pooled data without meta-learning (the baseline itself)
    boolean withBaseline = !noBaseline && !algorithm.equals("pretrained");
    DynamicsDomain domain = DynamicsExperiment.domain(env);
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    Files.createDirectories(out);
    TaskData[] validation = DynamicsExperiment.windows(domain, null, 100, window, EVAL_SEED + 1);

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("env", env);
    summary.put("algorithm", algorithm);
    summary.put("iterations", iterations);
    summary.put("meta_batch", metaBatch);
    summary.put("support_window", window);
    summary.put("query_window", window);
    summary.put("inner_rate", algorithm.equals("cavia") ? contextRate : innerRate);
    summary.put("inner_steps_training", innerSteps);
    summary.put("adapt_steps", adaptSteps);
    summary.put("seed", seed);
    summary.put("threads", nThreads);
    summary.put("code_version", RunFiles.codeVersion());

    try (org.adaptrobot.trainer.cluster.Cluster c = clusterOption.connect();
        MetaLearner meta = learner(algorithm, domain, nThreads, c);
        MetaLearner base = withBaseline ? learner("pretrained", domain, nThreads, c) : null) {
      TrainingLoop.Result metaResult = train(meta, domain, validation);
      summary.put("training_seconds", metaResult.totalSeconds());
      summary.put("ms_per_iteration", metaResult.msPerIteration());
      if (base != null) {
        TrainingLoop.Result baseResult = train(base, domain, validation);
        summary.put("baseline_training_seconds", baseResult.totalSeconds());
      }
      if (c != null) {
        summary.put("cluster", ClusterOption.provenance(clusterOption.address, c));
      }
      List<Map<String, Object>> rows = table(domain, meta, base);
      summary.put("scenarios", rows);
      stepsPlot(domain, meta, base);
      if (bundle != null) {
        Bundle b = export(domain, meta, rows, metaResult);
        summary.put("bundle", bundle.toAbsolutePath().toString());
        System.out.println(
            "wrote bundle "
                + bundle
                + " ("
                + b.manifest().adaptation().mode().id()
                + ", "
                + meta.parameters().length
                + " parameters)");
      }
    }
    RunFiles.json(out.resolve("summary.json"), summary);
    if (json != null) {
      RunFiles.json(json, summary);
    }
    return 0;
  }

  private MetaLearner learner(
      String name, DynamicsDomain domain, int nThreads, org.adaptrobot.trainer.cluster.Cluster c) {
    MetaLearner l =
        DynamicsExperiment.learner(
            name, domain, innerRate, contextRate, innerSteps, seed, nThreads, window);
    if (c != null) {
      l.distribute(
          c,
          new DynamicsExperiment.Recipe(
              env, name, innerRate, contextRate, innerSteps, seed, window));
    }
    return l;
  }

  private TrainingLoop.Result train(MetaLearner learner, DynamicsDomain domain, TaskData[] val)
      throws Exception {
    String run =
        String.format(
            Locale.ROOT,
            "dynamics %s %s M=%d meta-batch=%d alpha=%s steps=%d seed=%d",
            env,
            learner.name(),
            window,
            metaBatch,
            learner.name().equals("cavia") ? contextRate : innerRate,
            innerSteps,
            seed);
    return TrainingLoop.run(
        learner,
        DynamicsExperiment.sampler(domain, window),
        metaBatch,
        window,
        iterations,
        evalEvery,
        out.resolve(learner.name()),
        run,
        resume,
        "val_mse_before,val_mse_after",
        l ->
            new double[] {
              DynamicsExperiment.evaluate(l, val, 0).mean(),
              DynamicsExperiment.evaluate(l, val, adaptSteps).mean()
            });
  }

  private List<Map<String, Object>> table(
      DynamicsDomain domain, MetaLearner meta, MetaLearner base) {
    List<Map<String, Object>> rows = new ArrayList<>();
    Mlp oracleNet = DynamicsExperiment.network(domain.inputSize(), domain.stateSize());
    List<DynamicsDomain.Scenario> scenarios = new ArrayList<>(domain.scenarios());
    scenarios.add(new DynamicsDomain.Scenario("random test-range tasks", null, false));
    System.out.println();
    System.out.printf(
        "%-44s %-16s %-16s %-16s %-16s %-16s%n",
        "dynamics (normalised one-step MSE)",
        "meta, before",
        "meta, after " + adaptSteps,
        "baseline",
        "baseline tuned",
        "oracle");
    for (DynamicsDomain.Scenario s : scenarios) {
      TaskData[] w = DynamicsExperiment.windows(domain, s.task(), evalWindows, window, EVAL_SEED);
      Estimate before = DynamicsExperiment.evaluate(meta, w, 0);
      Estimate after = DynamicsExperiment.evaluate(meta, w, adaptSteps);
      Estimate baseBefore = base == null ? null : DynamicsExperiment.evaluate(base, w, 0);
      Estimate baseAfter = base == null ? null : DynamicsExperiment.evaluate(base, w, adaptSteps);
      Estimate oracle = null;
      if (s.task() != null && oracleIterations > 0) {
        double[] p = DynamicsExperiment.oracle(domain, s.task(), oracleIterations, seed);
        oracle = DynamicsExperiment.evaluateFixed(oracleNet, p, w);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("scenario", s.name());
      row.put("held_out", s.heldOut());
      put(row, "meta_before", before);
      put(row, "meta_after", after);
      put(row, "baseline_before", baseBefore);
      put(row, "baseline_after", baseAfter);
      put(row, "oracle", oracle);
      rows.add(row);
      System.out.printf(
          "%-44s %-16s %-16s %-16s %-16s %-16s%n",
          s.name(), cell(before), cell(after), cell(baseBefore), cell(baseAfter), cell(oracle));
    }
    return rows;
  }

  private static void put(Map<String, Object> row, String key, Estimate e) {
    if (e != null) {
      row.put(key, e.mean());
      row.put(key + "_ci95", e.halfWidth());
    }
  }

  private static String cell(Estimate e) {
    return e == null ? "-" : String.format(Locale.ROOT, "%.4f ± %.4f", e.mean(), e.halfWidth());
  }

  private void stepsPlot(DynamicsDomain domain, MetaLearner meta, MetaLearner base)
      throws Exception {
    DynamicsDomain.Scenario held =
        domain.scenarios().stream().filter(DynamicsDomain.Scenario::heldOut).findFirst().get();
    TaskData[] w = DynamicsExperiment.windows(domain, held.task(), 100, window, EVAL_SEED + 2);
    int max = Math.max(10, adaptSteps);
    double[] steps = new double[max + 1];
    double[] m = new double[max + 1];
    double[] b = new double[max + 1];
    for (int s = 0; s <= max; s++) {
      steps[s] = s;
      m[s] = DynamicsExperiment.evaluate(meta, w, s).mean();
      if (base != null) {
        b[s] = DynamicsExperiment.evaluate(base, w, s).mean();
      }
    }
    LinePlot plot =
        new LinePlot(
            env + ": " + held.name(),
            "gradient steps on the last " + window + " transitions",
            "normalised MSE on the next " + window);
    plot.add(meta.name() + " (meta-trained)", steps, m);
    if (base != null) {
      plot.add("not meta-trained, fine-tuned", steps, b);
    }
    plot.logY().write(out.resolve("adaptation-steps.png"));
  }

  private Bundle export(
      DynamicsDomain domain,
      MetaLearner meta,
      List<Map<String, Object>> rows,
      TrainingLoop.Result result)
      throws Exception {
    boolean cavia = meta.name().equals("cavia");
    NetworkArchitecture arch;
    double[] params = meta.parameters().clone();
    List<String> adaptable;
    if (cavia) {
      ContextMlp model = (ContextMlp) meta.model();
      arch =
          new NetworkArchitecture.ContextMlpArchitecture(
              NetworkArchitecture.MlpArchitecture.of(model.network()), model.contextSize());
      ParameterSlice context = model.layout().slice(ContextMlp.CONTEXT);
      Arrays.fill(params, context.offset(), context.end(), 0.0);
      adaptable = List.of(ContextMlp.CONTEXT);
    } else {
      Mlp model = (Mlp) meta.model();
      arch = NetworkArchitecture.MlpArchitecture.of(model);
      adaptable = model.layout().slices().stream().map(ParameterSlice::name).toList();
    }
    Manifest.ObservationSpec obs = domain.observationSpec();
    Manifest.ActionSpec act = domain.actionSpec();
    double[] rates =
        meta instanceof org.adaptrobot.trainer.meta.MetaSgd t && t.perTensorRates()
            ? t.learnedRates()
            : new double[] {cavia ? contextRate : innerRate};
    Manifest.AdaptationSpec adaptation =
        new Manifest.AdaptationSpec(
            cavia ? AdaptationMode.CONTEXT_GRADIENT : AdaptationMode.MODEL_BASED,
            Manifest.DYNAMICS,
            adaptable,
            rates,
            adaptSteps,
            window,
            window,
            "mse");
    Map<String, Object> hyper = new LinkedHashMap<>();
    hyper.put("env", env);
    hyper.put("iterations", iterations);
    hyper.put("meta_batch", metaBatch);
    hyper.put("meta_learning_rate", DynamicsExperiment.META_LEARNING_RATE);
    hyper.put("inner_steps_training", innerSteps);
    hyper.put("hidden", DynamicsExperiment.HIDDEN);
    hyper.put(
        "command",
        String.format(
            Locale.ROOT,
            "robot train dynamics --env %s --algorithm %s --iterations %d --meta-batch %d"
                + " --support %d --inner-rate %s --context-rate %s --inner-steps %d"
                + " --adapt-steps %d --seed %d",
            env,
            algorithm,
            iterations,
            metaBatch,
            window,
            innerRate,
            contextRate,
            innerSteps,
            adaptSteps,
            seed));
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("training_seconds", result.totalSeconds());
    for (Map<String, Object> r : rows) {
      String key = ((String) r.get("scenario")).replaceAll("[^A-Za-z0-9]+", "_").toLowerCase();
      metrics.put(key + "_mse_before", (Double) r.get("meta_before"));
      metrics.put(key + "_mse_after", (Double) r.get("meta_after"));
    }
    Manifest.Provenance provenance =
        new Manifest.Provenance(
            meta.name(),
            hyper,
            seed,
            RunFiles.codeVersion(),
            metrics,
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    Manifest template =
        new Manifest(
            Manifest.FORMAT_VERSION,
            env + "-" + meta.name() + "-dynamics",
            (meta.name().equals("pretrained")
                    ? "Dynamics model trained on pooled data of all training dynamics, without"
                        + " meta-learning (the baseline), fine-tuned on the last "
                    : "Dynamics model meta-trained to adapt from the last ")
                + window
                + " transitions. Input [(obs - mean)/std, action], output the normalised change"
                + " (obs' - obs)/std; set-point components are exogenous (change 0).",
            obs,
            act,
            domain.controlRateHz(),
            Map.of(),
            adaptation,
            provenance,
            Map.of());
    Set<String> adaptableSet = new LinkedHashSet<>(adaptable);
    return BundleExport.write(
        bundle,
        template,
        Map.of(Manifest.DYNAMICS, new BundleExport.GraphExport(arch, params, adaptableSet)));
  }
}
