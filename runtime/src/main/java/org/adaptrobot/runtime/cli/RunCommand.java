package org.adaptrobot.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code robot run}: the runtime on the robot, or on the simulated robot with {@code --sim}. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the control loop with the configured policy bundle: on the Pi's hardware, or with --sim"
          + " on the simulated robot (lockstep, as fast as possible; add --realtime to keep"
          + " wall-clock pace). Ctrl-C stops the robot safely.",
      "Prints loop figures at the end; --json writes them."
    })
public final class RunCommand implements Callable<Integer> {

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "Runtime configuration (YAML), e.g. src/examples/diffbot-sim.yaml.")
  Path config;

  @Option(names = "--sim", description = "Drive the simulated robot instead of the hardware.")
  boolean sim;

  @Option(
      names = "--no-adapt",
      description = "Keep a model-based bundle's meta-trained model unchanged.")
  boolean noAdapt;

  @Option(names = "--realtime", description = "With --sim: keep wall-clock pace (real-time clock).")
  boolean realtime;

  @Option(
      names = "--seconds",
      paramLabel = "N",
      description = "Run for N seconds of robot time, then stop (default: until Ctrl-C).")
  Double seconds;

  @Option(
      names = "--velocity",
      paramLabel = "V,W",
      split = ",",
      description = "Hold a velocity command: forward speed m/s, yaw rate rad/s.")
  double[] velocity;

  @Option(
      names = "--inactive",
      description = "Stay INACTIVE: read sensors, keep the motors stopped.")
  boolean inactive;

  @Option(
      names = "--bundle",
      paramLabel = "PATH",
      description = "Use this bundle instead of the configured one.")
  Path bundle;

  @Option(names = "--rate", paramLabel = "HZ", description = "Override runtime.control_rate_hz.")
  Double rate;

  @Option(
      names = "--executor",
      paramLabel = "NAME",
      description = "Override runtime.executor: java or onnxruntime.")
  RuntimeConfig.Executor executor;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Simulation seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "Write the run's figures as JSON here.")
  Path json;

  @Option(
      names = "--scenario-file",
      paramLabel = "FILE",
      description =
          "With --sim: a YAML timeline of physics changes and device faults, applied at their"
              + " robot times (see README, Scenario files).")
  Path scenarioFile;

  @Option(
      names = "--record",
      paramLabel = "FILE.mcap",
      description =
          "Record every control step (time, observation, applied duties, target) into an MCAP"
              + " file that Foxglove and the mcap tools open; the loop never waits for it (a full"
              + " ring drops steps and says how many), except in a lockstep simulation.")
  Path record;

  @Option(
      names = "--hil",
      paramLabel = "tcp://HOST:PORT",
      description =
          "Hardware in the loop: run this Pi's drivers against the simulator of 'robot sim serve"
              + " --listen' on the PC; every device transaction goes over the link. Real time"
              + " unless --lockstep. A lost link latches the e-stop and ends the run.")
  String hil;

  @Option(
      names = "--lockstep",
      description =
          "With --hil: the simulator advances only when a step ends (reproducible; as fast as"
              + " the link allows).")
  boolean lockstep;

  @Option(
      names = "--hil-timeout-ms",
      paramLabel = "MS",
      description =
          "With --hil: a reply later than this is a device I/O error (default: one period, at"
              + " most 20 ms, in real time; 1000 ms in lockstep).")
  Double hilTimeoutMs;

  @Option(
      names = "--record-max-mb",
      paramLabel = "MB",
      description =
          "With --record: start a new file (FILE.1.mcap, FILE.2.mcap, ...) when one passes this"
              + " size (default: no limit).")
  Double recordMaxMb;

  @Option(
      names = "--record-files",
      paramLabel = "N",
      defaultValue = "10",
      description =
          "With --record-max-mb: keep the newest N files, deleting older ones (default:"
              + " ${DEFAULT-VALUE}).")
  int recordFiles;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** What a recording needs to be replayed: the bundle, the configuration, how it ran. */
  private String sessionJson(RuntimeConfig cfg, String mode) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("bundle", cfg.bundle().toAbsolutePath().normalize().toString());
    s.put("config", config.toAbsolutePath().normalize().toString());
    s.put("executor", cfg.runtime().executor().name().toLowerCase(Locale.ROOT));
    s.put("control_rate_hz", cfg.runtime().controlRateHz());
    s.put("mode", mode);
    s.put("adapt", !noAdapt);
    s.put("seed", seed);
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (realtime && !sim) {
      err.println(
          "error: --realtime only applies with --sim (on the robot the clock is always real time)");
      return 2;
    }
    if (hil != null && (sim || realtime)) {
      err.println(
          "error: --hil runs against the simulator on the PC; leave out --sim and --realtime");
      return 2;
    }
    if ((lockstep || hilTimeoutMs != null) && hil == null) {
      err.println("error: --lockstep and --hil-timeout-ms only apply with --hil");
      return 2;
    }
    if (hilTimeoutMs != null && !(hilTimeoutMs > 0 && hilTimeoutMs <= 10_000)) {
      err.println("error: --hil-timeout-ms must be in (0, 10000], got " + hilTimeoutMs);
      return 2;
    }
    if (velocity != null && velocity.length != 2) {
      err.println("error: --velocity takes two numbers, V,W (m/s, rad/s), got " + velocity.length);
      return 2;
    }
    org.adaptrobot.runtime.sim.ScenarioFile timeline = null;
    if (scenarioFile != null) {
      if (!sim && hil == null) {
        err.println(
            "error: --scenario-file only applies with --sim or --hil (it changes the simulated"
                + " robot)");
        return 2;
      }
      try {
        timeline = org.adaptrobot.runtime.sim.ScenarioFile.load(scenarioFile);
        if (timeline.hasLinkEvents()) {
          err.println(
              "error: "
                  + scenarioFile
                  + ": link: events script the hardware-in-the-loop link; give this file to"
                  + " robot sim serve --scenario-file");
          return 2;
        }
      } catch (ConfigException e) {
        err.printf(
            "%s: %d problem%s:%n",
            scenarioFile, e.problems().size(), e.problems().size() == 1 ? "" : "s");
        e.problems().forEach(p -> err.println("  " + p));
        return 1;
      }
    }
    RuntimeConfig cfg;
    try {
      cfg = RuntimeConfig.load(config);
    } catch (ConfigException e) {
      err.printf(
          "%s: %d problem%s:%n", config, e.problems().size(), e.problems().size() == 1 ? "" : "s");
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    }
    if (bundle != null || rate != null || executor != null) {
      RuntimeConfig.Settings s = cfg.runtime();
      if (rate != null) {
        s = s.withControlRate(rate);
      }
      if (executor != null) {
        s = s.withExecutor(executor);
      }
      cfg = cfg.with(bundle != null ? bundle : cfg.bundle(), s);
    }
    var recording =
        new java.util.concurrent.atomic.AtomicReference<
            org.adaptrobot.runtime.record.FlightRecorder>();
    var loopRef = new java.util.concurrent.atomic.AtomicReference<ControlLoop>();
    RuntimeEvents events =
        new RuntimeEvents() {
          private long now() {
            ControlLoop l = loopRef.get();
            return l == null ? 0 : l.clock().nowNanos();
          }

          @Override
          public void transition(LifecycleState from, LifecycleState to, String reason) {
            err.printf("[%s -> %s] %s%n", from, to, reason);
            var r = recording.get();
            if (r != null) {
              r.event(now(), "transition", from + " -> " + to, reason);
            }
          }

          @Override
          public void fault(String kind, String message) {
            err.printf("[fault %s] %s%n", kind, message);
            var r = recording.get();
            if (r != null) {
              r.event(now(), "fault", kind, message);
            }
          }

          @Override
          public void adaptation(org.adaptrobot.runtime.adaptation.AdaptationEvent event) {
            var r = recording.get();
            if (r != null) {
              r.event(now(), "adaptation", event.kind(), event.toString());
            }
          }
        };
    RobotRuntime runtime;
    org.adaptrobot.drivers.hil.HilClient link = null;
    try {
      if (hil != null) {
        long period = cfg.runtime().periodNanos();
        long timeout =
            hilTimeoutMs != null
                ? Math.round(hilTimeoutMs * 1e6)
                : lockstep
                    ? 1_000_000_000L // lockstep waits for the Pi anyway: only a dead link times out
                    : Math.min(20_000_000L, period);
        link =
            org.adaptrobot.drivers.hil.HilClient.connect(
                hil,
                cfg.hardware(),
                new org.adaptrobot.drivers.hil.HilClient.Options(lockstep, period, timeout));
        err.printf(
            java.util.Locale.ROOT,
            "hil: %s, %s, reply time-out %.3f ms%n",
            link.address(),
            lockstep ? "lockstep" : "real time",
            timeout / 1e6);
        runtime = RobotRuntime.startHil(cfg, link, events, !noAdapt);
        ControlLoop l = runtime.loop();
        link.onLinkLost(reason -> l.requestShutdown(reason));
      } else {
        runtime = RobotRuntime.start(cfg, sim, realtime, seed, events, !noAdapt);
      }
    } catch (org.adaptrobot.drivers.hil.HilException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (BundleException e) {
      err.printf(
          "%s: cannot run this bundle, %d problem%s:%n",
          cfg.bundle(), e.problems().size(), e.problems().size() == 1 ? "" : "s");
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    ControlLoop loop = runtime.loop();
    org.adaptrobot.runtime.record.FlightRecorder recorder = null;
    if (record != null) {
      try {
        recorder =
            new org.adaptrobot.runtime.record.FlightRecorder(
                record,
                runtime.bundle().manifest(),
                8192,
                (sim && !realtime) || (hil != null && lockstep),
                runtime.agents(),
                new org.adaptrobot.runtime.record.FlightRecorder.Rotation(
                    recordMaxMb == null ? 0 : Math.round(recordMaxMb * 1024 * 1024), recordFiles),
                sessionJson(cfg, hil != null ? "hil" : sim ? "sim" : "hardware"));
      } catch (IOException e) {
        runtime.close();
        err.println("error: " + record + ": cannot be written (" + e.getMessage() + ")");
        return 1;
      }
      recorder.then(loop.stepListener());
      loop.stepListener(recorder);
      if (runtime.telemetry() != null) {
        runtime.telemetry().sampleTap(recorder::telemetry);
      }
      loopRef.set(loop);
      recording.set(recorder);
    }
    if (!executorUsed(runtime, cfg).equals(cfg.runtime().executor().name().toLowerCase())) {
      var arch =
          (org.adaptrobot.models.nn.NetworkArchitecture.OnnxGraphArchitecture)
              runtime
                  .bundle()
                  .graph(org.adaptrobot.models.bundle.Manifest.POLICY)
                  .spec()
                  .architecture();
      err.println(
          "executor: ONNX Runtime, not "
              + cfg.runtime().executor().name().toLowerCase()
              + ": this bundle's graph runs on ONNX Runtime only ("
              + arch.javaExecutor()
              + ")");
    }
    if (timeline != null) {
      playOnTheLoop(
          loop,
          new org.adaptrobot.runtime.sim.ScenarioFile.Player(timeline, runtime.simulation()),
          cfg.runtime().controlRateHz(),
          err,
          timeline);
    }
    if (runtime.broker() != null) {
      err.println(
          "telemetry: embedded broker at "
              + runtime.broker().url()
              + "  (watch with: ./robot monitor --broker "
              + runtime.broker().url()
              + ")");
    } else if (cfg.telemetry().enabled()) {
      err.println(
          "telemetry: "
              + cfg.telemetry().broker()
              + " as robots/"
              + cfg.telemetry().robotId()
              + "/");
    }
    long periodMillis = cfg.runtime().periodNanos() / 1_000_000;
    Thread hook =
        new Thread(
            () -> {
              loop.requestShutdown("shutdown hook (Ctrl-C or termination)");
              try {
                Thread.sleep(Math.max(50, 3 * periodMillis));
              } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
              }
              loop.shutdown("shutdown hook"); // in case the loop did not get to it
            },
            "robot-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    long wallStart = System.nanoTime();
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    try {
      if (velocity != null) {
        loop.targets().hold(velocity[0], velocity[1]);
      }
      if (!inactive) {
        loop.requestActivate();
      }
      long periods = seconds == null ? -1 : Math.round(seconds * cfg.runtime().controlRateHz());
      loop.run(periods);
      double wallSeconds = (System.nanoTime() - wallStart) * 1e-9;
      long startupMs =
          loop.firstStepEpochMillis() == 0 ? -1 : loop.firstStepEpochMillis() - jvmStart;
      Map<String, Object> summary = summary(runtime, cfg, wallSeconds, startupMs);
      if (link != null) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("address", link.address());
        h.put("mode", lockstep ? "lockstep" : "realtime");
        h.put("requests", link.requests());
        h.put("timeouts", link.timeouts());
        h.put("late_replies", link.lateReplies());
        h.put("edges", link.edgesReceived());
        h.put("round_trip_p50_us_at_most", link.roundTripPercentileMicros(0.5));
        h.put("round_trip_p99_us_at_most", link.roundTripPercentileMicros(0.99));
        h.put("round_trip_p9999_us_at_most", link.roundTripPercentileMicros(0.9999));
        h.put("replies_over_1ms", link.repliesSlowerThan(1000));
        h.put("lost", link.lostReason() == null ? "no" : link.lostReason());
        summary.put("hil", h);
      }
      print(out, summary);
      if (json != null) {
        BundleCommand.writeJson(json, summary);
      }
      return loop.lifecycle().state() == LifecycleState.FINALIZED
              && !loop.lifecycle().lastReason().startsWith("shutdown")
          ? 1
          : 0;
    } finally {
      try {
        runtime.close(); // the last transitions reach the recording before it closes
      } catch (RuntimeException e) {
        err.println("error: while closing the runtime: " + e.getMessage());
      }
      if (recorder != null) {
        try {
          recorder.close();
          err.printf(
              "recorded %d steps and events to %s%s%n",
              recorder.recorded(),
              record,
              recorder.dropped() == 0 ? "" : " (" + recorder.dropped() + " dropped: ring full)");
        } catch (IOException e) {
          err.println("error: the recording " + record + " is incomplete: " + e.getMessage());
        }
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook is running: it will find the loop finalized
      }
    }
  }

  /**
   * Applies the timeline's events at their robot times, on the loop thread after each step, in
   * front of the listener already installed (adaptation, telemetry). Nothing allocates while no
   * event is due.
   */
  private static void playOnTheLoop(
      ControlLoop loop,
      org.adaptrobot.runtime.sim.ScenarioFile.Player player,
      double rateHz,
      PrintWriter err,
      org.adaptrobot.runtime.sim.ScenarioFile timeline) {
    player.advance(0);
    ControlLoop.StepListener next = loop.stepListener();
    loop.stepListener(
        (l, now) -> {
          player.advance(l.steps() / rateHz);
          if (next != null) {
            next.afterStep(l, now);
          }
        });
    err.printf(
        java.util.Locale.ROOT,
        "scenario: %s, %d event%s from t = %.2f s%n",
        timeline.name(),
        timeline.events().size(),
        timeline.events().size() == 1 ? "" : "s",
        timeline.events().isEmpty() ? 0.0 : timeline.events().get(0).atSeconds());
  }

  /** The executor that runs the bundle's policy graph (an onnx_graph runs on ONNX Runtime). */
  static String executorUsed(RobotRuntime runtime, RuntimeConfig cfg) {
    var policy = runtime.bundle().graphs().get(org.adaptrobot.models.bundle.Manifest.POLICY);
    if (runtime.mpc() == null
        && policy != null
        && policy.spec().architecture()
            instanceof org.adaptrobot.models.nn.NetworkArchitecture.OnnxGraphArchitecture) {
      return "onnxruntime";
    }
    return cfg.runtime().executor().name().toLowerCase();
  }

  static Map<String, Object> summary(
      RobotRuntime runtime, RuntimeConfig cfg, double wallSeconds, long startupMs) {
    ControlLoop loop = runtime.loop();
    LoopMetrics m = loop.metrics();
    Map<String, Object> s = new LinkedHashMap<>();
    long steps = loop.steps();
    double robotSeconds = steps / cfg.runtime().controlRateHz();
    s.put(
        "mode",
        runtime.simulation() == null
            ? "hardware"
            : runtime.simulation() instanceof org.adaptrobot.drivers.hil.HilClient
                ? "hardware-in-the-loop"
                : "simulation");
    s.put("control_rate_hz", cfg.runtime().controlRateHz());
    s.put("executor", executorUsed(runtime, cfg));
    s.put("steps", steps);
    s.put("robot_seconds", robotSeconds);
    s.put("wall_seconds", wallSeconds);
    s.put("speed_vs_real_time", robotSeconds / wallSeconds);
    s.put("jvm_start_to_first_step_ms", startupMs);
    s.put("final_state", loop.lifecycle().state().name());
    s.put("last_reason", loop.lifecycle().lastReason());
    s.put("period_error_us", percentiles(m.periodErrorTotal()));
    s.put("compute_time_us", percentiles(m.computeTimeTotal()));
    Map<String, Long> counters = new LinkedHashMap<>();
    for (LoopMetrics.Counter c : LoopMetrics.Counter.values()) {
      counters.put(c.name().toLowerCase(), m.get(c));
    }
    s.put("counters", counters);
    if (runtime.mpc() != null) {
      var mpc = runtime.mpc();
      Map<String, Object> planner = new LinkedHashMap<>();
      planner.put("replan_every", cfg.plannerOrStandard().replanEvery());
      planner.put("plans_taken", mpc.plansTaken());
      planner.put("late_plans", mpc.latePlans());
      s.put("planner", planner);
    }
    s.put("forward_speed_mps", loop.state().forwardSpeed);
    s.put("yaw_rate_radps", loop.state().yawRate);
    s.put("resident_memory_mb", residentMegabytes());
    return s;
  }

  /** p50, p90, p99, p99.9 and max of a histogram of nanoseconds, in microseconds. */
  public static Map<String, Double> percentiles(Histogram h) {
    Map<String, Double> p = new LinkedHashMap<>();
    p.put("count", (double) h.getTotalCount());
    p.put("p50", h.getValueAtPercentile(50) / 1000.0);
    p.put("p99", h.getValueAtPercentile(99) / 1000.0);
    p.put("max", h.getMaxValue() / 1000.0);
    return p;
  }

  /** VmRSS from /proc (Linux), MB; NaN elsewhere. */
  static double residentMegabytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (Exception e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  private static void print(PrintWriter out, Map<String, Object> s) {
    out.printf(
        Locale.ROOT,
        "%s run: %d steps at %.0f Hz = %.2f s robot time in %.2f s wall (%.1fx real time)%n",
        s.get("mode"),
        (Long) s.get("steps"),
        (Double) s.get("control_rate_hz"),
        (Double) s.get("robot_seconds"),
        (Double) s.get("wall_seconds"),
        (Double) s.get("speed_vs_real_time"));
    out.printf("  final state     %s (%s)%n", s.get("final_state"), s.get("last_reason"));
    out.printf(
        Locale.ROOT,
        "  velocity        v %.3f m/s, omega %.3f rad/s%n",
        (Double) s.get("forward_speed_mps"),
        (Double) s.get("yaw_rate_radps"));
    out.println("  period error    " + s.get("period_error_us") + " µs");
    out.println("  compute time    " + s.get("compute_time_us") + " µs");
    out.println("  counters        " + s.get("counters"));
    if (s.containsKey("hil")) {
      out.println("  hil link        " + s.get("hil"));
    }
    out.printf(
        Locale.ROOT,
        "  memory          %.0f MB resident; JVM start to first step %d ms%n",
        (Double) s.get("resident_memory_mb"),
        (Long) s.get("jvm_start_to_first_step_ms"));
  }
}
