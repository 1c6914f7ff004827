package org.adaptrobot.runtime.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.BundleWriter;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.bundle.Sha256;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.ParameterVector;
import org.adaptrobot.models.onnx.ForeignGraph;
import org.adaptrobot.models.onnx.OnnxFormatException;
import org.adaptrobot.models.onnx.OnnxGraphInfo;
import org.adaptrobot.models.onnx.OnnxImport;
import org.adaptrobot.runtime.config.LineYaml;
import org.adaptrobot.runtime.config.LineYaml.Node;

/**
 * {@code robot bundle import}: turns an ONNX policy exported anywhere (PyTorch, Stable-Baselines3,
 * …) into a complete bundle, from a few lines of spec that say what the graph computes — which of
 * the runtime's observation signals feed its input in which order, how they are normalised, which
 * actuators its output drives within which bounds, at which rate.
 *
 * <p>Where the graph is a chain of dense layers the Java executor recognises ({@link
 * ForeignGraph}), the bundle holds those layers as an {@code mlp} graph — after checking over the
 * whole input box that they compute what the original graph computes in ONNX Runtime — and runs on
 * either executor. Any other graph ONNX Runtime can run is kept as it is ({@code onnx_graph}) and
 * runs on ONNX Runtime only, the manifest saying why. The bundle is written to a temporary folder
 * next to the target, fully validated, and only then moved into place: a failed import leaves
 * nothing behind, and an existing target is never overwritten.
 */
public final class PolicyImport {

  private PolicyImport() {}

  /** What one observation signal is: unit and the range the runtime can produce. */
  public record Signal(String unit, double low, double high, String meaning) {}

  /** The runtime's observation signals (for a two-wheel robot: actions left and right). */
  public static final Map<String, Signal> SIGNALS;

  static {
    Map<String, Signal> s = new LinkedHashMap<>();
    s.put("v", new Signal("m/s", -5, 5, "forward speed (odometry)"));
    s.put("omega", new Signal("rad/s", -20, 20, "yaw rate (gyro)"));
    s.put("v_target", new Signal("m/s", -5, 5, "commanded forward speed"));
    s.put("omega_target", new Signal("rad/s", -20, 20, "commanded yaw rate"));
    s.put("wheel_left", new Signal("rad/s", -200, 200, "left wheel speed (encoder)"));
    s.put("wheel_right", new Signal("rad/s", -200, 200, "right wheel speed (encoder)"));
    s.put("battery_volts", new Signal("V", 0, 20, "battery voltage"));
    s.put("battery_amps", new Signal("A", -10, 10, "battery current"));
    s.put("accel_x", new Signal("m/s^2", -40, 40, "forward acceleration (IMU)"));
    s.put("reward", new Signal("1", -1000, 1000, "the task's reward"));
    s.put("goal_x", new Signal("m", -100, 100, "waypoint ahead, robot frame"));
    s.put("goal_y", new Signal("m", -100, 100, "waypoint to the left, robot frame"));
    s.put("prev_left", new Signal("1", -1, 1, "previous left duty"));
    s.put("prev_right", new Signal("1", -1, 1, "previous right duty"));
    SIGNALS = java.util.Collections.unmodifiableMap(s);
  }

  /** The actuators of the reference robot: wheel duties in [-1, 1]. */
  public static final List<String> ACTUATORS = Manifest.WHEEL_DUTIES;

  /** What a body-velocity policy commands: forward speed and yaw rate. */
  public static final List<String> BODY_VELOCITY = Manifest.BODY_VELOCITY;

  /**
   * The signals the wheel-speed loop reads, added to the observation where the policy lacks them.
   */
  public static final List<String> LOOP_SIGNALS =
      List.of("wheel_left", "wheel_right", "prev_left", "prev_right");

  /** K_p of the PI wheel-speed loop tuned on the reference robot (duty per rad/s). */
  public static final double REFERENCE_KP = 0.08;

  /** K_i of the PI wheel-speed loop tuned on the reference robot (duty per rad/s/s). */
  public static final double REFERENCE_KI = 1.6;

  /** The duty rate limit used when tuning it (per step at 50 Hz). */
  public static final double REFERENCE_DUTY_CHANGE = 0.1;

  /**
   * The wheel-speed loop under a body-velocity policy.
   *
   * @param dutyMaxChangePerStep the safety layer's rate limit on each wheel duty
   */
  public record WheelLoop(
      double wheelRadius, double trackWidth, double kp, double ki, double dutyMaxChangePerStep) {}

  /**
   * An import spec.
   *
   * @param mean per observation, or null when the graph normalises its input itself
   * @param std per observation, or null likewise
   * @param graphInput the graph input that takes the observation, or null: the only one
   * @param graphOutput the graph output that gives the action, or null: the only one
   */
  public record Spec(
      String name,
      String description,
      double controlRateHz,
      List<String> observation,
      double[] low,
      double[] high,
      double[] mean,
      double[] std,
      List<String> actions,
      double[] actionLow,
      double[] actionHigh,
      double[] maxChangePerStep,
      String graphInput,
      String graphOutput,
      WheelLoop wheelLoop) {

    /** True when the policy commands (v, ω) and a wheel-speed loop makes the duties. */
    public boolean bodyVelocity() {
      return wheelLoop != null;
    }
  }

  /**
   * The result of an import.
   *
   * @param bundle the bundle written, validated
   * @param javaExecutor null when the Java executor runs it, else why not
   * @param graph what was read from the ONNX file
   */
  public record Result(Bundle bundle, String javaExecutor, ForeignGraph graph) {}

  // ------------------------------------------------------------------- spec

  /** Reads and checks a spec file; every problem names file, line and key. */
  public static Spec loadSpec(Path file) throws ConfigException {
    String f = file.getFileName().toString();
    Node root = LineYaml.load(file, "an import spec (observation:, action:, control_rate_hz:)");
    if (!(root.value() instanceof Map<?, ?> top)) {
      throw new ConfigException(List.of(f + ":" + root.line() + ": expected a mapping"));
    }
    List<String> problems = new ArrayList<>();
    String name = f.replaceFirst("\\.ya?ml$", "");
    String description = "";
    double rate = Double.NaN;
    List<String> obs = null;
    double[] mean = null;
    double[] std = null;
    boolean inGraph = false;
    Map<String, double[]> bounds = new LinkedHashMap<>();
    List<String> actions = null;
    double[] aLow = null;
    double[] aHigh = null;
    double[] maxChange = null;
    String gIn = null;
    String gOut = null;
    int normLine = root.line();
    Map<String, Double> loop = null;
    int loopLine = -1;
    for (Map.Entry<?, ?> e : top.entrySet()) {
      String key = (String) e.getKey();
      Node n = (Node) e.getValue();
      String where = f + ":" + n.line() + ": " + key;
      switch (key) {
        case "name" -> name = text(n, where, problems);
        case "description" -> description = text(n, where, problems);
        case "control_rate_hz" -> {
          if (!(n.value() instanceof Double d) || !(d > 0 && d <= 10_000)) {
            problems.add(where + ": expected a rate in (0, 10000] Hz, found " + n.value());
          } else {
            rate = d;
          }
        }
        case "observation" -> {
          obs = strings(n, where, problems);
          if (obs != null) {
            List<?> items = (List<?>) n.value();
            for (int i = 0; i < obs.size(); i++) {
              String s = obs.get(i);
              if (!SIGNALS.containsKey(base(s)) || !validLag(s)) {
                problems.add(
                    f
                        + ":"
                        + ((Node) items.get(i)).line()
                        + ": observation["
                        + i
                        + "]: unknown signal '"
                        + s
                        + "'; the runtime provides "
                        + SIGNALS.keySet()
                        + ", each also as NAME@t-K (K = 1..1000 steps ago)");
              }
            }
            if (obs.isEmpty()) {
              problems.add(where + ": expected at least one signal");
            }
          }
        }
        case "normalisation", "normalization" -> {
          normLine = n.line();
          if ("in_graph".equals(n.value())) {
            inGraph = true;
          } else if (n.value() instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> me : m.entrySet()) {
              Node v = (Node) me.getValue();
              String w = f + ":" + v.line() + ": " + key + "." + me.getKey();
              switch ((String) me.getKey()) {
                case "mean" -> mean = numbers(v, w, problems);
                case "std" -> {
                  std = numbers(v, w, problems);
                  if (std != null) {
                    for (double x : std) {
                      if (!(x > 0)) {
                        problems.add(w + ": expected positive numbers, found " + x);
                        break;
                      }
                    }
                  }
                }
                default -> problems.add(w + ": unknown key; expected mean or std");
              }
            }
            if (mean == null || std == null) {
              problems.add(where + ": needs both mean and std (or say in_graph)");
            }
          } else {
            problems.add(
                where
                    + ": expected in_graph (the graph normalises its input itself) or {mean: [...],"
                    + " std: [...]}, found "
                    + n.value());
          }
        }
        case "bounds" -> {
          if (!(n.value() instanceof Map<?, ?> m)) {
            problems.add(where + ": expected {signal: [low, high], ...}");
            continue;
          }
          for (Map.Entry<?, ?> me : m.entrySet()) {
            Node v = (Node) me.getValue();
            String w = f + ":" + v.line() + ": bounds." + me.getKey();
            double[] b = numbers(v, w, problems);
            if (b != null && (b.length != 2 || !(b[0] < b[1]))) {
              problems.add(w + ": expected [low, high] with low < high");
            } else if (b != null) {
              bounds.put((String) me.getKey(), b);
            }
          }
        }
        case "action" -> {
          if (!(n.value() instanceof Map<?, ?> m)) {
            problems.add(where + ": expected a mapping with names, low, high, max_change_per_step");
            continue;
          }
          for (Map.Entry<?, ?> me : m.entrySet()) {
            Node v = (Node) me.getValue();
            String w = f + ":" + v.line() + ": action." + me.getKey();
            switch ((String) me.getKey()) {
              case "names" -> {
                actions = strings(v, w, problems);
                if (actions != null
                    && !actions.equals(ACTUATORS)
                    && !actions.equals(BODY_VELOCITY)) {
                  problems.add(
                      w
                          + ": expected "
                          + ACTUATORS
                          + " (the graph's outputs are the left and right wheel duties, in this"
                          + " order) or "
                          + BODY_VELOCITY
                          + " (forward speed in m/s and yaw rate in rad/s, with a"
                          + " wheel_speed_loop), found "
                          + actions);
                }
              }
              case "low" -> aLow = numbers(v, w, problems);
              case "high" -> aHigh = numbers(v, w, problems);
              case "max_change_per_step" -> maxChange = numbers(v, w, problems);
              default ->
                  problems.add(
                      w + ": unknown key; expected names, low, high or max_change_per_step");
            }
          }
        }
        case "wheel_speed_loop" -> {
          loopLine = n.line();
          if (!(n.value() instanceof Map<?, ?> m)) {
            problems.add(
                where
                    + ": expected a mapping with wheel_radius, track_width and optionally kp, ki,"
                    + " duty_max_change_per_step");
            continue;
          }
          loop = new LinkedHashMap<>();
          for (Map.Entry<?, ?> me : m.entrySet()) {
            Node v = (Node) me.getValue();
            String k = (String) me.getKey();
            String w = f + ":" + v.line() + ": wheel_speed_loop." + k;
            if (!List.of("wheel_radius", "track_width", "kp", "ki", "duty_max_change_per_step")
                .contains(k)) {
              problems.add(
                  w
                      + ": unknown key; expected wheel_radius, track_width, kp, ki or"
                      + " duty_max_change_per_step");
            } else if (!(v.value() instanceof Double d) || !Double.isFinite(d)) {
              problems.add(w + ": expected a number, found " + v.value());
            } else if (k.equals("kp") || k.equals("ki") ? d < 0 : !(d > 0)) {
              problems.add(
                  w
                      + ": expected "
                      + (k.startsWith("k") ? "a gain ≥ 0" : "a positive number")
                      + ", found "
                      + d);
            } else if ((k.equals("wheel_radius") || k.equals("track_width")) && !(d < 10)) {
              problems.add(w + ": expected metres below 10, found " + d);
            } else {
              loop.put(k, d);
            }
          }
        }
        case "graph" -> {
          if (!(n.value() instanceof Map<?, ?> m)) {
            problems.add(where + ": expected {input: NAME, output: NAME}");
            continue;
          }
          for (Map.Entry<?, ?> me : m.entrySet()) {
            Node v = (Node) me.getValue();
            String w = f + ":" + v.line() + ": graph." + me.getKey();
            switch ((String) me.getKey()) {
              case "input" -> gIn = text(v, w, problems);
              case "output" -> gOut = text(v, w, problems);
              default -> problems.add(w + ": unknown key; expected input or output");
            }
          }
        }
        default ->
            problems.add(
                where
                    + ": unknown key; expected name, description, control_rate_hz, observation,"
                    + " normalisation, bounds, action, wheel_speed_loop or graph");
      }
    }
    String head = f + ":" + root.line() + ": ";
    if (obs == null && problems.stream().noneMatch(p -> p.contains(": observation"))) {
      problems.add(head + "observation: is required (the signals that feed the graph, in order)");
    }
    if (Double.isNaN(rate) && problems.stream().noneMatch(p -> p.contains(": control_rate_hz"))) {
      problems.add(head + "control_rate_hz: is required (the rate the policy was trained at)");
    }
    if (!inGraph && mean == null && problems.stream().noneMatch(p -> p.contains("normalis"))) {
      problems.add(
          head
              + "normalisation: is required: in_graph, or the {mean, std} the runtime applies"
              + " before the graph");
    }
    if (actions == null && problems.stream().noneMatch(p -> p.contains(": action"))) {
      problems.add(head + "action: is required (names, low, high, max_change_per_step)");
    }
    int k = obs == null ? -1 : obs.size();
    if (k > 0 && mean != null && mean.length != k) {
      problems.add(
          f
              + ":"
              + normLine
              + ": normalisation.mean: has "
              + mean.length
              + " values for "
              + k
              + " observations");
    }
    if (k > 0 && std != null && std.length != k) {
      problems.add(
          f
              + ":"
              + normLine
              + ": normalisation.std: has "
              + std.length
              + " values for "
              + k
              + " observations");
    }
    if (actions != null) {
      for (var arr :
          new Object[][] {{"low", aLow}, {"high", aHigh}, {"max_change_per_step", maxChange}}) {
        double[] v = (double[]) arr[1];
        if (v == null) {
          problems.add(head + "action." + arr[0] + ": is required (one value per action)");
        } else if (v.length != actions.size()) {
          problems.add(
              head
                  + "action."
                  + arr[0]
                  + ": has "
                  + v.length
                  + " values for "
                  + actions.size()
                  + " actions");
        }
      }
      if (maxChange != null) {
        for (double x : maxChange) {
          if (!(x > 0)) {
            problems.add(
                head + "action.max_change_per_step: expected positive numbers, found " + x);
            break;
          }
        }
      }
    }
    boolean body = BODY_VELOCITY.equals(actions);
    if (body && loopLine < 0) {
      problems.add(
          head
              + "wheel_speed_loop: is required when action.names is "
              + BODY_VELOCITY
              + " ({wheel_radius: m, track_width: m}, optionally kp, ki,"
              + " duty_max_change_per_step): it turns the body velocity into wheel duties");
    } else if (!body && loopLine >= 0 && actions != null) {
      problems.add(
          f
              + ":"
              + loopLine
              + ": wheel_speed_loop: applies only to a policy whose action.names is "
              + BODY_VELOCITY);
    } else if (body && loop != null) {
      for (String key : List.of("wheel_radius", "track_width")) {
        if (!loop.containsKey(key) && problems.stream().noneMatch(p -> p.contains("." + key))) {
          problems.add(f + ":" + loopLine + ": wheel_speed_loop." + key + ": is required (metres)");
        }
      }
    }
    if (obs != null) {
      for (String b : bounds.keySet()) {
        if (!obs.contains(b)) {
          problems.add(head + "bounds." + b + ": not one of the observation signals " + obs);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    double[] low = new double[k];
    double[] high = new double[k];
    for (int i = 0; i < k; i++) {
      double[] b = bounds.get(obs.get(i));
      Signal s = SIGNALS.get(base(obs.get(i)));
      low[i] = b != null ? b[0] : s.low();
      high[i] = b != null ? b[1] : s.high();
    }
    if (inGraph) {
      mean = new double[k];
      std = new double[k];
      java.util.Arrays.fill(std, 1.0);
    }
    return new Spec(
        name,
        description,
        rate,
        obs,
        low,
        high,
        mean,
        std,
        actions,
        aLow,
        aHigh,
        maxChange,
        gIn,
        gOut,
        body
            ? new WheelLoop(
                loop.get("wheel_radius"),
                loop.get("track_width"),
                loop.getOrDefault("kp", REFERENCE_KP),
                loop.getOrDefault("ki", REFERENCE_KI),
                loop.getOrDefault("duty_max_change_per_step", REFERENCE_DUTY_CHANGE))
            : null);
  }

  /**
   * The spec as the bundle sees it: under a wheel-speed loop, the observation gains the signals the
   * loop reads that the policy does not (bounds from the runtime, no normalisation).
   */
  static Spec withLoopSignals(Spec s) {
    if (!s.bodyVelocity()) {
      return s;
    }
    List<String> obs = new ArrayList<>(s.observation());
    List<String> extra = new ArrayList<>();
    for (String x : LOOP_SIGNALS) {
      if (!obs.contains(x)) {
        extra.add(x);
      }
    }
    int k = obs.size();
    int n = k + extra.size();
    double[] low = java.util.Arrays.copyOf(s.low(), n);
    double[] high = java.util.Arrays.copyOf(s.high(), n);
    double[] mean = java.util.Arrays.copyOf(s.mean(), n);
    double[] std = java.util.Arrays.copyOf(s.std(), n);
    for (int i = 0; i < extra.size(); i++) {
      Signal sig = SIGNALS.get(extra.get(i));
      low[k + i] = sig.low();
      high[k + i] = sig.high();
      std[k + i] = 1;
    }
    obs.addAll(extra);
    return new Spec(
        s.name(),
        s.description(),
        s.controlRateHz(),
        obs,
        low,
        high,
        mean,
        std,
        s.actions(),
        s.actionLow(),
        s.actionHigh(),
        s.maxChangePerStep(),
        s.graphInput(),
        s.graphOutput(),
        s.wheelLoop());
  }

  /** The signal of an observation name: {@code v@t-3} → {@code v}. */
  static String base(String name) {
    int at = name.indexOf("@t-");
    return at < 0 ? name : name.substring(0, at);
  }

  private static boolean validLag(String name) {
    int at = name.indexOf("@t-");
    if (at < 0) {
      return true;
    }
    try {
      int k = Integer.parseInt(name.substring(at + 3));
      return k >= 1 && k <= 1000;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String text(Node n, String where, List<String> problems) {
    if (n.value() instanceof String s) {
      return s;
    }
    problems.add(where + ": expected text, found " + n.value());
    return null;
  }

  private static List<String> strings(Node n, String where, List<String> problems) {
    if (!(n.value() instanceof List<?> l)) {
      problems.add(where + ": expected a list of names, found " + n.value());
      return null;
    }
    List<String> out = new ArrayList<>();
    for (Object o : l) {
      Object v = ((Node) o).value();
      if (!(v instanceof String s)) {
        problems.add(where + ": expected names, found " + v);
        return null;
      }
      out.add(s);
    }
    return out;
  }

  private static double[] numbers(Node n, String where, List<String> problems) {
    if (!(n.value() instanceof List<?> l)) {
      problems.add(where + ": expected a list of numbers, found " + n.value());
      return null;
    }
    double[] out = new double[l.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = ((Node) l.get(i)).value();
      if (!(v instanceof Double d) || !Double.isFinite(d)) {
        problems.add(where + "[" + i + "]: expected a number, found " + v);
        return null;
      }
      out[i] = d;
    }
    return out;
  }

  // ------------------------------------------------------------------- import

  /**
   * Imports {@code onnx} as described by {@code spec} into a new bundle at {@code target}.
   *
   * @throws BundleException every problem with the graph or the bundle, nothing written
   * @throws IOException when files cannot be read or written
   */
  public static Result importPolicy(Path onnx, Spec spec, Path target)
      throws BundleException, IOException {
    if (Files.exists(target)
        && (!Files.isDirectory(target) || Files.list(target).findAny().isPresent())) {
      throw new BundleException(
          target + ": exists and is not empty; import writes a new bundle (choose another --out)");
    }
    byte[] bytes = Files.readAllBytes(onnx);
    String file = onnx.getFileName().toString();
    ForeignGraph g;
    try {
      g =
          ForeignGraph.read(
              bytes,
              file,
              spec.graphInput(),
              spec.graphOutput(),
              spec.observation().size(),
              spec.actions().size());
    } catch (OnnxFormatException e) {
      throw new BundleException(e.problems());
    }
    Spec policySpec = spec;
    spec = withLoopSignals(spec);
    g =
        g.withExtraInputs(
            policySpec.observation().size(),
            spec.observation().size() - policySpec.observation().size());
    Manifest template = manifest(spec, g, file, Sha256.hex(bytes), null);
    String javaExecutor = g.javaExecutor();
    if (g.architecture() != null) {
      // the recognised layers must compute what the graph computes, everywhere in the box
      var model = OnnxImport.parseUnchecked(g.model());
      Bundle.Graph probe =
          new Bundle.Graph(
              new Manifest.GraphSpec(file, g.architecture()),
              model,
              OnnxGraphInfo.of(model),
              new ParameterVector(g.architecture().layout(), g.parameters()));
      List<String> differs = OnnxRuntimeCheck.check(Manifest.POLICY, probe, template);
      if (!differs.isEmpty()) {
        javaExecutor =
            "the dense layers read from the graph do not compute what it computes ("
                + differs.get(0)
                + ")";
      }
    }
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path staging = Files.createTempDirectory(parent, "." + target.getFileName() + ".import-");
    try {
      Bundle written;
      if (javaExecutor == null) {
        written =
            BundleExport.write(
                staging,
                manifest(spec, g, file, Sha256.hex(bytes), null),
                Map.of(
                    Manifest.POLICY,
                    new BundleExport.GraphExport(g.architecture(), g.parameters(), Set.of())));
      } else {
        var arch =
            new NetworkArchitecture.OnnxGraphArchitecture(
                spec.observation().size(), spec.actions().size(), javaExecutor);
        Manifest m = manifest(spec, g, file, Sha256.hex(bytes), arch);
        BundleWriter.write(staging, m, Map.of(Manifest.POLICY + ".onnx", g.model()));
        written = Bundle.load(staging);
      }
      List<String> problems = OnnxRuntimeCheck.check(written);
      if (!problems.isEmpty()) {
        throw new BundleException(problems);
      }
      if (Files.exists(target)) {
        Files.delete(target); // the empty directory checked above
      }
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      return new Result(Bundle.load(target), javaExecutor, g);
    } finally {
      if (Files.exists(staging)) {
        try (var walk = Files.walk(staging)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  private static Manifest manifest(
      Spec spec,
      ForeignGraph g,
      String file,
      String sha256,
      NetworkArchitecture.OnnxGraphArchitecture opaque) {
    List<String> units = spec.observation().stream().map(s -> SIGNALS.get(base(s)).unit()).toList();
    List<String> actionUnits =
        spec.bodyVelocity()
            ? List.of("m/s", "rad/s")
            : spec.actions().stream().map(a -> "1").toList();
    Map<String, Object> hyper = new TreeMap<>();
    hyper.put("source_file", file);
    hyper.put("source_sha256", sha256);
    hyper.put("graph_input", g.originalInput());
    hyper.put("graph_output", g.originalOutput());
    hyper.put("fixed_batch", g.fixedBatch());
    hyper.put("operators", String.join(" ", g.operators()));
    hyper.put(
        "executors",
        opaque == null ? "java, onnxruntime" : "onnxruntime only: " + opaque.javaExecutor());
    Map<String, Manifest.GraphSpec> graphs =
        opaque == null
            ? Map.of()
            : Map.of(Manifest.POLICY, new Manifest.GraphSpec("policy.onnx", opaque));
    return new Manifest(
        Manifest.FORMAT_VERSION,
        spec.name(),
        spec.description().isEmpty()
            ? "imported from " + file + " (sha256 " + sha256 + ")"
            : spec.description() + " (imported from " + file + ", sha256 " + sha256 + ")",
        new Manifest.ObservationSpec(
            spec.observation(), units, spec.low(), spec.high(), spec.mean(), spec.std()),
        new Manifest.ActionSpec(
            spec.actions(),
            actionUnits,
            spec.actionLow(),
            spec.actionHigh(),
            spec.maxChangePerStep()),
        spec.controlRateHz(),
        graphs,
        Manifest.AdaptationSpec.none(),
        new Manifest.Provenance(
            "imported",
            hyper,
            0,
            TrackingControllerBundle.codeVersion(),
            Map.of(),
            java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()),
        Map.of(),
        spec.bodyVelocity()
            ? new Manifest.WheelSpeedLoop(
                spec.wheelLoop().wheelRadius(),
                spec.wheelLoop().trackWidth(),
                spec.wheelLoop().kp(),
                spec.wheelLoop().ki(),
                new Manifest.ActionSpec(
                    ACTUATORS,
                    List.of("1", "1"),
                    new double[] {-1, -1},
                    new double[] {1, 1},
                    new double[] {
                      spec.wheelLoop().dutyMaxChangePerStep(),
                      spec.wheelLoop().dutyMaxChangePerStep()
                    }))
            : null);
  }
}
