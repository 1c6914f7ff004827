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
import org.adaptrobot.demo.ChangeScenario;
import org.adaptrobot.demo.LatentResponse;
import org.adaptrobot.demo.ScenarioRun;
import org.adaptrobot.demo.ScenarioRun.Controller;
import org.adaptrobot.demo.VelocityProfile;
import org.adaptrobot.runtime.config.RuntimeConfig;

/**
 * The latent's shift (‖z now − z one window ago‖, mode latent) as a change detector, on the
 * recovery benchmark's scenarios, seeds and change sizes: an alarm when the shift first exceeds a
 * threshold. Each seed drives its own random velocity profile (the slippery floor an aggressive
 * one), as in the recovery benchmark, so set-point changes are in every run. The threshold is
 * calibrated on unchanged runs with seeds no test uses (the largest shift seen after the first
 * second, times a margin), then the test reports per scenario how many changes were detected, the
 * delay from the change (median), and the alarms raised before the change and in unchanged test
 * runs. The residual detector's figures for the same runs are the recovery benchmark's detection
 * columns (its {@code grbal} row).
 *
 * <pre>
 * java -cp benchmarks.jar org.adaptrobot.benchmarks.LatentShiftDetection [--seeds 10]
 *     [--calibration 10] [--margin 1.2] [--bundle bundles/diffdrive-rma] [--out FILE]
 * </pre>
 */
public final class LatentShiftDetection {

  private LatentShiftDetection() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    int seeds = Integer.parseInt(a.getOrDefault("--seeds", "10"));
    int calibration = Integer.parseInt(a.getOrDefault("--calibration", "10"));
    double margin = Double.parseDouble(a.getOrDefault("--margin", "1.2"));
    double seconds = 25;
    double changeAt = 10;
    Path bundle = Path.of(a.getOrDefault("--bundle", "bundles/diffdrive-rma"));
    Path out = Path.of(a.getOrDefault("--out", "benchmarks/target/latent-shift.json"));
    RuntimeConfig loaded = RuntimeConfig.load(Path.of("src/examples/diffbot-demo.yaml"));
    RuntimeConfig cfg =
        new RuntimeConfig(
            loaded.hardware(),
            bundle,
            loaded.runtime().withControlRate(50),
            RuntimeConfig.Telemetry.none(),
            null,
            null);
    List<String> scenarios =
        List.of("battery-sag", "payload", "friction", "weak-motor", "motor-payload", "held-out");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    long t0 = System.nanoTime();
    // calibration: unchanged runs (the change after the end), seeds 1001...
    List<Future<ScenarioRun>> cal = new ArrayList<>();
    for (int k = 0; k < calibration; k++) {
      cal.add(run(pool, cfg, "payload", 1001 + k, seconds, seconds + 1, 1.0));
    }
    double dt = 1.0 / 50;
    int settle = (int) Math.round(1.0 / dt);
    double largest = 0;
    for (Future<ScenarioRun> f : cal) {
      double[] s = f.get().shiftTrace();
      for (int i = settle; i < s.length; i++) {
        largest = Math.max(largest, s[i]);
      }
    }
    double threshold = margin * largest;
    System.out.printf(
        Locale.ROOT,
        "calibration: %d unchanged runs of %.0f s, largest shift after 1 s %.3f, threshold %.3f%n",
        calibration,
        seconds,
        largest,
        threshold);
    Map<String, Future<ScenarioRun>> changed = new LinkedHashMap<>();
    List<Future<ScenarioRun>> unchanged = new ArrayList<>();
    for (int seed = 1; seed <= seeds; seed++) {
      for (String sc : scenarios) {
        changed.put(
            sc + "/" + seed,
            run(pool, cfg, sc, seed, seconds, changeAt, RecoveryBenchmark.changeSize(seed)));
      }
      unchanged.add(run(pool, cfg, "payload", seed, seconds, seconds + 1, 1.0));
    }
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "Latent shift detector (bundle %s): threshold %.3f = %.1f × the largest shift in %d"
                + " unchanged calibration runs after their first second; %d seeds per change,"
                + " change at %.0f s of %.0f s.%n%n",
            bundle,
            threshold,
            margin,
            calibration,
            seeds,
            changeAt,
            seconds));
    md.append(
        "| change | detected | delay, median [min, max] | alarms before the change | latent step /"
            + " wander, median | steps ≥ 2 wanders | 90 % rise of those, median [min, max] |"
            + " rises ≤ 0.5 s |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("threshold", threshold);
    json.put("calibration_runs", calibration);
    json.put("margin", margin);
    int changeStep = (int) Math.round(changeAt / dt);
    for (String sc : scenarios) {
      List<Double> delays = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      List<Double> rises = new ArrayList<>();
      int stepped = 0;
      int before = 0;
      for (int seed = 1; seed <= seeds; seed++) {
        ScenarioRun run = changed.get(sc + "/" + seed).get();
        LatentResponse resp =
            LatentResponse.of(run.latentTrace(), run.latentSize(), dt, changeStep, 5, 0.2);
        ratios.add(resp.step() / resp.wander());
        if (resp.step() >= 2 * resp.wander()) {
          stepped++;
          rises.add(resp.riseSeconds());
        }
        double[] s = run.shiftTrace();
        before += crossings(s, settle, Math.min(changeStep, s.length), threshold);
        for (int i = changeStep; i < s.length; i++) {
          if (s[i] > threshold) {
            delays.add((i - changeStep + 1) * dt);
            break;
          }
        }
      }
      double[] d = delays.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      String delay =
          d.length == 0
              ? "never"
              : String.format(
                  Locale.ROOT, "%.2f s [%.2f, %.2f]", d[d.length / 2], d[0], d[d.length - 1]);
      double[] ratio = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double[] rise =
          rises.stream()
              .mapToDouble(x -> Double.isNaN(x) ? Double.POSITIVE_INFINITY : x)
              .sorted()
              .toArray();
      long fast = rises.stream().filter(x -> x <= 0.5).count();
      String riseText =
          rise.length == 0
              ? "–"
              : String.format(
                  Locale.ROOT,
                  "%s [%s, %s]",
                  seconds(rise[rise.length / 2]),
                  seconds(rise[0]),
                  seconds(rise[rise.length - 1]));
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d/%d | %s | %d | %.2f | %d/%d | %s | %d/%d |%n",
              sc,
              d.length,
              seeds,
              delay,
              before,
              ratio[ratio.length / 2],
              stepped,
              seeds,
              riseText,
              fast,
              stepped));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("detected", d.length);
      row.put("delay_median_s", d.length == 0 ? Double.NaN : d[d.length / 2]);
      row.put("alarms_before_change", before);
      row.put("latent_step_over_wander", ratios);
      row.put("latent_rise_s", rises);
      json.put(sc, row);
    }
    int falseAlarms = 0;
    for (Future<ScenarioRun> f : unchanged) {
      double[] s = f.get().shiftTrace();
      falseAlarms += crossings(s, settle, s.length, threshold);
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nAlarms in %d unchanged test runs (%.0f s): %d.%n",
            seeds,
            seeds * (seconds - 1),
            falseAlarms));
    json.put("unchanged_test_alarms", falseAlarms);
    json.put("unchanged_test_seconds", seeds * (seconds - 1));
    pool.shutdown();
    System.out.print(md);
    System.out.printf(Locale.ROOT, "wall time %.0f s%n", (System.nanoTime() - t0) * 1e-9);
    Files.createDirectories(out.toAbsolutePath().getParent());
    new com.fasterxml.jackson.databind.ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(out.toFile(), json);
    Files.writeString(Path.of(out.toString().replaceAll("\\.json$", "") + ".md"), md.toString());
  }

  private static String seconds(double s) {
    return Double.isInfinite(s) ? "never" : String.format(Locale.ROOT, "%.2f s", s);
  }

  /** Upward crossings of the threshold in [from, to). */
  static int crossings(double[] s, int from, int to, double threshold) {
    int n = 0;
    boolean above = false;
    for (int i = from; i < to; i++) {
      boolean now = s[i] > threshold;
      if (now && !above) {
        n++;
      }
      above = now;
    }
    return n;
  }

  private static Future<ScenarioRun> run(
      ExecutorService pool,
      RuntimeConfig cfg,
      String scenario,
      long seed,
      double seconds,
      double changeAt,
      double size) {
    return pool.submit(
        () -> {
          ScenarioRun r =
              new ScenarioRun(
                  new ScenarioRun.Options(
                      cfg,
                      ChangeScenario.byId(scenario),
                      scenario.equals("friction")
                          ? VelocityProfile.aggressive(seed, 6)
                          : VelocityProfile.random(seed, 4),
                      seed,
                      seconds,
                      changeAt,
                      Controller.ADAPTIVE,
                      null,
                      false,
                      size,
                      null));
          r.run(null);
          return r;
        });
  }
}
