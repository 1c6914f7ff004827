package org.adaptrobot.demo.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.adaptrobot.demo.ChangeScenario;
import org.adaptrobot.demo.Oracle;
import org.adaptrobot.demo.ScenarioRun;
import org.adaptrobot.demo.ScenarioRun.Controller;
import org.adaptrobot.demo.Trace;
import org.adaptrobot.demo.VelocityProfile;
import org.adaptrobot.demo.plot.LinePlot;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.adaptation.AdaptationEvent;
import org.adaptrobot.runtime.adaptation.ModelFit;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.sim.ScenarioFile;
import org.adaptrobot.runtime.telemetry.LocalBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code robot demo}: the simulated robot through the real runtime with the shipped meta-trained
 * dynamics bundle, a scripted velocity profile, and a change of dynamics mid-run; the adaptive run
 * against the same run without adaptation, an oracle that knows the new dynamics, and the unchanged
 * robot.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Drive the simulated robot (real drivers, simulated devices) with the shipped meta-trained"
          + " dynamics model (a Bayesian last layer, conditioned on every transition) and MPC"
          + " through a scripted velocity profile. At --change-at seconds the robot changes"
          + " (default: the left motor loses 40 %% of its torque and a payload is added); the"
          + " runtime detects it and adapts its model on the robot.",
      "Prints a live status line and a table of tracking errors before the change, just after"
          + " it and after adaptation, for the adaptive run, the same run with adaptation"
          + " disabled, an oracle model fitted to the changed robot, and the unchanged robot;"
          + " writes a PNG plot; sends telemetry to the embedded broker when mosquitto is"
          + " installed (watch with robot monitor)."
    })
public final class DemoCommand implements Callable<Integer> {

  static final String DEFAULT_CONFIG = "src/examples/diffbot-demo.yaml";

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Runtime configuration (default: " + DEFAULT_CONFIG + " of this installation).")
  Path config;

  @Option(
      names = "--bundle",
      paramLabel = "PATH",
      description =
          "A bundle that adapts on the robot: model-based (MPC, with the oracle comparison) or a"
              + " policy that adapts by gradient steps (no oracle).")
  Path bundle;

  @Option(
      names = "--record",
      paramLabel = "FILE.mcap",
      description =
          "Record the live run (every step's sensor readings, observation, actions before and"
              + " after the safety layer, events, adaptation decisions, telemetry samples) into an"
              + " MCAP file that Foxglove opens; robot replay reads it.")
  Path record;

  @Option(
      names = "--scenario",
      defaultValue = "motor-payload",
      paramLabel = "NAME",
      description =
          "The change: motor-payload, battery-sag, payload, friction, weak-motor or held-out"
              + " (default: ${DEFAULT-VALUE}).")
  String scenario;

  @Option(
      names = "--seconds",
      defaultValue = "30",
      paramLabel = "S",
      description = "Robot time of each run (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--change-at",
      defaultValue = "10",
      paramLabel = "S",
      description = "When the robot changes (default: ${DEFAULT-VALUE}).")
  double changeAt;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description =
          "Seed: sensor noise, and for seeds other than 1 a random velocity profile and a change"
              + " 0.75-1.25 times as large as named (seed 1: the standard profile and change;"
              + " default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--scenario-file",
      paramLabel = "FILE",
      description =
          "A YAML timeline of changes and faults to play instead of --scenario (see README);"
              + " no oracle run then.")
  Path scenarioFile;

  @Option(
      names = "--no-adapt",
      description =
          "The live run keeps the meta-trained model (the adaptive run becomes a" + " comparison).")
  boolean noAdapt;

  @Option(
      names = "--realtime",
      description = "Run the live run at wall-clock pace (the comparisons stay in lockstep).")
  boolean realtime;

  @Option(
      names = "--no-compare",
      description = "Only the live run: no oracle, no comparison runs, no table.")
  boolean noCompare;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the summary as JSON here.")
  Path json;

  @Option(
      names = "--plot",
      paramLabel = "FILE",
      description = "PNG plot of the runs (default: runs/demo/demo-<scenario>.png).")
  Path plot;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private static final double WINDOW_JUST_AFTER = 2.0;
  private static final double RECOVERY_WINDOW = 2.5;
  private static final double RECOVERY_TOLERANCE = 0.10;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ChangeScenario change;
    try {
      change = ChangeScenario.byId(scenario);
    } catch (IllegalArgumentException e) {
      err.println("error: --scenario: " + e.getMessage());
      return 2;
    }
    ScenarioFile timeline = null;
    if (scenarioFile != null) {
      try {
        timeline = ScenarioFile.load(scenarioFile);
      } catch (ConfigException e) {
        err.printf(
            "%s: %d problem%s:%n",
            scenarioFile, e.problems().size(), e.problems().size() == 1 ? "" : "s");
        e.problems().forEach(p -> err.println("  " + p));
        return 1;
      }
      if (Double.isNaN(timeline.firstChangeSeconds())) {
        err.println("error: " + scenarioFile + ": no event sets a physics parameter (set:)");
        return 1;
      }
      changeAt = timeline.firstChangeSeconds();
    }
    if (!(seconds > 0) || !(changeAt > 0) || changeAt >= seconds) {
      err.printf(
          Locale.ROOT,
          "error: need 0 < --change-at < --seconds, got change at %.1f s of %.1f s%n",
          changeAt,
          seconds);
      return 2;
    }
    Path home = Path.of(System.getProperty("robot.home", "."));
    Path cfgFile = config != null ? config : home.resolve(DEFAULT_CONFIG);
    if (config == null && !Files.isRegularFile(cfgFile)) {
      err.println(
          "error: the demo's default configuration "
              + cfgFile
              + " is missing (an installation without the repository's files); pass --config");
      return 1;
    }
    RuntimeConfig cfg;
    try {
      cfg = RuntimeConfig.load(cfgFile);
    } catch (ConfigException e) {
      err.printf(
          "%s: %d problem%s:%n", cfgFile, e.problems().size(), e.problems().size() == 1 ? "" : "s");
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    }
    if (bundle != null) {
      cfg =
          new RuntimeConfig(
              cfg.hardware(),
              bundle,
              cfg.runtime(),
              cfg.telemetry(),
              cfg.planner(),
              cfg.detector());
    }
    Bundle b;
    try {
      b = Bundle.load(cfg.bundle());
    } catch (BundleException e) {
      err.printf("%s: cannot be loaded:%n", cfg.bundle());
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    }
    Manifest m = b.manifest();
    boolean planning = org.adaptrobot.runtime.RobotRuntime.plansWithDynamics(m);
    if (!planning
        && !org.adaptrobot.runtime.control.ControllerFactory.adaptsOnRobot(m)
        && m.adaptation().mode() != org.adaptrobot.models.bundle.AdaptationMode.RECURRENT
        && m.adaptation().mode() != org.adaptrobot.models.bundle.AdaptationMode.LATENT) {
      err.println(
          "error: "
              + cfg.bundle()
              + ": the demo needs a bundle that adapts on the robot (a dynamics graph with"
              + " adaptation.mode model-based or context-gradient, a policy graph with mode"
              + " gradient or context-gradient, a gru policy with mode recurrent, or an encoder"
              + " with mode latent), found "
              + m.adaptation().mode().id()
              + " on graph "
              + m.adaptation().graph());
      return 1;
    }
    if (Math.abs(m.controlRateHz() - cfg.runtime().controlRateHz()) > 1e-6) {
      cfg =
          new RuntimeConfig(
              cfg.hardware(),
              cfg.bundle(),
              cfg.runtime().withControlRate(m.controlRateHz()),
              cfg.telemetry(),
              cfg.planner(),
              cfg.detector());
    }
    RuntimeConfig quiet =
        new RuntimeConfig(
            cfg.hardware(),
            cfg.bundle(),
            cfg.runtime(),
            RuntimeConfig.Telemetry.none(),
            cfg.planner(),
            cfg.detector());
    RuntimeConfig live = cfg;
    if (cfg.telemetry().enabled()
        && cfg.telemetry().broker().equals("embedded")
        && LocalBroker.executable() == null) {
      err.println(
          "telemetry: off (no mosquitto installed: sudo apt-get install mosquitto to watch the"
              + " demo with ./robot monitor)");
      live = quiet;
    }
    VelocityProfile profile =
        seed == 1 ? VelocityProfile.standard() : VelocityProfile.random(seed, 4);
    double size =
        seed == 1 ? 1.0 : 0.75 + 0.5 * new java.util.SplittableRandom(seed * 31 + 7).nextDouble();
    this.changeSize = size;
    this.timeline = timeline;
    out.printf(
        Locale.ROOT,
        "demo: at t = %.1f s %s; %.0f s of robot time, seed %d%s%n",
        changeAt,
        timeline != null
            ? "the timeline of " + scenarioFile + " (" + timeline.events().size() + " events)"
            : change.description()
                + (size == 1.0
                    ? ""
                    : String.format(Locale.ROOT, " (x%.2f: %s)", size, change.parameters(size))),
        seconds,
        seed,
        seed == 1 ? " (standard profile)" : " (random profile)");
    out.printf(
        Locale.ROOT,
        "bundle: %s (%s, %s%s)%n",
        cfg.bundle(),
        m.adaptation().mode().id(),
        m.provenance() == null ? "no provenance" : m.provenance().algorithm(),
        m.provenance() == null || m.provenance().hyperparameters().get("command") == null
            ? ""
            : "; made by: " + m.provenance().hyperparameters().get("command"));
    out.flush();

    long wall0 = System.nanoTime();
    ModelFit.Result oracle = null;
    // the oracle is a dynamics model fitted to the changed robot: MPC bundles only
    if (!noCompare && timeline == null && planning) {
      out.printf(
          Locale.ROOT,
          "oracle: fitting the model to %.0f s of the changed robot (%d random set-points) ... ",
          Oracle.SECONDS,
          Oracle.SEGMENTS);
      out.flush();
      long t0 = System.nanoTime();
      oracle = Oracle.fit(quiet, b, change, size, 3000);
      out.printf(
          Locale.ROOT,
          "held-out loss %.3g -> %.3g (%.1f s)%n",
          oracle.validationBefore(),
          oracle.validationAfter(),
          (System.nanoTime() - t0) * 1e-9);
    }

    Controller liveController = noAdapt ? Controller.FIXED : Controller.ADAPTIVE;
    ScenarioRun main =
        new ScenarioRun(
            new ScenarioRun.Options(
                live,
                change,
                profile,
                seed,
                seconds,
                changeAt,
                liveController,
                null,
                realtime,
                size,
                timeline));
    if (record != null) {
      java.util.Map<String, Object> session = new java.util.LinkedHashMap<>();
      session.put("bundle", live.bundle().toAbsolutePath().normalize().toString());
      session.put("config", cfgFile.toAbsolutePath().normalize().toString());
      session.put("executor", live.runtime().executor().name().toLowerCase(Locale.ROOT));
      session.put("control_rate_hz", live.runtime().controlRateHz());
      session.put("mode", "demo");
      session.put("adapt", !noAdapt);
      session.put("seed", seed);
      main.recordTo(
          record, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(session));
    }
    Status status = new Status(main, out, changeAt);
    long runStart = System.nanoTime();
    Trace liveTrace;
    try {
      status.start();
      liveTrace =
          main.run(
              new RuntimeEvents() {
                @Override
                public void transition(LifecycleState from, LifecycleState to, String reason) {
                  if (to == LifecycleState.ACTIVE && main.runtime().broker() != null) {
                    status.note(
                        "telemetry: embedded broker at "
                            + main.runtime().broker().url()
                            + " (watch with: ./robot monitor --broker "
                            + main.runtime().broker().url()
                            + ")");
                  }
                }

                @Override
                public void fault(String kind, String message) {
                  status.note("[fault " + kind + "] " + message);
                }

                @Override
                public void adaptation(AdaptationEvent e) {
                  if (e.kind().equals("change_detected")
                      || e.kind().equals("model_mismatch")
                      || e.kind().equals("rolled_back")) {
                    status.note(
                        String.format(
                            Locale.ROOT,
                            "t %.2f s: %s (%s)",
                            e.transitions() / m.controlRateHz(),
                            e.kind().replace('_', ' '),
                            e.reason()));
                  }
                }
              });
    } catch (BundleException e) {
      status.stop();
      err.printf("%s: cannot run:%n", cfg.bundle());
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    } finally {
      status.stop();
    }
    double liveWall = (System.nanoTime() - runStart) * 1e-9;
    out.printf(
        Locale.ROOT,
        "%s run: %.1f s robot time in %.1f s wall (%.1fx real time), ended %s%n",
        noAdapt ? "non-adaptive" : "adaptive",
        liveTrace.length() * liveTrace.dt(),
        liveWall,
        liveTrace.length() * liveTrace.dt() / liveWall,
        main.endState());

    Map<String, ScenarioRun> runs = new LinkedHashMap<>();
    runs.put(noAdapt ? "non-adaptive" : "adaptive", main);
    if (!noCompare) {
      out.println("comparison runs (lockstep, in parallel) ...");
      out.flush();
      Map<String, ScenarioRun> others = new LinkedHashMap<>();
      others.put(
          noAdapt ? "adaptive" : "non-adaptive",
          run(
              quiet,
              change,
              profile,
              noAdapt ? Controller.ADAPTIVE : Controller.FIXED,
              null,
              changeAt));
      if (oracle != null) {
        others.put(
            "oracle",
            run(quiet, change, profile, Controller.ORACLE, oracle.parameters(), changeAt));
      }
      others.put(
          "unchanged robot", run(quiet, change, profile, Controller.ADAPTIVE, null, seconds + 1));
      runAll(others.values());
      if (noAdapt) {
        Map<String, ScenarioRun> ordered = new LinkedHashMap<>();
        ordered.put("adaptive", others.get("adaptive"));
        ordered.put("non-adaptive", main);
        others.remove("adaptive");
        ordered.putAll(others);
        runs = ordered;
      } else {
        runs.putAll(others);
      }
    }
    Map<String, Object> summary = summarise(runs, change, profile, oracle, main, liveWall);
    summary.put("wall_seconds_total", (System.nanoTime() - wall0) * 1e-9);
    printTable(out, summary);
    Path png = plot != null ? plot : home.resolve("runs/demo/demo-" + change.id() + ".png");
    writePlot(png, runs, change);
    summary.put("plot", png.toString());
    out.println("plot: " + png);
    if (json != null) {
      org.adaptrobot.runtime.cli.BundleCommand.writeJson(json, summary);
      out.println("summary: " + json);
    }
    return 0;
  }

  private ScenarioRun run(
      RuntimeConfig cfg,
      ChangeScenario change,
      VelocityProfile profile,
      Controller controller,
      double[] oracle,
      double at) {
    return new ScenarioRun(
        new ScenarioRun.Options(
            cfg,
            change,
            profile,
            seed,
            seconds,
            at,
            controller,
            oracle,
            false,
            changeSize,
            at > seconds ? null : timeline));
  }

  private double changeSize = 1.0;
  private ScenarioFile timeline;

  private static void runAll(java.util.Collection<ScenarioRun> runs) throws Exception {
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try {
      List<Future<Trace>> fs = new ArrayList<>();
      for (ScenarioRun r : runs) {
        fs.add(pool.submit(() -> r.run(null)));
      }
      for (Future<Trace> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private Map<String, Object> summarise(
      Map<String, ScenarioRun> runs,
      ChangeScenario change,
      VelocityProfile profile,
      ModelFit.Result oracle,
      ScenarioRun live,
      double liveWall) {
    double half = profile.cycleSeconds() / 2;
    double[][] windows = {
      {changeAt - half, changeAt},
      {changeAt, Math.min(seconds, changeAt + WINDOW_JUST_AFTER)},
      {Math.max(changeAt + WINDOW_JUST_AFTER, seconds - half), seconds}
    };
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("scenario", change.id());
    s.put("change", change.description());
    s.put("change_parameters", change.parameters());
    s.put("change_at_s", changeAt);
    s.put("seconds", seconds);
    s.put("seed", seed);
    s.put("bundle", String.valueOf(runs.values().iterator().next().options().config().bundle()));
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("before", windows[0]);
    w.put("just_after", windows[1]);
    w.put("after_adaptation", windows[2]);
    s.put("windows_s", w);
    s.put("error_unit", "m/s, sqrt((v - v*)^2 + (b/2 (omega - omega*))^2), ground truth");
    ScenarioRun reference = runs.get("unchanged robot");
    Map<String, Object> rows = new LinkedHashMap<>();
    for (Map.Entry<String, ScenarioRun> e : runs.entrySet()) {
      ScenarioRun r = e.getValue();
      Trace t = r.trace();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("before", t.meanError(windows[0][0], windows[0][1]));
      row.put("just_after", t.meanError(windows[1][0], windows[1][1]));
      row.put("after_adaptation", t.meanError(windows[2][0], windows[2][1]));
      if (reference != null && r != reference) {
        row.put(
            "recovery_s",
            t.recoveryTime(reference.trace(), changeAt, RECOVERY_WINDOW, RECOVERY_TOLERANCE));
      }
      Map<String, Integer> decisions = new LinkedHashMap<>();
      for (ScenarioRun.Event ev : r.events()) {
        decisions.merge(ev.event().kind(), 1, Integer::sum);
      }
      row.put("adaptation_decisions", decisions);
      double[] norms =
          r.events().stream()
              .filter(ev -> ev.event().kind().equals("accepted"))
              .mapToDouble(ev -> ev.event().updateNorm())
              .sorted()
              .toArray();
      row.put(
          "accepted_update_norm_median", norms.length == 0 ? Double.NaN : norms[norms.length / 2]);
      row.put("accepted_update_norm_max", norms.length == 0 ? Double.NaN : norms[norms.length - 1]);
      row.put("change_detected_after_s", r.detectionDelaySeconds());
      row.put("end_state", r.endState());
      rows.put(e.getKey(), row);
    }
    s.put("runs", rows);
    Map<String, Object> loop = new LinkedHashMap<>();
    loop.put("wall_seconds", liveWall);
    loop.put(
        "compute_time_us",
        org.adaptrobot.runtime.cli.RunCommand.percentiles(live.metrics().computeTimeTotal()));
    loop.put(
        "period_error_us",
        org.adaptrobot.runtime.cli.RunCommand.percentiles(live.metrics().periodErrorTotal()));
    s.put("live_run_loop", loop);
    if (oracle != null) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("seconds_of_data", Oracle.SECONDS);
      o.put("transitions_fitted", oracle.trainTransitions());
      o.put("held_out_loss_before", oracle.validationBefore());
      o.put("held_out_loss_after", oracle.validationAfter());
      s.put("oracle_fit", o);
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private static void printTable(PrintWriter out, Map<String, Object> s) {
    Map<String, double[]> w = (Map<String, double[]>) s.get("windows_s");
    out.println();
    out.printf(
        Locale.ROOT,
        "tracking error, mean m/s  | before %4.1f-%4.1f s | just after %4.1f-%4.1f s | after"
            + " adaptation %4.1f-%4.1f s | recovery* | vs non-adaptive | vs oracle | change"
            + " detected after%n",
        w.get("before")[0],
        w.get("before")[1],
        w.get("just_after")[0],
        w.get("just_after")[1],
        w.get("after_adaptation")[0],
        w.get("after_adaptation")[1]);
    Map<String, Map<String, Object>> rows = (Map<String, Map<String, Object>>) s.get("runs");
    Map<String, Object> fixed = rows.get("non-adaptive");
    Map<String, Object> oracle = rows.get("oracle");
    for (Map.Entry<String, Map<String, Object>> e : rows.entrySet()) {
      Map<String, Object> r = e.getValue();
      Double rec = (Double) r.get("recovery_s");
      double det = (Double) r.get("change_detected_after_s");
      double after = (Double) r.get("after_adaptation");
      out.printf(
          Locale.ROOT,
          "%-26s| %16.4f | %20.4f | %30.4f | %9s | %15s | %9s | %s%n",
          e.getKey(),
          (Double) r.get("before"),
          (Double) r.get("just_after"),
          after,
          rec == null
              ? "-"
              : Double.isNaN(rec) ? "never" : String.format(Locale.ROOT, "%.1f s", rec),
          fixed == null || r == fixed
              ? "-"
              : String.format(Locale.ROOT, "%.2fx", after / (Double) fixed.get("after_adaptation")),
          oracle == null || r == oracle
              ? "-"
              : String.format(
                  Locale.ROOT, "%.2fx", after / (Double) oracle.get("after_adaptation")),
          Double.isNaN(det) ? "-" : String.format(Locale.ROOT, "%.2f s", det));
    }
    out.println(
        "* time until the error (2.5 s average) is back within 10 % of the unchanged robot's and"
            + " stays there");
  }

  private void writePlot(Path png, Map<String, ScenarioRun> runs, ChangeScenario change)
      throws java.io.IOException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    String what = timeline != null ? timeline.name() : change.description();
    LinePlot v = new LinePlot("Forward speed: " + what, "robot time, s", "v, m/s");
    LinePlot w = new LinePlot("Yaw rate", "robot time, s", "omega, rad/s");
    LinePlot err =
        new LinePlot("Tracking error", "robot time, s", "tracking error, m/s (0.5 s average)");
    boolean first = true;
    double detected = Double.NaN;
    for (Map.Entry<String, ScenarioRun> e : runs.entrySet()) {
      Trace t = e.getValue().trace();
      // from 1 s on: the start from rest would dwarf everything else
      int from = Math.min(t.length(), (int) Math.round(1.0 / t.dt()));
      double[] smooth = t.smoothedError(0.5);
      int n = t.length() - from;
      double[] x = new double[n];
      double[] speed = new double[n];
      double[] yaw = new double[n];
      double[] speedTarget = new double[n];
      double[] yawTarget = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = t.time(from + i);
        speed[i] = t.speed(from + i);
        yaw[i] = t.yawRate(from + i);
        speedTarget[i] = t.speedTarget(from + i);
        yawTarget[i] = t.yawRateTarget(from + i);
        y[i] = smooth[from + i];
      }
      if (first) {
        v.reference("set-point", x, speedTarget);
        w.reference("set-point", x, yawTarget);
        detected = changeAt + e.getValue().detectionDelaySeconds();
        first = false;
      }
      v.add(e.getKey(), x, speed);
      w.add(e.getKey(), x, yaw);
      err.add(e.getKey(), x, y);
    }
    for (LinePlot p : List.of(v, w, err)) {
      p.marker("change", changeAt, java.awt.Color.GRAY);
      p.marker("change detected", detected, java.awt.Color.MAGENTA);
    }
    LinePlot.writePanels(png, List.of(v, w, err));
  }

  /** The live status line, printed from its own thread (never from the control loop). */
  private static final class Status {
    private final ScenarioRun run;
    private final PrintWriter out;
    private final double changeAt;
    private final boolean terminal = System.console() != null;
    private final java.util.concurrent.ConcurrentLinkedQueue<String> notes =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean running;
    private Thread thread;
    private double lastPrinted = -1;

    Status(ScenarioRun run, PrintWriter out, double changeAt) {
      this.run = run;
      this.out = out;
      this.changeAt = changeAt;
    }

    void note(String line) {
      notes.add(line);
    }

    void start() {
      running = true;
      thread =
          new Thread(
              () -> {
                while (running) {
                  print(false);
                  try {
                    Thread.sleep(200);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "demo-status");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() {
      if (thread == null) {
        return;
      }
      running = false;
      thread.interrupt();
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      thread = null;
      print(true);
      if (terminal) {
        out.println();
      }
      out.flush();
    }

    private synchronized void print(boolean last) {
      String note;
      while ((note = notes.poll()) != null) {
        if (terminal) {
          out.print("\r\033[K");
        }
        out.println(note);
      }
      Trace t = run.trace();
      int n = run.recorded();
      if (t == null || n == 0) {
        out.flush();
        return;
      }
      int i = n - 1;
      double time = t.time(i);
      if (!terminal && !last && time - lastPrinted < 5.0) {
        return;
      }
      lastPrinted = time;
      double recent = t.meanError(Math.max(0, time - 1), time + t.dt());
      AdaptationEvent e = run.lastEvent();
      boolean continuous =
          run.runtime() != null
              && run.runtime().adaptation()
                  instanceof org.adaptrobot.runtime.adaptation.BayesianLastLayerFeed;
      var recurrent = run.runtime() == null ? null : run.runtime().loop().recurrent();
      String adapt =
          recurrent != null
                  && org.adaptrobot.runtime.control.RecurrentPolicy.LATENT.equals(recurrent.kind())
              ? String.format(
                  Locale.ROOT,
                  "latent ‖z‖ %.2f, shift %.2f over the window%s",
                  recurrent.hiddenNorm(),
                  recurrent.shift(),
                  recurrent.held() ? " (held)" : "")
              : recurrent != null
                  ? String.format(
                      Locale.ROOT,
                      "hidden state ‖h‖ %.2f, change %.3f per step%s",
                      recurrent.hiddenNorm(),
                      recurrent.hiddenChange(),
                      recurrent.held() ? " (held)" : "")
                  : continuous
                      ? "posterior updated every step"
                          + (e == null ? "" : ", last alarm " + e.kind().replace('_', ' '))
                      : e == null
                          ? "no adaptation yet"
                          : String.format(
                              Locale.ROOT,
                              "%d adaptations accepted, last %s%s",
                              run.adaptations(),
                              e.kind().replace('_', ' '),
                              Double.isNaN(e.lossBefore())
                                  ? ""
                                  : run.runtime() != null
                                          && run.runtime().adaptation()
                                              instanceof
                                              org.adaptrobot.runtime.adaptation.PolicyGradientFeed
                                      // a policy-gradient round reports negative returns as losses
                                      ? String.format(
                                          Locale.ROOT,
                                          " (return per rollout %.2g in use, %.2g with the step)",
                                          -e.lossBefore(),
                                          -e.lossAfter())
                                      : String.format(
                                          Locale.ROOT,
                                          " (held-out loss %.2g -> %.2g)",
                                          e.lossBefore(),
                                          e.lossAfter()));
      String line =
          String.format(
              Locale.ROOT,
              "t %5.1f s  v %5.2f / %5.2f m/s  ω %5.2f / %5.2f rad/s  error(1 s) %.3f m/s  %s  %s",
              time,
              t.speed(i),
              t.speedTarget(i),
              t.yawRate(i),
              t.yawRateTarget(i),
              recent,
              time >= changeAt ? "CHANGED" : "nominal",
              adapt);
      if (terminal) {
        out.print("\r\033[K" + line);
      } else {
        out.println(line);
      }
      out.flush();
    }
  }
}
