package org.adaptrobot.trainer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.adaptrobot.models.bayes.BayesianLastLayer;
import org.adaptrobot.models.bayes.KStepErrorStatistic;
import org.adaptrobot.models.bayes.LastLayerPosterior;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.BayesianLastLayerSpec;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.sim.env.TaskDistribution;
import org.adaptrobot.trainer.dynamics.DiffDriveDynamics;
import org.adaptrobot.trainer.dynamics.DynamicsDomain;
import org.adaptrobot.trainer.dynamics.PendulumDynamics;
import org.adaptrobot.trainer.io.Progress;
import org.adaptrobot.trainer.meta.Alpaca;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code robot train bll}: a dynamics model whose last layer is Bayesian linear regression,
 * conditioned on the robot in closed form after every transition. Three models, one format:
 *
 * <ul>
 *   <li>{@code alpaca}: features and prior meta-trained by ALPaCA (the posterior predictive
 *       likelihood after conditioning on 0..max-support transitions of a task);
 *   <li>{@code pooled}: the same network trained on pooled data of all training dynamics with no
 *       conditioning (support size 0: no meta-learning), its prior precision then chosen by grid
 *       search on held-out tasks so that it adapts as well as it can — the ablation of
 *       meta-learning;
 *   <li>{@code rls}: no features (φ = [x, 1]): a linear model fitted by least squares to pooled
 *       data, adapted by recursive least squares with forgetting — classic adaptive control.
 * </ul>
 *
 * Each is evaluated on the domain's scenarios (predictive NLL and MSE after 0, 10 and 50
 * transitions), the change detector is calibrated on held-out unchanged dynamics, and the model is
 * written as a {@code bayesian-last-layer} bundle.
 */
@Command(
    name = "bll",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Train a dynamics model with a Bayesian last layer (closed-form adaptation on the robot) and"
          + " export it as a bayesian-last-layer bundle.",
      "Example: robot train bll --model alpaca --bundle bundles/diffdrive-bll"
    })
public final class BllCommand implements Callable<Integer> {

  @Option(names = "--env", defaultValue = "diffdrive", description = "diffdrive or pendulum")
  String env;

  @Option(
      names = "--model",
      defaultValue = "alpaca",
      description = "alpaca (meta-trained), pooled (no meta-learning) or rls (linear)")
  String model;

  @Option(names = "--iterations", defaultValue = "3000", description = "meta-iterations")
  int iterations;

  @Option(names = "--meta-batch", defaultValue = "16", description = "tasks per iteration")
  int metaBatch;

  @Option(names = "--max-support", defaultValue = "64", description = "largest support drawn")
  int maxSupport;

  @Option(names = "--query", defaultValue = "16", description = "query transitions per task")
  int query;

  @Option(names = "--hidden", defaultValue = "64", description = "hidden units")
  int hidden;

  @Option(names = "--features", defaultValue = "32", description = "learned features")
  int features;

  @Option(names = "--learning-rate", defaultValue = "0.001", description = "Adam's step size")
  double learningRate;

  @Option(
      names = "--forgetting",
      defaultValue = "0.99",
      description = "λ per control step on the robot (effective memory 1/(1-λ) steps)")
  double forgetting;

  @Option(
      names = "--keep-on-change",
      defaultValue = "0.05",
      description = "fraction of the data's information kept when a change is detected")
  double keepOnChange;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--threads", description = "worker threads (default: all cores)")
  Integer threads;

  @Option(names = "--out", defaultValue = "runs/bll", description = "metrics and summary folder")
  Path out;

  @Option(names = "--bundle", description = "write the model as a bundle here")
  Path bundle;

  @Option(names = "--json", description = "write a JSON summary here")
  Path json;

  static final long EVAL_SEED = 0xB11L;
  static final int[] SUPPORT_SIZES = {0, 10, 50};

  @Override
  public Integer call() throws Exception {
    if (!List.of("alpaca", "pooled", "rls").contains(model)) {
      throw new IllegalArgumentException(
          "--model: expected alpaca, pooled or rls, found '" + model + "'");
    }
    if (iterations < 1 || metaBatch < 1 || maxSupport < 1 || query < 1 || features < 1) {
      throw new IllegalArgumentException(
          "--iterations, --meta-batch, --max-support, --query and --features must be >= 1");
    }
    if (!(forgetting > 0 && forgetting <= 1) || !(keepOnChange >= 0 && keepOnChange <= 1)) {
      throw new IllegalArgumentException(
          "--forgetting must be in (0, 1] and --keep-on-change in [0, 1]");
    }
    DynamicsDomain domain =
        switch (env) {
          case "diffdrive" -> new DiffDriveDynamics();
          case "pendulum" -> new PendulumDynamics();
          default ->
              throw new IllegalArgumentException(
                  "--env: expected diffdrive or pendulum, got '" + env + "'");
        };
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    Files.createDirectories(out);
    int in = domain.inputSize();
    int outSize = domain.stateSize();
    boolean[] monitored = new boolean[outSize];
    for (int k = 0; k < outSize; k++) {
      monitored[k] = !domain.exogenous(k);
    }
    Mlp net =
        model.equals("rls")
            ? null
            : new Mlp(
                new int[] {in, hidden, features},
                new Activation[] {Activation.TANH, Activation.TANH});
    BayesianLastLayer bll = new BayesianLastLayer(net, in, outSize, monitored);
    double[] noise = targetVariance(domain, monitored);
    double[] theta = new double[bll.layout().size()];
    bll.initialise(theta, new SplittableRandom(seed), 1.0, noise);
    ThreadLocal<DynamicsDomain> domains = ThreadLocal.withInitial(domain::copy);
    Alpaca.WindowSource training =
        (r, count, x, y) -> {
          DynamicsDomain d = domains.get();
          d.transitions(d.trainingTask(r), r, count, x, y);
        };
    long t0 = System.nanoTime();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("env", env);
    summary.put("model", model);
    summary.put("seed", seed);
    summary.put("code_version", RunFiles.codeVersion());
    List<double[]> curve = new ArrayList<>();
    switch (model) {
      case "alpaca" -> theta = train(bll, theta, training, maxSupport, nThreads, curve);
      case "pooled" -> {
        // no conditioning during training: every task is scored on the prior alone
        theta = train(bll, theta, training, 0, nThreads, curve);
        theta = tunePrecision(bll, theta, domain);
      }
      default -> {
        theta = fitLinear(bll, theta, domain);
        theta = tunePrecision(bll, theta, domain);
      }
    }
    double seconds = (System.nanoTime() - t0) * 1e-9;
    summary.put("training_seconds", seconds);
    List<Map<String, Object>> rows = table(bll, theta, domain);
    summary.put("scenarios", rows);
    double[] calibration = calibrate(bll, theta, domain);
    summary.put("detector_nominal_mean", calibration[0]);
    summary.put("detector_nominal_std", calibration[1]);
    System.out.printf(
        Locale.ROOT,
        "change detector calibration on unchanged dynamics: statistic mean %.3f, std %.3f%n",
        calibration[0],
        calibration[1]);
    if (bundle != null) {
      Bundle b = export(domain, bll, theta, calibration, rows, seconds);
      summary.put("bundle", bundle.toAbsolutePath().toString());
      System.out.println(
          "wrote bundle " + bundle + " (" + b.manifest().adaptation().mode().id() + ")");
    }
    RunFiles.json(out.resolve("summary.json"), summary);
    if (json != null) {
      RunFiles.json(json, summary);
    }
    return 0;
  }

  /** Variance of each normalised change on pooled training data: the initial noise. */
  static double[] targetVariance(DynamicsDomain domain, boolean[] monitored) {
    SplittableRandom r = new SplittableRandom(EVAL_SEED);
    int n = 2000;
    double[] x = new double[n * domain.inputSize()];
    double[] y = new double[n * domain.stateSize()];
    DynamicsDomain d = domain.copy();
    int out = domain.stateSize();
    double[] sum = new double[out];
    double[] sq = new double[out];
    int count = 0;
    for (int w = 0; w < 10; w++) {
      d.transitions(d.trainingTask(r), r, n / 10, x, y);
      for (int s = 0; s < n / 10; s++) {
        for (int k = 0; k < out; k++) {
          sum[k] += y[s * out + k];
          sq[k] += y[s * out + k] * y[s * out + k];
        }
      }
      count += n / 10;
    }
    double[] v = new double[out];
    for (int k = 0; k < out; k++) {
      double m = sum[k] / count;
      v[k] = monitored[k] ? Math.max(1e-6, sq[k] / count - m * m) : 1.0;
    }
    return v;
  }

  private double[] train(
      BayesianLastLayer bll,
      double[] theta,
      Alpaca.WindowSource source,
      int support,
      int nThreads,
      List<double[]> curve)
      throws Exception {
    Progress progress = new Progress(System.out, model + " " + env, 0, iterations);
    try (Alpaca alpaca = new Alpaca(bll, theta, learningRate, support, query, seed, nThreads);
        RunFiles.Csv csv =
            new RunFiles.Csv(out.resolve("metrics.csv"), "iteration,train_nll", false)) {
      double smooth = Double.NaN;
      for (int i = 0; i < iterations; i++) {
        double loss = alpaca.step(source, metaBatch);
        if (Double.isFinite(loss)) {
          smooth = Double.isNaN(smooth) ? loss : 0.98 * smooth + 0.02 * loss;
        }
        if (i % 50 == 0 || i == iterations - 1) {
          csv.row(i, smooth);
          curve.add(new double[] {i, smooth});
        }
        progress.note(String.format(Locale.ROOT, "NLL %.3f", smooth));
        progress.update(i + 1);
      }
      return alpaca.parameters();
    }
  }

  /** K₀ by least squares on pooled data (a weak ridge), σ² from its residuals. */
  private static double[] fitLinear(BayesianLastLayer bll, double[] theta, DynamicsDomain domain) {
    int in = domain.inputSize();
    int out = domain.stateSize();
    int m = bll.features();
    double[] ridge = new double[m * m];
    for (int i = 0; i < m; i++) {
      ridge[i * m + i] = 1e-3;
    }
    LastLayerPosterior fit = new LastLayerPosterior(new double[m * out], ridge, ones(out));
    SplittableRandom r = new SplittableRandom(EVAL_SEED + 1);
    DynamicsDomain d = domain.copy();
    int n = 200;
    double[] x = new double[n * in];
    double[] y = new double[n * out];
    double[] phi = new double[n * m];
    List<double[]> keep = new ArrayList<>();
    for (int w = 0; w < 100; w++) {
      d.transitions(d.trainingTask(r), r, n, x, y);
      bll.features(theta, x, n, phi, null);
      for (int s = 0; s < n; s++) {
        fit.add(phi, s * m, y, s * out, 1.0);
      }
      if (w < 10) {
        keep.add(phi.clone());
        keep.add(y.clone());
      }
    }
    fit.solve();
    double[] k0 = fit.mean();
    int meanOff = bll.layout().slice(BayesianLastLayer.PRIOR_MEAN).offset();
    System.arraycopy(k0, 0, theta, meanOff, k0.length);
    // residual variance per output
    double[] sq = new double[out];
    int count = 0;
    double[] pred = new double[out];
    for (int w = 0; w < keep.size(); w += 2) {
      double[] p = keep.get(w);
      double[] t = keep.get(w + 1);
      for (int s = 0; s < n; s++) {
        for (int k = 0; k < out; k++) {
          double v = 0;
          for (int i = 0; i < m; i++) {
            v += k0[i * out + k] * p[s * m + i];
          }
          pred[k] = v;
          sq[k] += (t[s * out + k] - v) * (t[s * out + k] - v);
        }
        count++;
      }
    }
    int noiseOff = bll.layout().slice(BayesianLastLayer.LOG_NOISE).offset();
    for (int k = 0; k < out; k++) {
      theta[noiseOff + k] = Math.log(Math.max(1e-8, sq[k] / count));
    }
    return theta;
  }

  static double[] ones(int n) {
    double[] v = new double[n];
    Arrays.fill(v, 1);
    return v;
  }

  /**
   * For a model that was not meta-trained: the prior precision c·I with c from a grid, chosen for
   * the best held-out predictive likelihood after 10 and 50 transitions (it adapts as well as it
   * can with an isotropic prior).
   */
  private static double[] tunePrecision(
      BayesianLastLayer bll, double[] theta, DynamicsDomain domain) {
    double[][][] w = windows(domain, null, 40, 50 + 16, EVAL_SEED + 3);
    int m = bll.features();
    int factorOff = bll.layout().slice(BayesianLastLayer.PRIOR_PRECISION_FACTOR).offset();
    double best = Double.POSITIVE_INFINITY;
    double bestC = 1;
    for (double c : new double[] {1e-2, 3e-2, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000}) {
      double[] t = theta.clone();
      Arrays.fill(t, factorOff, factorOff + m * m, 0);
      double l = Math.sqrt(Math.max(c - BayesianLastLayer.PRECISION_FLOOR, 1e-12));
      for (int i = 0; i < m; i++) {
        t[factorOff + i * m + i] = l;
      }
      double score = nll(bll, t, w[0], w[1], 10) + nll(bll, t, w[0], w[1], 50);
      if (score < best) {
        best = score;
        bestC = c;
      }
    }
    System.out.printf(Locale.ROOT, "prior precision chosen on held-out tasks: %.3g·I%n", bestC);
    Arrays.fill(theta, factorOff, factorOff + m * m, 0);
    double l = Math.sqrt(Math.max(bestC - BayesianLastLayer.PRECISION_FLOOR, 1e-12));
    for (int i = 0; i < m; i++) {
      theta[factorOff + i * m + i] = l;
    }
    return theta;
  }

  /** Windows of {@code count} transitions: [0] inputs, [1] targets, one row per window. */
  static double[][][] windows(DynamicsDomain domain, double[] task, int n, int count, long seed) {
    return windows(domain, task, n, count, seed, TaskDistribution.Split.TEST);
  }

  /** Windows with tasks drawn from {@code split} when {@code task} is null. */
  static double[][][] windows(
      DynamicsDomain domain,
      double[] task,
      int n,
      int count,
      long seed,
      TaskDistribution.Split split) {
    DynamicsDomain d = domain.copy();
    double[][] x = new double[n][count * d.inputSize()];
    double[][] y = new double[n][count * d.stateSize()];
    for (int i = 0; i < n; i++) {
      SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
      double[] t = task != null ? task : d.tasks().sample(split, r);
      d.transitions(t, r, count, x[i], y[i]);
    }
    return new double[][][] {x, y};
  }

  /** Mean query NLL after conditioning on the first t transitions of each window (query: 16). */
  static double nll(BayesianLastLayer bll, double[] theta, double[][] x, double[][] y, int t) {
    int in = bll.inputSize();
    int out = bll.outputSize();
    int q = 16;
    BayesianLastLayer.Workspace w = bll.newWorkspace(t, q);
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum +=
          bll.loss(
              theta,
              Arrays.copyOfRange(x[i], 0, t * in),
              Arrays.copyOfRange(y[i], 0, t * out),
              t,
              Arrays.copyOfRange(x[i], t * in, (t + q) * in),
              Arrays.copyOfRange(y[i], t * out, (t + q) * out),
              q,
              null,
              w);
    }
    return sum / x.length;
  }

  /** Mean squared error of the posterior mean on the monitored outputs (query: 16 after t). */
  static double mse(BayesianLastLayer bll, double[] theta, double[][] x, double[][] y, int t) {
    int in = bll.inputSize();
    int out = bll.outputSize();
    int m = bll.features();
    int q = 16;
    double[] phi = new double[(t + q) * m];
    double[] pred = new double[out];
    double sum = 0;
    int count = 0;
    for (int i = 0; i < x.length; i++) {
      bll.features(
          theta,
          Arrays.copyOfRange(x[i], 0, (t + q) * in),
          t + q,
          phi,
          bll.network() == null ? null : bll.network().newTape(t + q));
      LastLayerPosterior p =
          new LastLayerPosterior(
              bll.priorMean(theta), bll.priorPrecision(theta), bll.noiseVariance(theta));
      for (int s = 0; s < t; s++) {
        p.add(phi, s * m, y[i], s * out, 1.0);
      }
      p.solve();
      for (int s = t; s < t + q; s++) {
        p.predict(phi, s * m, pred, 0);
        for (int k = 0; k < out; k++) {
          if (bll.monitored(k)) {
            double e = y[i][s * out + k] - pred[k];
            sum += e * e;
            count++;
          }
        }
      }
    }
    return sum / count;
  }

  private List<Map<String, Object>> table(
      BayesianLastLayer bll, double[] theta, DynamicsDomain domain) {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<DynamicsDomain.Scenario> scenarios = new ArrayList<>(domain.scenarios());
    scenarios.add(new DynamicsDomain.Scenario("random test-range tasks", null, false));
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%-44s %s%n",
        model + ": one-step prediction after t transitions",
        "NLL t=0 | t=10 | t=50      MSE t=0 | t=10 | t=50 (normalised, monitored outputs)");
    for (DynamicsDomain.Scenario s : scenarios) {
      double[][][] w = windows(domain, s.task(), 60, 50 + 16, EVAL_SEED + 7);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("scenario", s.name());
      row.put("held_out", s.heldOut());
      StringBuilder a = new StringBuilder();
      StringBuilder b = new StringBuilder();
      for (int t : SUPPORT_SIZES) {
        double n = nll(bll, theta, w[0], w[1], t);
        double e = mse(bll, theta, w[0], w[1], t);
        row.put("nll_t" + t, n);
        row.put("mse_t" + t, e);
        a.append(String.format(Locale.ROOT, "%7.2f ", n));
        b.append(String.format(Locale.ROOT, "%9.5f ", e));
      }
      rows.add(row);
      System.out.printf(Locale.ROOT, "%-44s %s   %s%n", s.name(), a, b);
    }
    return rows;
  }

  /**
   * The change detector's statistic — the one-step-ahead standardised squared error, averaged over
   * the monitored outputs, of the posterior as the robot keeps it (forgetting, one transition at a
   * time) — on unchanged dynamics of the training range (fresh draws): mean and standard deviation.
   */
  /** k of the detector's k-step prediction error (0.2 s at 50 Hz). */
  static final int DETECTOR_STEPS = 10;

  private double[] calibrate(BayesianLastLayer bll, double[] theta, DynamicsDomain domain) {
    int in = bll.inputSize();
    int out = bll.outputSize();
    int m = bll.features();
    int obs = out;
    int act = in - out;
    int steps = 500;
    double[][][] w = windows(domain, null, 40, steps, EVAL_SEED + 11, TaskDistribution.Split.TRAIN);
    double[] phi = new double[m];
    double[] noise = bll.noiseVariance(theta);
    boolean[] held = new boolean[obs];
    boolean[] monitored = new boolean[obs];
    for (int k = 0; k < obs; k++) {
      held[k] = domain.exogenous(k);
      monitored[k] = bll.monitored(k);
    }
    var tape = bll.network() == null ? null : bll.network().newTape(1);
    KStepErrorStatistic.Features features = (x, p) -> bll.features(theta, x, 1, p, tape);
    // the detector's reference posterior forgets ten times more slowly than the MPC's
    double referenceForgetting = 1 - (1 - forgetting) / 10;
    double sum = 0;
    double sq = 0;
    long n = 0;
    double[] o = new double[obs];
    double[] a = new double[act];
    for (int i = 0; i < w[0].length; i++) {
      LastLayerPosterior p =
          new LastLayerPosterior(bll.priorMean(theta), bll.priorPrecision(theta), noise);
      KStepErrorStatistic z =
          new KStepErrorStatistic(
              DETECTOR_STEPS,
              obs,
              act,
              held,
              KStepErrorStatistic.watched(domain.observationNames(), monitored),
              noise,
              m);
      for (int s = 0; s < steps; s++) {
        System.arraycopy(w[0][i], s * in, o, 0, obs);
        System.arraycopy(w[0][i], s * in + obs, a, 0, act);
        z.push(o, a);
        double v = z.statistic(p, features);
        if (Double.isFinite(v)) {
          sum += v;
          sq += v * v;
          n++;
        }
        bll.features(
            theta, java.util.Arrays.copyOfRange(w[0][i], s * in, (s + 1) * in), 1, phi, tape);
        p.update(phi, 0, w[1][i], s * out, referenceForgetting);
      }
    }
    double mean = sum / n;
    return new double[] {mean, Math.sqrt(Math.max(1e-12, sq / n - mean * mean))};
  }

  private Bundle export(
      DynamicsDomain domain,
      BayesianLastLayer bll,
      double[] theta,
      double[] calibration,
      List<Map<String, Object>> rows,
      double seconds)
      throws Exception {
    int in = domain.inputSize();
    int out = domain.stateSize();
    int m = bll.features();
    Mlp graph;
    double[] params;
    double[] k0 = bll.priorMean(theta);
    if (bll.network() == null) {
      graph = new Mlp(new int[] {in, out}, new Activation[] {Activation.IDENTITY});
      params = k0; // weight (in × out) then bias (1 × out): K₀ row by row
    } else {
      graph =
          new Mlp(
              new int[] {in, hidden, features, out},
              new Activation[] {Activation.TANH, Activation.TANH, Activation.IDENTITY});
      int featureParams = bll.network().layout().size();
      params = new double[graph.layout().size()];
      System.arraycopy(theta, 0, params, 0, featureParams);
      System.arraycopy(k0, 0, params, featureParams, k0.length);
    }
    boolean[] monitored = new boolean[out];
    for (int k = 0; k < out; k++) {
      monitored[k] = bll.monitored(k);
    }
    BayesianLastLayerSpec spec =
        new BayesianLastLayerSpec(
            bll.priorPrecision(theta),
            bll.noiseVariance(theta),
            forgetting,
            keepOnChange,
            monitored,
            DETECTOR_STEPS,
            calibration[0],
            calibration[1]);
    Manifest.AdaptationSpec adaptation =
        new Manifest.AdaptationSpec(
            AdaptationMode.BAYESIAN_LAST_LAYER,
            Manifest.DYNAMICS,
            List.of(),
            new double[0],
            0,
            0,
            0,
            null);
    Map<String, Object> hyper = new LinkedHashMap<>();
    hyper.put("env", env);
    hyper.put("model", model);
    hyper.put("iterations", model.equals("rls") ? 0 : iterations);
    hyper.put("meta_batch", metaBatch);
    hyper.put("max_support", model.equals("alpaca") ? maxSupport : 0);
    hyper.put("query", query);
    hyper.put("hidden", hidden);
    hyper.put("features", features);
    hyper.put("learning_rate", learningRate);
    hyper.put("forgetting", forgetting);
    hyper.put("keep_on_change", keepOnChange);
    hyper.put(
        "command",
        String.format(
            Locale.ROOT,
            "robot train bll --env %s --model %s --iterations %d --meta-batch %d --max-support %d"
                + " --query %d --hidden %d --features %d --learning-rate %s --forgetting %s"
                + " --keep-on-change %s --seed %d",
            env,
            model,
            iterations,
            metaBatch,
            maxSupport,
            query,
            hidden,
            features,
            learningRate,
            forgetting,
            keepOnChange,
            seed));
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("training_seconds", seconds);
    for (Map<String, Object> r : rows) {
      String key = ((String) r.get("scenario")).replaceAll("[^A-Za-z0-9]+", "_").toLowerCase();
      for (int t : SUPPORT_SIZES) {
        metrics.put(key + "_nll_t" + t, (Double) r.get("nll_t" + t));
        metrics.put(key + "_mse_t" + t, (Double) r.get("mse_t" + t));
      }
    }
    Manifest.Provenance provenance =
        new Manifest.Provenance(
            model.equals("alpaca") ? "alpaca" : model,
            hyper,
            seed,
            RunFiles.codeVersion(),
            metrics,
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    Manifest template =
        new Manifest(
            Manifest.FORMAT_VERSION,
            env + "-" + model + "-bll-dynamics",
            (switch (model) {
                  case "alpaca" ->
                      "Dynamics model with a Bayesian last layer on ALPaCA meta-trained features";
                  case "pooled" ->
                      "Dynamics model with a Bayesian last layer on features trained on pooled data"
                          + " (no meta-learning)";
                  default -> "Linear dynamics model adapted by recursive least squares";
                })
                + ", conditioned on every transition on the robot (forgetting "
                + forgetting
                + " per step). Input [(obs - mean)/std, action], output the normalised change"
                + " (obs' - obs)/std; set-point components are exogenous (change 0).",
            domain.observationSpec(),
            domain.actionSpec(),
            domain.controlRateHz(),
            Map.of(),
            adaptation,
            provenance,
            Map.of());
    return BundleExport.write(
        bundle,
        template,
        Map.of(
            Manifest.DYNAMICS,
            new BundleExport.GraphExport(
                NetworkArchitecture.MlpArchitecture.of(graph), params, Set.of())),
        Map.of(BayesianLastLayerSpec.FILE_NAME, spec.toJson()));
  }
}
