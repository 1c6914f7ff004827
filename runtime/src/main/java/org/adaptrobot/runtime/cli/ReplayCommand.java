package org.adaptrobot.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.ControllerFactory;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.observation.ObservationPipeline;
import org.adaptrobot.runtime.observation.RobotState;
import org.adaptrobot.runtime.record.McapReader;
import org.adaptrobot.runtime.safety.SafetyLayer;
import org.adaptrobot.runtime.targets.Targets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code robot replay}: the recorded sensor readings of a flight recording through the same robot
 * state, observation pipeline, controller and safety layer the loop runs, step by step; the actions
 * compared with the recorded ones.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Feed the sensor readings of a recording (robot run --record) through the robot state,"
          + " observation pipeline, controller and safety layer, with adaptation off, and compare"
          + " every action with the recorded one.",
      "With the recorded bundle (the default) every action should be bit-identical; with"
          + " --bundle another one it reports where and how much the actions differ: a what-if"
          + " test on real data. Exit code 0 when identical (or, with --bundle, when replayed), 3"
          + " when the recorded bundle's actions differ."
    })
public final class ReplayCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FILE.mcap", description = "A flight recording.")
  Path file;

  @Option(
      names = "--bundle",
      paramLabel = "PATH",
      description = "Replay with this bundle instead of the recorded one.")
  Path bundle;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Runtime configuration (default: the one recorded in the file).")
  Path config;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the comparison as JSON.")
  Path json;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(file)) {
      err.println("error: " + file + ": no such file");
      return 1;
    }
    List<JsonNode> steps = new ArrayList<>();
    JsonNode[] session = {null};
    McapReader.Result read;
    try {
      read =
          McapReader.read(
              file,
              (topic, time, data) -> {
                try {
                  if (topic.equals("/robot/step")) {
                    steps.add(JSON.readTree(data));
                  } else if (topic.equals("/robot/session") && session[0] == null) {
                    session[0] = JSON.readTree(data);
                  }
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    if (read.truncated()) {
      err.println(file + ": the recording ends mid-record (a killed run); replaying what is there");
    }
    if (steps.isEmpty()) {
      err.println("error: " + file + ": no /robot/step messages (not a flight recording?)");
      return 1;
    }
    JsonNode s = session[0];
    Path cfgPath =
        config != null
            ? config
            : s != null && s.hasNonNull("config") ? Path.of(s.get("config").asText()) : null;
    if (cfgPath == null) {
      err.println(
          "error: " + file + " does not say which configuration it ran with; give --config FILE");
      return 1;
    }
    RuntimeConfig cfg;
    try {
      cfg = RuntimeConfig.load(cfgPath);
    } catch (ConfigException e) {
      err.printf("%s: %d problem(s):%n", cfgPath, e.problems().size());
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    }
    Path recordedBundle =
        s != null && s.hasNonNull("bundle") ? Path.of(s.get("bundle").asText()) : cfg.bundle();
    Path using = bundle != null ? bundle : recordedBundle;
    RuntimeConfig.Settings settings = cfg.runtime();
    if (s != null && s.hasNonNull("executor")) {
      settings =
          settings.withExecutor(
              RuntimeConfig.Executor.valueOf(s.get("executor").asText().toUpperCase(Locale.ROOT)));
    }
    cfg = cfg.with(using, settings);
    Bundle b;
    try {
      b = Bundle.load(using);
    } catch (BundleException e) {
      err.printf("%s: cannot load the bundle:%n", using);
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    }
    Manifest m = b.manifest();
    boolean whatIf = bundle != null && !samePath(bundle, recordedBundle);
    boolean adapted =
        s != null
            && s.path("adapt").asBoolean(false)
            && m.adaptation() != null
            && !m.adaptation().mode().id().equals("none");
    Map<String, Object> report;
    try (AgentSupervisor agents = new AgentSupervisor((role, t) -> {})) {
      ControllerFactory.Built built =
          ControllerFactory.build(
              b, ControllerFactory.Options.of(cfg, false, true), agents, e -> {});
      try {
        report = replay(steps, cfg, m, built.controller());
      } finally {
        built.close();
      }
    } catch (BundleException e) {
      err.printf("%s: cannot replay with this bundle:%n", using);
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    }
    report.put("file", file.toString());
    report.put("bundle", using.toString());
    report.put("recorded_bundle", recordedBundle.toString());
    print(out, report, whatIf || adapted);
    if (adapted && !whatIf) {
      out.printf(
          "  note: the run adapted on the robot (mode %s); the replay keeps the meta-trained"
              + " parameters, so actions differ from the first update on. Record with --no-adapt"
              + " for an exact replay.%n",
          m.adaptation().mode().id());
    }
    if (json != null) {
      BundleCommand.writeJson(json, report);
    }
    long differing = (Long) report.get("steps_differing");
    return !whatIf && !adapted && differing > 0 ? 3 : 0;
  }

  private static boolean samePath(Path a, Path b) {
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  private static double num(JsonNode n) {
    return n == null || n.isNull() ? Double.NaN : n.asDouble();
  }

  /** The replay proper: the loop's step, with recorded readings instead of the drivers. */
  static Map<String, Object> replay(
      List<JsonNode> steps, RuntimeConfig cfg, Manifest m, PolicyController controller) {
    RobotState state = new RobotState(cfg.hardware());
    ObservationPipeline pipeline = ObservationPipeline.forPolicy(m);
    SafetyLayer safety = new SafetyLayer(m.actuators(), new LoopMetrics());
    List<String> actions = m.actuators().names();
    int n = actions.size();
    double[] obs = new double[pipeline.size()];
    double[] raw = new double[n];
    double[] applied = new double[n];
    RobotIo.SensorReadings r = new RobotIo.SensorReadings();
    long identical = 0;
    long differing = 0;
    long compared = 0;
    long firstDiffStep = -1;
    double maxDiff = 0;
    long maxDiffStep = -1;
    double[] sumAbs = new double[n];
    double[] maxAbs = new double[n];
    List<Map<String, Object>> worst = new ArrayList<>();
    long started = System.nanoTime();
    for (JsonNode st : steps) {
      long now = st.get("t_ns").asLong();
      JsonNode sensors = st.get("sensors");
      if (st.get("read_ok").asBoolean()) {
        JsonNode imu = sensors.get("imu");
        r.imu.accelerationMps2[0] = num(imu.get("ax"));
        r.imu.accelerationMps2[1] = num(imu.get("ay"));
        r.imu.accelerationMps2[2] = num(imu.get("az"));
        r.imu.angularRateRadps[0] = num(imu.get("gx"));
        r.imu.angularRateRadps[1] = num(imu.get("gy"));
        r.imu.angularRateRadps[2] = num(imu.get("gz"));
        r.imu.temperatureCelsius = num(imu.get("temp"));
        r.imu.timestampNanos = imu.get("t_ns").asLong();
        JsonNode bat = sensors.get("battery");
        r.battery.busVolts = num(bat.get("volts"));
        r.battery.currentAmps = num(bat.get("amps"));
        r.battery.timestampNanos = bat.get("t_ns").asLong();
        for (String side : List.of("left", "right")) {
          JsonNode e = sensors.get(side);
          var reading = side.equals("left") ? r.left : r.right;
          reading.count = e.get("count").asLong();
          reading.positionRad = num(e.get("position"));
          reading.velocityRadps = num(e.get("velocity"));
          reading.timestampNanos = e.get("t_ns").asLong();
        }
        state.update(r, false, false, now);
      }
      if (st.get("computed").asBoolean()) {
        JsonNode t = st.get("target");
        JsonNode w = st.get("waypoint");
        double wx = num(w == null ? null : w.get("x"));
        Targets.Waypoint waypoint =
            Double.isNaN(wx) ? null : new Targets.Waypoint(wx, num(w.get("y")), now);
        pipeline.build(
            state,
            new Targets.Velocity(num(t.get("v")), num(t.get("omega")), now),
            waypoint,
            applied,
            obs);
        try {
          controller.compute(obs, raw);
          safety.filter(raw, applied);
        } catch (RuntimeException e) {
          safety.safe(applied);
        }
      } else {
        safety.safe(applied);
      }
      JsonNode rec = st.get("action");
      boolean same = true;
      double stepMax = 0;
      for (int i = 0; i < n; i++) {
        double recorded = num(rec.get(actions.get(i)));
        if (Double.doubleToLongBits(recorded) != Double.doubleToLongBits(applied[i])) {
          same = false;
        }
        double d = Math.abs(recorded - applied[i]);
        if (Double.isFinite(d)) {
          sumAbs[i] += d;
          maxAbs[i] = Math.max(maxAbs[i], d);
          stepMax = Math.max(stepMax, d);
        }
      }
      compared++;
      if (same) {
        identical++;
      } else {
        differing++;
        if (firstDiffStep < 0) {
          firstDiffStep = st.get("step").asLong();
        }
      }
      if (stepMax > maxDiff) {
        maxDiff = stepMax;
        maxDiffStep = st.get("step").asLong();
      }
      if (stepMax > 0) {
        Map<String, Object> wd = new LinkedHashMap<>();
        wd.put("step", st.get("step").asLong());
        wd.put("t", st.get("t").asDouble());
        wd.put("max_abs_difference", stepMax);
        worst.add(wd);
        worst.sort(
            (a, c) ->
                Double.compare(
                    (Double) c.get("max_abs_difference"), (Double) a.get("max_abs_difference")));
        if (worst.size() > 5) {
          worst.remove(5);
        }
      }
    }
    double seconds = (System.nanoTime() - started) * 1e-9;
    Map<String, Object> rep = new LinkedHashMap<>();
    rep.put("steps", compared);
    rep.put("steps_identical", identical);
    rep.put("steps_differing", differing);
    rep.put("first_differing_step", firstDiffStep);
    rep.put("max_abs_difference", maxDiff);
    rep.put("max_abs_difference_step", maxDiffStep);
    Map<String, Object> per = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("mean_abs_difference", compared == 0 ? 0 : sumAbs[i] / compared);
      a.put("max_abs_difference", maxAbs[i]);
      per.put(actions.get(i), a);
    }
    rep.put("per_action", per);
    rep.put("largest_differences", worst);
    rep.put("replay_seconds", seconds);
    rep.put("steps_per_second", compared / Math.max(seconds, 1e-9));
    return rep;
  }

  private static void print(PrintWriter out, Map<String, Object> r, boolean whatIf) {
    long steps = (Long) r.get("steps");
    long diff = (Long) r.get("steps_differing");
    out.printf(
        Locale.ROOT,
        "replayed %d steps of %s with %s in %.2f s (%.0f steps/s)%n",
        steps,
        r.get("file"),
        r.get("bundle"),
        (Double) r.get("replay_seconds"),
        (Double) r.get("steps_per_second"));
    if (diff == 0) {
      out.printf("  every action bit-identical to the recording (%d of %d steps)%n", steps, steps);
      return;
    }
    out.printf(
        Locale.ROOT,
        "  %d of %d steps differ%s; first at step %d; largest |difference| %.6g at step %d%n",
        diff,
        steps,
        whatIf ? " (another bundle, or adaptation on the robot: expected)" : " FROM THE RECORDING",
        (Long) r.get("first_differing_step"),
        (Double) r.get("max_abs_difference"),
        (Long) r.get("max_abs_difference_step"));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> per = (Map<String, Map<String, Object>>) r.get("per_action");
    per.forEach(
        (name, a) ->
            out.printf(
                Locale.ROOT,
                "  %-8s mean |difference| %.6g, max %.6g%n",
                name,
                (Double) a.get("mean_abs_difference"),
                (Double) a.get("max_abs_difference")));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> worst = (List<Map<String, Object>>) r.get("largest_differences");
    for (Map<String, Object> w : worst) {
      out.printf(
          Locale.ROOT,
          "  step %d (t = %.2f s): |difference| %.6g%n",
          (Long) w.get("step"),
          (Double) w.get("t"),
          (Double) w.get("max_abs_difference"));
    }
  }
}
