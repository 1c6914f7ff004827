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
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;
import org.adaptrobot.demo.ChangeScenario;
import org.adaptrobot.demo.Oracle;
import org.adaptrobot.demo.ScenarioRun;
import org.adaptrobot.demo.ScenarioRun.Controller;
import org.adaptrobot.demo.Trace;
import org.adaptrobot.demo.VelocityProfile;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.runtime.adaptation.ChangeDetector;
import org.adaptrobot.runtime.adaptation.ModelFit;
import org.adaptrobot.runtime.config.RuntimeConfig;

/**
 * The recovery benchmark: for every seed (a random 4-segment velocity profile and its sensor noise)
 * and every change scenario, the simulated robot runs through the real runtime with
 *
 * <ul>
 *   <li>the meta-trained model adapting on the robot (the product),
 *   <li>the same model without adaptation,
 *   <li>a model trained without meta-learning, fine-tuned on the robot by the same engine (naive
 *       fine-tuning),
 *   <li>the oracle: from the change on, a model fitted offline to the changed robot,
 * </ul>
 *
 * and once per seed on the unchanged robot (the yardstick). Reported per scenario and controller
 * over the seeds: time until the tracking error (2.5 s trailing average) is back within 10 % of the
 * unchanged robot's and stays there; steady-state error (last 5 s) relative to the oracle; the
 * change-detection delay; false alarms before the change and on the unchanged robot; and the
 * latency of every adaptation the engines ran. Writes a JSON file and prints a markdown table.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.RecoveryBenchmark \
 *     [--seeds 20] [--seconds 25] [--change-at 10] [--threads 2] [--out FILE]
 *     [--config FILE (hardware, runtime, planner and detector settings)] [--detector-threshold T]
 * </pre>
 */
public final class RecoveryBenchmark {

  private static final double WINDOW = 2.5;
  private static final double TOLERANCE = 0.10;
  private static final double STEADY = 5.0;

  private record Key(ChangeScenario scenario, String controller, int seed) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    int seeds = Integer.parseInt(a.getOrDefault("--seeds", "20"));
    double seconds = Double.parseDouble(a.getOrDefault("--seconds", "25"));
    double changeAt = Double.parseDouble(a.getOrDefault("--change-at", "10"));
    int threads =
        Integer.parseInt(
            a.getOrDefault(
                "--threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
    Path out = Path.of(a.getOrDefault("--out", "benchmarks/target/recovery.json"));
    Path config = Path.of(a.getOrDefault("--config", "src/examples/diffbot-demo.yaml"));
    Path meta = Path.of(a.getOrDefault("--bundle", "bundles/diffdrive-grbal"));
    Path baseline = Path.of(a.getOrDefault("--baseline", "bundles/diffdrive-pretrained"));
    List<ChangeScenario> scenarios = new ArrayList<>();
    for (String s :
        a.getOrDefault("--scenarios", "battery-sag,payload,friction,weak-motor,held-out")
            .split(",")) {
      scenarios.add(ChangeScenario.byId(s));
    }

    RuntimeConfig loaded = RuntimeConfig.load(config);
    ChangeDetector.Settings detector = loaded.detectorOrStandard();
    if (a.containsKey("--detector-threshold")) {
      detector = detector.withThreshold(Double.parseDouble(a.get("--detector-threshold")));
    }
    RuntimeConfig metaCfg =
        new RuntimeConfig(
            loaded.hardware(),
            meta,
            loaded.runtime(),
            RuntimeConfig.Telemetry.none(),
            loaded.planner(),
            detector);
    RuntimeConfig baseCfg =
        new RuntimeConfig(
            loaded.hardware(),
            baseline,
            loaded.runtime(),
            RuntimeConfig.Telemetry.none(),
            loaded.planner(),
            detector);
    System.out.printf(
        "detector: threshold %s, drift %s, smoothing %s, calibration %d steps%n",
        detector.threshold(), detector.drift(), detector.smoothing(), detector.calibration());
    Bundle metaBundle = Bundle.load(meta);
    long t0 = System.nanoTime();

    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Map<ChangeScenario, Future<ModelFit.Result>> oracleJobs = new LinkedHashMap<>();
    for (ChangeScenario s : scenarios) {
      oracleJobs.put(s, pool.submit(() -> Oracle.fit(metaCfg, metaBundle, s)));
    }
    Map<ChangeScenario, ModelFit.Result> oracles = new LinkedHashMap<>();
    for (var e : oracleJobs.entrySet()) {
      oracles.put(e.getKey(), e.getValue().get());
      System.err.printf(
          Locale.ROOT,
          "oracle %s: held-out loss %.3g -> %.3g%n",
          e.getKey().id(),
          e.getValue().get().validationBefore(),
          e.getValue().get().validationAfter());
    }

    Map<Key, Future<ScenarioRun>> jobs = new LinkedHashMap<>();
    for (int seed = 1; seed <= seeds; seed++) {
      VelocityProfile profile = VelocityProfile.random(seed, 4);
      long sd = seed;
      // the unchanged robot: the change comes after the end
      jobs.put(
          new Key(scenarios.get(0), "unchanged", seed),
          submit(
              pool,
              metaCfg,
              scenarios.get(0),
              profile,
              sd,
              seconds,
              seconds + 1,
              Controller.ADAPTIVE,
              null));
      for (ChangeScenario s : scenarios) {
        jobs.put(
            new Key(s, "meta-trained, adaptive", seed),
            submit(pool, metaCfg, s, profile, sd, seconds, changeAt, Controller.ADAPTIVE, null));
        jobs.put(
            new Key(s, "meta-trained, not adapting", seed),
            submit(pool, metaCfg, s, profile, sd, seconds, changeAt, Controller.FIXED, null));
        jobs.put(
            new Key(s, "pooled baseline, fine-tuned", seed),
            submit(pool, baseCfg, s, profile, sd, seconds, changeAt, Controller.ADAPTIVE, null));
        jobs.put(
            new Key(s, "oracle", seed),
            submit(
                pool,
                metaCfg,
                s,
                profile,
                sd,
                seconds,
                changeAt,
                Controller.ORACLE,
                oracles.get(s).parameters()));
      }
    }
    Map<Key, ScenarioRun> done = new LinkedHashMap<>();
    int k = 0;
    for (var e : jobs.entrySet()) {
      done.put(e.getKey(), e.getValue().get());
      k++;
      if (k % 20 == 0 || k == jobs.size()) {
        System.err.printf(
            Locale.ROOT, "%d/%d runs, %.0f s%n", k, jobs.size(), (System.nanoTime() - t0) * 1e-9);
      }
    }
    pool.shutdown();

    List<String> controllers =
        List.of(
            "meta-trained, adaptive",
            "meta-trained, not adapting",
            "pooled baseline, fine-tuned",
            "oracle");
    Histogram latency = new Histogram(3);
    int unchangedAlarms = 0;
    double unchangedSeconds = 0;
    for (int seed = 1; seed <= seeds; seed++) {
      ScenarioRun ref = done.get(new Key(scenarios.get(0), "unchanged", seed));
      unchangedAlarms += ref.alarmsBeforeChange(); // its change comes after the end
      unchangedSeconds += ref.trace().length() * ref.trace().dt();
    }
    Map<String, Object> result = new LinkedHashMap<>();
    Map<String, Object> setup = new LinkedHashMap<>();
    setup.put("seeds", seeds);
    setup.put("seconds", seconds);
    setup.put("change_at_s", changeAt);
    setup.put(
        "profile", "4 random segments of 2.5 s per seed, v U[0.1, 0.4] m/s, w U[-1, 1] rad/s");
    setup.put("meta_bundle", meta.toString());
    setup.put("baseline_bundle", baseline.toString());
    setup.put("detector", metaCfg.detectorOrStandard());
    setup.put("planner", metaCfg.plannerOrStandard());
    setup.put(
        "recovery",
        "2.5 s trailing mean error back within 10 % of the unchanged robot's, for good");
    setup.put("steady_state", "mean error over the last 5 s");
    result.put("setup", setup);
    List<Map<String, Object>> rows = new ArrayList<>();
    StringBuilder md = new StringBuilder();
    md.append(
        "| change | controller | error before | error last 5 s | vs oracle | recovered | recovery"
            + " time, median [IQR] | detected | detection delay, median |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    int alarmsBefore = 0;
    for (ChangeScenario s : scenarios) {
      for (String c : controllers) {
        double[] before = new double[seeds];
        double[] steady = new double[seeds];
        double[] ratio = new double[seeds];
        double[] recovery = new double[seeds];
        List<Double> delays = new ArrayList<>();
        int recovered = 0;
        for (int seed = 1; seed <= seeds; seed++) {
          ScenarioRun r = done.get(new Key(s, c, seed));
          ScenarioRun o = done.get(new Key(s, "oracle", seed));
          ScenarioRun ref = done.get(new Key(scenarios.get(0), "unchanged", seed));
          Trace t = r.trace();
          before[seed - 1] = t.meanError(changeAt - WINDOW * 2, changeAt);
          steady[seed - 1] = t.meanError(seconds - STEADY, seconds);
          ratio[seed - 1] = steady[seed - 1] / o.trace().meanError(seconds - STEADY, seconds);
          recovery[seed - 1] = t.recoveryTime(ref.trace(), changeAt, WINDOW, TOLERANCE);
          if (!Double.isNaN(recovery[seed - 1])) {
            recovered++;
          }
          alarmsBefore += r.alarmsBeforeChange();
          double delay = r.detectionDelaySeconds();
          if (c.endsWith("adaptive") || c.endsWith("fine-tuned")) {
            for (ScenarioRun.Event ev : r.events()) {
              double ms = ev.event().latencyMillis();
              if (Double.isFinite(ms)) {
                latency.recordValue(Math.max(1, Math.round(ms * 1000)));
              }
            }
          }
          if (!Double.isNaN(delay)) {
            delays.add(delay);
          }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("scenario", s.id());
        row.put("controller", c);
        row.put("error_before_mean", mean(before));
        row.put("error_steady_mean", mean(steady));
        row.put("error_steady_ci95", ci95(steady));
        row.put("steady_vs_oracle_mean", mean(ratio));
        row.put("steady_vs_oracle_ci95", ci95(ratio));
        row.put("recovered", recovered);
        row.put("recovery_s", recovery);
        row.put("recovery_median_s", quantile(recovery, 0.5));
        row.put("recovery_q25_s", quantile(recovery, 0.25));
        row.put("recovery_q75_s", quantile(recovery, 0.75));
        row.put("detected", delays.size());
        row.put(
            "detection_delay_median_s",
            delays.isEmpty()
                ? Double.NaN
                : quantile(delays.stream().mapToDouble(Double::doubleValue).toArray(), 0.5));
        rows.add(row);
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.4f | %.4f ± %.4f | %.2f ± %.2f | %d/%d | %s [%s, %s] | %d/%d | %s |%n",
                s.id(),
                c,
                mean(before),
                mean(steady),
                ci95(steady),
                mean(ratio),
                ci95(ratio),
                recovered,
                seeds,
                fmt(quantile(recovery, 0.5)),
                fmt(quantile(recovery, 0.25)),
                fmt(quantile(recovery, 0.75)),
                delays.size(),
                seeds,
                delays.isEmpty()
                    ? "-"
                    : fmt(
                        quantile(
                            delays.stream().mapToDouble(Double::doubleValue).toArray(), 0.5))));
      }
    }
    result.put("rows", rows);
    Map<String, Object> alarms = new LinkedHashMap<>();
    alarms.put("unchanged_robot_alarms", unchangedAlarms);
    alarms.put("unchanged_robot_seconds", unchangedSeconds);
    alarms.put("alarms_before_change_all_runs", alarmsBefore);
    result.put("false_alarms", alarms);
    Map<String, Object> lat = new LinkedHashMap<>();
    lat.put("count", latency.getTotalCount());
    lat.put("p50_ms", latency.getValueAtPercentile(50) / 1000.0);
    lat.put("p99_ms", latency.getValueAtPercentile(99) / 1000.0);
    lat.put("max_ms", latency.getMaxValue() / 1000.0);
    result.put("adaptation_latency", lat);
    result.put("wall_seconds", (System.nanoTime() - t0) * 1e-9);
    result.put("markdown", md.toString());
    Files.createDirectories(out.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
    System.out.print(md);
    System.out.printf(
        Locale.ROOT,
        "%nfalse alarms: %d in %.0f s of the unchanged robot; %d before the change in all runs%n",
        unchangedAlarms,
        unchangedSeconds,
        alarmsBefore);
    System.out.printf(
        Locale.ROOT,
        "adaptation latency (k steps on M, held-out check), %d adaptations: p50 %.2f ms, p99 %.2f"
            + " ms, max %.2f ms (lockstep, %d threads busy)%n",
        latency.getTotalCount(),
        latency.getValueAtPercentile(50) / 1000.0,
        latency.getValueAtPercentile(99) / 1000.0,
        latency.getMaxValue() / 1000.0,
        threads);
    System.out.printf(
        Locale.ROOT, "wall time %.0f s; written %s%n", (System.nanoTime() - t0) * 1e-9, out);
  }

  private static Future<ScenarioRun> submit(
      ExecutorService pool,
      RuntimeConfig cfg,
      ChangeScenario s,
      VelocityProfile profile,
      long seed,
      double seconds,
      double changeAt,
      Controller c,
      double[] oracle) {
    return pool.submit(
        () -> {
          ScenarioRun r =
              new ScenarioRun(
                  new ScenarioRun.Options(
                      cfg, s, profile, seed, seconds, changeAt, c, oracle, false));
          r.run(null);
          return r;
        });
  }

  private static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  private static double ci95(double[] x) {
    double m = mean(x);
    double s = 0;
    for (double v : x) {
      s += (v - m) * (v - m);
    }
    return 1.96 * Math.sqrt(s / Math.max(1, x.length - 1) / x.length);
  }

  /** Quantile with "never" (NaN) ranked above every time. */
  private static double quantile(double[] x, double q) {
    double[] s = x.clone();
    for (int i = 0; i < s.length; i++) {
      if (Double.isNaN(s[i])) {
        s[i] = Double.POSITIVE_INFINITY;
      }
    }
    Arrays.sort(s);
    double v = s[(int) Math.min(s.length - 1, Math.floor(q * s.length))];
    return Double.isInfinite(v) ? Double.NaN : v;
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "never" : String.format(Locale.ROOT, "%.1f s", v);
  }
}
