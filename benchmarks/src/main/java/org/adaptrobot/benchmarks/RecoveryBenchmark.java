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
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.adaptrobot.demo.ChangeScenario;
import org.adaptrobot.demo.Oracle;
import org.adaptrobot.demo.ScenarioRun;
import org.adaptrobot.demo.ScenarioRun.Controller;
import org.adaptrobot.demo.Trace;
import org.adaptrobot.demo.VelocityProfile;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.sim.ScenarioFile;

/**
 * The recovery benchmark, the shared scoreboard of on-robot adaptation: every controller, the same
 * seeds, the same harness — the simulated robot through the real runtime (drivers, loop, safety
 * layer, controller, adaptation), a scripted velocity profile, a change of the robot mid-run.
 *
 * <p>Rows (controllers): a tuned PI wheel-speed controller; MPC with the meta-trained GrBAL model
 * not adapting; MPC with GrBAL's gradient steps; MPC with the pooled (non-meta-trained) model
 * fine-tuned by the same engine; MPC with recursive least squares on a linear model; MPC with a
 * Bayesian last layer on features trained on pooled data (the meta-learning ablation); MPC with the
 * meta-trained (ALPaCA) Bayesian last layer; a MAML-RL (MAML-TRPO) wheel-duty policy not adapting
 * and taking its policy-gradient step on the robot; the ProMP policy taking it; a feed-forward PPO
 * policy trained on the meta-learners' task distribution (the non-adaptive baseline of the adaptive
 * policies); the RL² policy adapting in its hidden state, and the same with its hidden state held
 * from the change on (it keeps what it inferred of the unchanged robot); the RMA and PEARL policies
 * (mode latent: a window encoder, a posterior over transition factors) inferring their latent, and
 * each with it held from the change on; and the oracle — MPC with a model fitted offline to 60 s of
 * the changed robot of that seed, swapped in at the change. Each controller also drives the
 * unchanged robot on every seed: its own yardstick.
 *
 * <p>Seeds vary the velocity profile (4 random 2.5 s segments; for the slippery floor an aggressive
 * profile that makes the wheels slip), the sensor noise, and the size of the change (each parameter
 * moves 0.75–1.25 times as far as the named change). Reported per change and controller over the
 * seeds: tracking error before the change, after it (the 5 s after), at the end (last 5 s, median
 * and mean ± 95 % CI), the ratio to the oracle at the end, the ratio of the post-change error to
 * the same model not adapting, the recovery time (2.5 s trailing mean back within 10 % of the
 * controller's own unchanged run, for good), detection (count and median delay) and false alarms.
 * Optionally one long unchanged run measures false alarms per hour.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.RecoveryBenchmark \
 *     [--seeds 20] [--seconds 25] [--change-at 10] [--threads 2] [--out FILE]
 *     [--scenarios motor-payload,held-out,...] [--scenario-file F] [--controllers a,b,...]
 *     [--bundles row=path,...]
 *     [--false-alarm-seconds 3600] [--config FILE] [--detector-threshold T]
 * </pre>
 */
public final class RecoveryBenchmark {

  private static final double WINDOW = 2.5;
  private static final double TOLERANCE = 0.10;
  private static final double STEADY = 5.0;
  private static final double AFTER = 5.0;

  /** A row of the scoreboard: its name, bundle and how it runs. */
  record Row(String id, String name, String bundle, Controller controller) {}

  static final List<Row> ROWS =
      List.of(
          new Row("pi", "PI wheel-speed (tuned)", "bundles/pi-wheel-speed", Controller.FIXED),
          new Row(
              "mpc-fixed",
              "MPC, GrBAL model, not adapting",
              "bundles/diffdrive-grbal",
              Controller.FIXED),
          new Row(
              "grbal",
              "MPC + gradient steps (GrBAL)",
              "bundles/diffdrive-grbal",
              Controller.ADAPTIVE),
          new Row(
              "pooled-ft",
              "MPC + pooled model fine-tuned",
              "bundles/diffdrive-pretrained",
              Controller.ADAPTIVE),
          new Row("rls", "MPC + RLS, linear model", "bundles/diffdrive-rls", Controller.ADAPTIVE),
          new Row(
              "bll-pooled",
              "MPC + Bayesian last layer, pooled features",
              "bundles/diffdrive-bll-pooled",
              Controller.ADAPTIVE),
          new Row(
              "bll-fixed",
              "MPC, meta-trained BLL model, not adapting",
              "bundles/diffdrive-bll",
              Controller.FIXED),
          new Row(
              "bll",
              "MPC + Bayesian last layer (meta-trained)",
              "bundles/diffdrive-bll",
              Controller.ADAPTIVE),
          new Row(
              "pi-ff",
              "PI + adaptive feed-forward (meta-trained BLL)",
              "bundles/diffdrive-bll",
              Controller.ADAPTIVE),
          new Row(
              "maml-rl-fixed",
              "MAML-RL policy, not adapting",
              "bundles/diffdrive-maml-rl",
              Controller.FIXED),
          new Row(
              "maml-rl",
              "MAML-RL policy + policy-gradient step on the robot",
              "bundles/diffdrive-maml-rl",
              Controller.ADAPTIVE),
          new Row(
              "promp",
              "ProMP policy + policy-gradient step on the robot",
              "bundles/diffdrive-promp",
              Controller.ADAPTIVE),
          new Row(
              "ppo-mt",
              "multi-task PPO policy (same task distribution, not adapting)",
              "bundles/diffdrive-ppo-multitask",
              Controller.FIXED),
          new Row(
              "rl2-held",
              "RL² policy, hidden state held from the change",
              "bundles/diffdrive-rl2",
              Controller.FIXED),
          new Row(
              "rl2",
              "RL² policy (adapts in its hidden state)",
              "bundles/diffdrive-rl2",
              Controller.ADAPTIVE),
          new Row(
              "rma-held",
              "RMA policy, latent held from the change",
              "bundles/diffdrive-rma",
              Controller.FIXED),
          new Row(
              "rma",
              "RMA policy (re-infers its latent from its window)",
              "bundles/diffdrive-rma",
              Controller.ADAPTIVE),
          new Row(
              "pearl-held",
              "PEARL policy, posterior held from the change",
              "bundles/diffdrive-pearl",
              Controller.FIXED),
          new Row(
              "pearl",
              "PEARL policy (posterior over its last transitions)",
              "bundles/diffdrive-pearl",
              Controller.ADAPTIVE),
          new Row(
              "oracle",
              "oracle (model fitted to the changed robot)",
              "bundles/diffdrive-grbal",
              Controller.ORACLE));

  private record Key(String scenario, String row, int seed) {}

  private static List<String> rowIds() {
    return ROWS.stream().map(Row::id).toList();
  }

  /** The tuned PI's gains (PiTuning; bundles/pi-wheel-speed). */
  static final double PI_KP = 0.08;

  static final double PI_KI = 1.6;

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
    double falseAlarmSeconds = Double.parseDouble(a.getOrDefault("--false-alarm-seconds", "0"));
    Path out = Path.of(a.getOrDefault("--out", "benchmarks/target/recovery.json"));
    Path config = Path.of(a.getOrDefault("--config", "src/examples/diffbot-demo.yaml"));
    List<String> scenarioIds =
        List.of(
            a.getOrDefault(
                    "--scenarios", "battery-sag,payload,friction,weak-motor,motor-payload,held-out")
                .split(","));
    ScenarioFile timeline =
        a.containsKey("--scenario-file")
            ? ScenarioFile.load(Path.of(a.get("--scenario-file")))
            : null;
    List<Row> rows = new ArrayList<>();
    List<String> wanted =
        a.containsKey("--controllers") ? List.of(a.get("--controllers").split(",")) : null;
    // --bundles row=path,...: another bundle for those rows (a variant measured in the same
    // harness), named in the row's label
    Map<String, String> bundles = new LinkedHashMap<>();
    if (a.containsKey("--bundles")) {
      for (String pair : a.get("--bundles").split(",")) {
        String[] kv = pair.split("=", 2);
        if (kv.length != 2 || ROWS.stream().noneMatch(r -> r.id().equals(kv[0]))) {
          throw new IllegalArgumentException(
              "--bundles: expected row=path with a row of " + rowIds() + ", got " + pair);
        }
        bundles.put(kv[0], kv[1]);
      }
    }
    for (Row r : ROWS) {
      if (wanted == null || wanted.contains(r.id())) {
        String other = bundles.get(r.id());
        rows.add(
            other == null
                ? r
                : new Row(r.id(), r.name() + " [bundle " + other + "]", other, r.controller()));
      }
    }
    RuntimeConfig loaded = RuntimeConfig.load(config);
    Map<String, RuntimeConfig> configs = new LinkedHashMap<>();
    for (Row r : rows) {
      Bundle b = Bundle.load(Path.of(r.bundle()));
      RuntimeConfig.Settings s = loaded.runtime().withControlRate(b.manifest().controlRateHz());
      boolean planning = b.manifest().adaptation().plansWithDynamics();
      RuntimeConfig.Telemetry none = RuntimeConfig.Telemetry.none();
      RuntimeConfig rc =
          new RuntimeConfig(
              loaded.hardware(),
              Path.of(r.bundle()),
              s,
              none,
              planning && !r.id().equals("pi-ff") ? loaded.planner() : null,
              planning && a.containsKey("--detector-threshold")
                  // each detector's own standard settings, with the threshold asked for
                  ? (loaded.detector() != null
                          ? loaded.detector()
                          : org.adaptrobot.runtime.control.ControllerFactory.standardDetector(
                              b.manifest()))
                      .withThreshold(Double.parseDouble(a.get("--detector-threshold")))
                  : null);
      if (r.id().equals("pi-ff")) {
        // the tuned PI's gains (bundles/pi-wheel-speed) with the model's feed-forward
        rc = rc.withPiFeedForward(new RuntimeConfig.PiFeedForward(PI_KP, PI_KI));
      }
      configs.put(r.id(), rc);
    }
    List<String> scenarioNames = new ArrayList<>();
    if (timeline != null) {
      scenarioNames.add(timeline.name());
      changeAt = timeline.firstChangeSeconds();
    } else {
      scenarioNames.addAll(scenarioIds);
    }
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);

    // the oracle of every (change, seed): the GrBAL network fitted to 60 s of that changed robot
    Map<Key, Future<double[]>> oracleJobs = new LinkedHashMap<>();
    RuntimeConfig oracleCfg = configs.get("oracle");
    boolean withOracle = oracleCfg != null; // --controllers without oracle: no fits, no ratio
    Bundle oracleBundle = withOracle ? Bundle.load(oracleCfg.bundle()) : null;
    if (timeline == null && withOracle) {
      for (String sid : scenarioIds) {
        ChangeScenario s = ChangeScenario.byId(sid);
        for (int seed = 1; seed <= seeds; seed++) {
          double size = changeSize(seed);
          oracleJobs.put(
              new Key(sid, "oracle", seed),
              pool.submit(() -> Oracle.fit(oracleCfg, oracleBundle, s, size, 1500).parameters()));
        }
      }
    }
    Map<Key, Future<ScenarioRun>> jobs = new LinkedHashMap<>();
    for (int seed = 1; seed <= seeds; seed++) {
      long sd = seed;
      for (Row r : rows) {
        if (r.controller() == Controller.ORACLE) {
          continue;
        }
        // the controller's own unchanged run: the change comes after the end
        jobs.put(
            new Key("unchanged", r.id(), seed),
            submit(
                pool,
                configs.get(r.id()),
                ChangeScenario.MOTOR_PAYLOAD,
                VelocityProfile.random(sd, 4),
                sd,
                seconds,
                seconds + 1,
                r.controller(),
                null,
                1,
                null));
      }
    }
    Map<Key, double[]> oracles = new LinkedHashMap<>();
    for (var e : oracleJobs.entrySet()) {
      oracles.put(e.getKey(), e.getValue().get());
    }
    System.err.printf(
        Locale.ROOT,
        "%d oracles fitted, %.0f s%n",
        oracles.size(),
        (System.nanoTime() - t0) * 1e-9);
    for (String sid : scenarioNames) {
      ChangeScenario s = timeline == null ? ChangeScenario.byId(sid) : ChangeScenario.MOTOR_PAYLOAD;
      for (int seed = 1; seed <= seeds; seed++) {
        long sd = seed;
        double size = changeSize(seed);
        VelocityProfile profile =
            s.needsAggressiveProfile() && timeline == null
                ? VelocityProfile.aggressive(sd, 6)
                : VelocityProfile.random(sd, 4);
        for (Row r : rows) {
          if (r.controller() == Controller.ORACLE && timeline != null) {
            continue;
          }
          double[] oracle = oracles.get(new Key(sid, "oracle", seed));
          jobs.put(
              new Key(sid, r.id(), seed),
              submit(
                  pool,
                  configs.get(r.id()),
                  s,
                  profile,
                  sd,
                  seconds,
                  changeAt,
                  r.controller(),
                  oracle,
                  size,
                  timeline));
        }
        if (s.needsAggressiveProfile()) {
          for (Row r : rows) {
            if (r.controller() != Controller.ORACLE) {
              jobs.put(
                  new Key("unchanged-aggressive", r.id(), seed),
                  submit(
                      pool,
                      configs.get(r.id()),
                      s,
                      profile,
                      sd,
                      seconds,
                      seconds + 1,
                      r.controller(),
                      null,
                      1,
                      null));
            }
          }
        }
      }
    }
    Future<ScenarioRun> longRun = null;
    if (falseAlarmSeconds > 0) {
      longRun =
          submit(
              pool,
              configs.get("bll"),
              ChangeScenario.MOTOR_PAYLOAD,
              VelocityProfile.random(1000, 8),
              1000,
              falseAlarmSeconds,
              falseAlarmSeconds + 1,
              Controller.ADAPTIVE,
              null,
              1,
              null);
    }
    Map<Key, ScenarioRun> done = new LinkedHashMap<>();
    int k = 0;
    for (var e : jobs.entrySet()) {
      done.put(e.getKey(), e.getValue().get());
      k++;
      if (k % 50 == 0 || k == jobs.size()) {
        System.err.printf(
            Locale.ROOT, "%d/%d runs, %.0f s%n", k, jobs.size(), (System.nanoTime() - t0) * 1e-9);
      }
    }
    ScenarioRun longDone = longRun == null ? null : longRun.get();
    pool.shutdown();

    Map<String, Object> result = new LinkedHashMap<>();
    Map<String, Object> setup = new LinkedHashMap<>();
    setup.put("seeds", seeds);
    setup.put("seconds", seconds);
    setup.put("change_at_s", changeAt);
    setup.put(
        "profile",
        "4 random 2.5 s segments per seed (v U[0.1, 0.4] m/s, w U[-1, 1] rad/s);"
            + " friction: 6 aggressive 1.5 s segments (v 0.05-0.15 / 0.45-0.6 m/s, w U[-2, 2] rad/s)");
    setup.put("change_size", "each changed parameter moves U[0.75, 1.25] times as far, per seed");
    setup.put("rows", rows);
    setup.put(
        "recovery",
        "2.5 s trailing mean error back within 10 % of the controller's own unchanged run, for good");
    setup.put("steady_state", "mean error over the last 5 s");
    setup.put("after_change", "mean error over the 5 s after the change");
    result.put("setup", setup);
    List<Map<String, Object>> table = new ArrayList<>();
    StringBuilder md = new StringBuilder();
    md.append(
        "| change | controller | before | after change (5 s) | end (last 5 s), median / mean ± CI | vs oracle | vs not adapting | recovered | recovery, median [IQR] | detected | delay, median |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    int alarmsBeforeChange = 0;
    for (String sid : scenarioNames) {
      boolean aggressive = timeline == null && ChangeScenario.byId(sid).needsAggressiveProfile();
      for (Row r : rows) {
        if (r.controller() == Controller.ORACLE && timeline != null) {
          continue;
        }
        double[] before = new double[seeds];
        double[] after = new double[seeds];
        double[] steady = new double[seeds];
        double[] vsOracle = new double[seeds];
        double[] vsFixed = new double[seeds];
        double[] recovery = new double[seeds];
        List<Double> delays = new ArrayList<>();
        int recovered = 0;
        for (int seed = 1; seed <= seeds; seed++) {
          ScenarioRun run = done.get(new Key(sid, r.id(), seed));
          Trace t = run.trace();
          before[seed - 1] = t.meanError(changeAt - 2 * WINDOW, changeAt);
          after[seed - 1] = t.meanError(changeAt, Math.min(seconds, changeAt + AFTER));
          steady[seed - 1] = t.meanError(seconds - STEADY, seconds);
          ScenarioRun o = done.get(new Key(sid, "oracle", seed));
          vsOracle[seed - 1] =
              o == null
                  ? Double.NaN
                  : steady[seed - 1] / o.trace().meanError(seconds - STEADY, seconds);
          String fixed = fixedOf(r.id());
          ScenarioRun f = fixed == null ? null : done.get(new Key(sid, fixed, seed));
          vsFixed[seed - 1] =
              f == null
                  ? Double.NaN
                  : t.meanError(changeAt, seconds) / f.trace().meanError(changeAt, seconds);
          ScenarioRun ref =
              r.controller() == Controller.ORACLE
                  ? done.get(
                      new Key(aggressive ? "unchanged-aggressive" : "unchanged", "grbal", seed))
                  : done.get(
                      new Key(aggressive ? "unchanged-aggressive" : "unchanged", r.id(), seed));
          // (the oracle's reference is GrBAL's unchanged run, absent when that row is not run)
          recovery[seed - 1] =
              ref == null ? Double.NaN : t.recoveryTime(ref.trace(), changeAt, WINDOW, TOLERANCE);
          if (!Double.isNaN(recovery[seed - 1])) {
            recovered++;
          }
          alarmsBeforeChange += run.alarmsBeforeChange();
          double delay = run.detectionDelaySeconds();
          if (!Double.isNaN(delay)) {
            delays.add(delay);
          }
        }
        double[] d = delays.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("scenario", sid);
        row.put("controller", r.id());
        row.put("controller_name", r.name());
        row.put("error_before_median", quantile(before, 0.5));
        row.put("error_after_change_median", quantile(after, 0.5));
        row.put("error_end_median", quantile(steady, 0.5));
        row.put("error_end_q25", quantile(steady, 0.25));
        row.put("error_end_q75", quantile(steady, 0.75));
        row.put("error_end_mean", mean(steady));
        row.put("error_end_ci95", ci95(steady));
        row.put("end_vs_oracle_median", quantile(vsOracle, 0.5));
        row.put("post_change_vs_not_adapting_median", quantile(vsFixed, 0.5));
        row.put("recovered", recovered);
        row.put("recovery_s", recovery);
        row.put("recovery_median_s", quantile(recovery, 0.5));
        row.put("recovery_q25_s", quantile(recovery, 0.25));
        row.put("recovery_q75_s", quantile(recovery, 0.75));
        row.put("detected", d.length);
        row.put("detection_delay_median_s", d.length == 0 ? Double.NaN : quantile(d, 0.5));
        table.add(row);
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.4f | %.4f | %.4f / %.4f ± %.4f | %s | %s | %d/%d | %s [%s, %s] | %d/%d | %s |%n",
                sid,
                r.name(),
                quantile(before, 0.5),
                quantile(after, 0.5),
                quantile(steady, 0.5),
                mean(steady),
                ci95(steady),
                ratio(quantile(vsOracle, 0.5)),
                ratio(quantile(vsFixed, 0.5)),
                recovered,
                seeds,
                fmt(quantile(recovery, 0.5)),
                fmt(quantile(recovery, 0.25)),
                fmt(quantile(recovery, 0.75)),
                d.length,
                seeds,
                d.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f s", quantile(d, 0.5))));
      }
    }
    result.put("rows", table);
    Map<String, Object> alarms = new LinkedHashMap<>();
    int unchangedAlarms = 0;
    double unchangedSeconds = 0;
    Map<String, Integer> perRow = new LinkedHashMap<>();
    for (var e : done.entrySet()) {
      if (e.getKey().scenario().startsWith("unchanged")) {
        unchangedAlarms += e.getValue().alarmsBeforeChange();
        unchangedSeconds += e.getValue().trace().length() * e.getValue().trace().dt();
        perRow.merge(e.getKey().row(), e.getValue().alarmsBeforeChange(), Integer::sum);
      }
    }
    alarms.put("unchanged_runs_alarms_per_row", perRow);
    alarms.put("unchanged_runs_alarms", unchangedAlarms);
    alarms.put("unchanged_runs_seconds", unchangedSeconds);
    alarms.put("alarms_before_change_all_runs", alarmsBeforeChange);
    if (longDone != null) {
      alarms.put("long_run_seconds", falseAlarmSeconds);
      alarms.put("long_run_alarms_bll", longDone.alarmsBeforeChange());
      alarms.put("long_run_alarm_times_s", longDone.alarmTimesBeforeChange());
      // the pack drains over an hour: its voltage says whether an alarm saw a flat battery
      Map<String, Double> volts = new LinkedHashMap<>();
      var tr = longDone.trace();
      int bi =
          Bundle.load(Path.of("bundles/diffdrive-bll"))
              .manifest()
              .observation()
              .names()
              .indexOf("battery_volts");
      if (bi >= 0 && tr.length() > 0) {
        var o = Bundle.load(Path.of("bundles/diffdrive-bll")).manifest().observation();
        double[] obs = tr.observations();
        int n = o.size();
        for (double at : new double[] {0, 600, 1200, 1800, 2400, 3000, 3300, 3400, 3500}) {
          int i = (int) Math.min(tr.length() - 1, Math.round(at / tr.dt()));
          volts.put(
              String.format(Locale.ROOT, "%.0f", at), obs[i * n + bi] * o.std()[bi] + o.mean()[bi]);
        }
      }
      alarms.put("long_run_battery_volts_at_s", volts);
    }
    result.put("false_alarms", alarms);
    result.put("wall_seconds", (System.nanoTime() - t0) * 1e-9);
    result.put("markdown", md.toString());
    Files.createDirectories(out.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
    System.out.print(md);
    System.out.printf(
        Locale.ROOT,
        "%nfalse alarms: %d in %.0f s of unchanged runs (all controllers that detect); %d before the"
            + " change in all changed runs%s%n",
        unchangedAlarms,
        unchangedSeconds,
        alarmsBeforeChange,
        longDone == null
            ? ""
            : String.format(
                Locale.ROOT,
                "; %d in one %.0f s unchanged run of the meta-trained BLL (first at %s s; battery"
                    + " volts by time: %s)",
                longDone.alarmsBeforeChange(),
                falseAlarmSeconds,
                longDone.alarmTimesBeforeChange().isEmpty()
                    ? "-"
                    : String.format(Locale.ROOT, "%.1f", longDone.alarmTimesBeforeChange().get(0)),
                alarms.get("long_run_battery_volts_at_s")));
    System.out.println("alarms in unchanged runs per row: " + perRow);
    System.out.printf(
        Locale.ROOT, "wall time %.0f s; written %s%n", (System.nanoTime() - t0) * 1e-9, out);
  }

  /** The change size of a seed: U[0.75, 1.25]. */
  static double changeSize(long seed) {
    return 0.75 + 0.5 * new SplittableRandom(seed * 31 + 7).nextDouble();
  }

  /** The same model's not-adapting row, for the adaptive ones. */
  static String fixedOf(String id) {
    return switch (id) {
      case "grbal", "pooled-ft" -> "mpc-fixed";
      case "bll", "bll-pooled", "rls" -> "bll-fixed";
      case "pi-ff" -> "pi";
      case "maml-rl" -> "maml-rl-fixed";
      case "rl2" -> "rl2-held";
      case "rma" -> "rma-held";
      case "pearl" -> "pearl-held";
      default -> null;
    };
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
      double[] oracle,
      double size,
      ScenarioFile timeline) {
    return pool.submit(
        () -> {
          ScenarioRun r =
              new ScenarioRun(
                  new ScenarioRun.Options(
                      cfg, s, profile, seed, seconds, changeAt, c, oracle, false, size, timeline));
          r.run(null);
          return r;
        });
  }

  private static double mean(double[] x) {
    double s = 0;
    int n = 0;
    for (double v : x) {
      if (!Double.isNaN(v)) {
        s += v;
        n++;
      }
    }
    return s / Math.max(1, n);
  }

  private static double ci95(double[] x) {
    double m = mean(x);
    double s = 0;
    int n = 0;
    for (double v : x) {
      if (!Double.isNaN(v)) {
        s += (v - m) * (v - m);
        n++;
      }
    }
    return 1.96 * Math.sqrt(s / Math.max(1, n - 1) / Math.max(1, n));
  }

  /** Quantile with NaN ("never") ranked above every value. */
  static double quantile(double[] x, double q) {
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

  private static String ratio(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "never" : String.format(Locale.ROOT, "%.1f s", v);
  }
}
