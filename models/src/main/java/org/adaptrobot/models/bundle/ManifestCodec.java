package org.adaptrobot.models.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.adaptrobot.models.bundle.Manifest.ActionSpec;
import org.adaptrobot.models.bundle.Manifest.AdaptationSpec;
import org.adaptrobot.models.bundle.Manifest.GraphSpec;
import org.adaptrobot.models.bundle.Manifest.ObservationSpec;
import org.adaptrobot.models.bundle.Manifest.Provenance;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.ContextMlpArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.OnnxGraphArchitecture;

/**
 * Reads and writes {@code manifest.json}. Reading checks every field against the schema and the
 * manifest's own consistency (array lengths, bounds, references between sections) and reports every
 * problem at once, each as {@code manifest.json: <field path>: <expected>, found <found>}. Fields
 * this version does not know are ignored, so a newer minor version still reads.
 */
public final class ManifestCodec {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Set<String> LOSSES = Set.of("mse", "gaussian_nll", "policy_gradient");

  private ManifestCodec() {}

  // ================================================================= reading

  /** Parses and checks a manifest; throws listing every problem. */
  public static Manifest parse(byte[] json) throws BundleException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new BundleException(
          Manifest.FILE_NAME
              + ": not valid JSON at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + " ("
              + e.getOriginalMessage()
              + ")");
    } catch (IOException e) {
      throw new BundleException(Manifest.FILE_NAME + ": cannot be read (" + e.getMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new BundleException(
          Manifest.FILE_NAME
              + ": expected a JSON object, found "
              + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
    }
    Reader r = new Reader();
    String version = r.text(root, "format_version");
    if (version != null) {
      var m = VERSION.matcher(version);
      if (!m.matches()) {
        r.problem(
            "format_version", "expected MAJOR.MINOR such as \"1.0\", found \"" + version + "\"");
      } else if (Integer.parseInt(m.group(1)) != Manifest.FORMAT_MAJOR) {
        // Another major version may mean anything: stop before misreading it.
        throw new BundleException(
            Manifest.FILE_NAME
                + ": format_version: this runtime reads major version "
                + Manifest.FORMAT_MAJOR
                + " (\"1.x\"), found \""
                + version
                + "\"; use a runtime that supports it or re-export the bundle");
      }
    }
    String name = r.text(root, "name");
    String description = r.optionalText(root, "description", "description");
    ObservationSpec observation = r.observation(root.get("observation_spec"), "observation_spec");
    ActionSpec action = r.action(root.get("action_spec"), "action_spec");
    double rate = r.number(root, "control_rate_hz", "control_rate_hz");
    if (!Double.isNaN(rate) && !(rate > 0 && rate <= 10_000)) {
      r.problem("control_rate_hz", "expected a rate in (0, 10000] Hz, found " + rate);
    }
    Map<String, GraphSpec> graphs = r.graphs(root.get("graphs"));
    AdaptationSpec adaptation = r.adaptation(root.get("adaptation"), graphs);
    if (root.get("graphs") != null && root.get("graphs").isObject()) {
      // a bundle that plans with its dynamics model needs no policy graph
      boolean modelBased = adaptation != null && adaptation.plansWithDynamics();
      String required = modelBased ? Manifest.DYNAMICS : Manifest.POLICY;
      if (!graphs.containsKey(required) && !root.get("graphs").has(required)) {
        r.problem(
            "graphs",
            "expected a \""
                + required
                + "\" graph"
                + (modelBased ? " (adaptation mode " + adaptation.mode().id() + ")" : "")
                + ", found only "
                + Reader.iterable(root.get("graphs").fieldNames()));
      }
    }
    Provenance provenance = r.provenance(root.get("provenance"));
    Map<String, String> files = r.files(root.get("files"), graphs);
    Manifest.WheelSpeedLoop loop = null;
    JsonNode loopNode = root.get("wheel_speed_loop");
    if (loopNode != null && !loopNode.isNull()) {
      loop = r.wheelSpeedLoop(loopNode, "wheel_speed_loop");
    }
    if (action != null) {
      r.actionMeaning(action, loopNode != null && !loopNode.isNull(), observation);
    }
    if (loop != null && adaptation != null && adaptation.plansWithDynamics()) {
      r.problem(
          "wheel_speed_loop",
          "applies to a policy graph; adaptation mode "
              + adaptation.mode().id()
              + " plans wheel duties with its dynamics model");
    }
    if (observation != null && action != null && graphs.containsKey(Manifest.POLICY)) {
      r.policyShape(
          graphs.get(Manifest.POLICY).architecture(), observation, action, r.declaredLatentSize);
    }
    if (observation != null && adaptation != null && adaptation.latent() != null) {
      r.encoderShape(adaptation, graphs, observation);
    }
    if (observation != null && action != null && graphs.containsKey(Manifest.DYNAMICS)) {
      r.dynamicsShape(graphs.get(Manifest.DYNAMICS).architecture(), observation, action);
    }
    RewardSpec reward = null;
    JsonNode rewardNode = root.get("reward_spec");
    if (rewardNode != null && !rewardNode.isNull()) {
      reward = r.reward(rewardNode, action);
    }
    if (!r.problems.isEmpty()) {
      throw new BundleException(r.problems);
    }
    return new Manifest(
        version,
        name,
        description,
        observation,
        action,
        rate,
        graphs,
        adaptation,
        provenance,
        files,
        loop,
        reward);
  }

  /** The signals a reward term may read: what the runtime observes, in physical units. */
  public static final List<String> REWARD_SIGNALS =
      List.of(
          "v",
          "omega",
          "v_target",
          "omega_target",
          "wheel_left",
          "wheel_right",
          "battery_volts",
          "battery_amps",
          "accel_x",
          "goal_x",
          "goal_y");

  /** Collects problems while reading; every accessor returns a neutral value on a problem. */
  private static final class Reader {
    final List<String> problems = new ArrayList<>();

    void problem(String path, String message) {
      problems.add(Manifest.FILE_NAME + ": " + path + ": " + message);
    }

    RewardSpec reward(JsonNode n, ActionSpec action) {
      if (!n.isObject()) {
        problem("reward_spec", "expected an object with terms, found " + found(n));
        return null;
      }
      int before = problems.size();
      List<RewardSpec.Term> terms = new ArrayList<>();
      JsonNode t = required(n, "terms", "reward_spec.terms");
      if (t != null && !t.isArray()) {
        problem("reward_spec.terms", "expected a list, found " + found(t));
      } else if (t != null) {
        for (int i = 0; i < t.size(); i++) {
          String path = "reward_spec.terms[" + i + "]";
          JsonNode term = t.get(i);
          if (!term.isObject()) {
            problem(path, "expected {signal, target, weight}, found " + found(term));
            continue;
          }
          var it = term.fieldNames();
          while (it.hasNext()) {
            String f = it.next();
            if (!List.of("signal", "target", "weight").contains(f)) {
              problem(path + "." + f, "unknown field; expected signal, target, weight");
            }
          }
          String signal = text(term, "signal", path + ".signal");
          String target = null;
          if (term.has("target") && !term.get("target").isNull()) {
            target = text(term, "target", path + ".target");
          }
          double w = number(term, "weight", path + ".weight");
          for (String sname : java.util.Arrays.asList(signal, target)) {
            if (sname != null && !REWARD_SIGNALS.contains(sname)) {
              problem(
                  path,
                  "signal \""
                      + sname
                      + "\" is not one the runtime observes; expected one of "
                      + REWARD_SIGNALS);
            }
          }
          if (!Double.isNaN(w) && !(w >= 0 && w <= 1e6)) {
            problem(path + ".weight", "expected a weight in [0, 1e6], found " + w);
          }
          terms.add(new RewardSpec.Term(signal, target, w));
        }
      }
      double a = optionalWeight(n, "action_penalty");
      double c = optionalWeight(n, "action_change_penalty");
      var it = n.fieldNames();
      while (it.hasNext()) {
        String f = it.next();
        if (!List.of("terms", "action_penalty", "action_change_penalty").contains(f)) {
          problem(
              "reward_spec." + f,
              "unknown field; expected terms, action_penalty, action_change_penalty");
        }
      }
      return problems.size() == before ? new RewardSpec(terms, a, c) : null;
    }

    private double optionalWeight(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        return 0;
      }
      if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() <= 1e6)) {
        problem("reward_spec." + field, "expected a weight in [0, 1e6], found " + found(v));
        return 0;
      }
      return v.asDouble();
    }

    private static String found(JsonNode n) {
      if (n == null || n.isMissingNode()) {
        return "nothing";
      }
      String text = n.toString();
      String shown = text.length() > 60 ? text.substring(0, 57) + "..." : text;
      return n.getNodeType().toString().toLowerCase() + " " + shown;
    }

    JsonNode required(JsonNode parent, String field, String path) {
      JsonNode n = parent == null ? null : parent.get(field);
      if (n == null || n.isNull()) {
        problem(path, "is required but missing");
        return null;
      }
      return n;
    }

    String text(JsonNode parent, String field) {
      return text(parent, field, field);
    }

    String text(JsonNode parent, String field, String path) {
      JsonNode n = required(parent, field, path);
      if (n == null) {
        return null;
      }
      if (!n.isTextual() || n.asText().isBlank()) {
        problem(path, "expected a non-empty string, found " + found(n));
        return null;
      }
      return n.asText();
    }

    /** An optional string field; absent or null reads as "". */
    String optionalText(JsonNode parent, String field, String path) {
      JsonNode n = parent.get(field);
      if (n == null || n.isNull()) {
        return "";
      }
      if (!n.isTextual()) {
        problem(path, "expected a string, found " + found(n));
        return "";
      }
      return n.asText();
    }

    double number(JsonNode parent, String field, String path) {
      JsonNode n = required(parent, field, path);
      if (n == null) {
        return Double.NaN;
      }
      if (!n.isNumber()) {
        problem(path, "expected a number, found " + found(n));
        return Double.NaN;
      }
      return n.asDouble();
    }

    int integer(JsonNode parent, String field, String path, int min) {
      JsonNode n = required(parent, field, path);
      if (n == null) {
        return -1;
      }
      if (!n.isIntegralNumber() || n.asLong() < min || n.asLong() > Integer.MAX_VALUE) {
        problem(path, "expected an integer >= " + min + ", found " + found(n));
        return -1;
      }
      return n.asInt();
    }

    List<String> strings(JsonNode parent, String field, String path, boolean unique) {
      JsonNode n = required(parent, field, path);
      List<String> out = new ArrayList<>();
      if (n == null) {
        return null;
      }
      if (!n.isArray()) {
        problem(path, "expected an array of strings, found " + found(n));
        return null;
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < n.size(); i++) {
        JsonNode e = n.get(i);
        if (!e.isTextual() || e.asText().isBlank()) {
          problem(path + "[" + i + "]", "expected a non-empty string, found " + found(e));
          return null;
        }
        if (unique && !seen.add(e.asText())) {
          problem(path + "[" + i + "]", "duplicate name \"" + e.asText() + "\"");
        }
        out.add(e.asText());
      }
      return out;
    }

    /** An array of finite numbers; {@code length} < 0 means any length. */
    double[] numbers(JsonNode parent, String field, String path, int length, String lengthOf) {
      JsonNode n = required(parent, field, path);
      if (n == null) {
        return null;
      }
      if (!n.isArray()) {
        problem(path, "expected an array of numbers, found " + found(n));
        return null;
      }
      if (length >= 0 && n.size() != length) {
        problem(
            path, "expected " + length + " entries (one per " + lengthOf + "), found " + n.size());
        return null;
      }
      double[] out = new double[n.size()];
      for (int i = 0; i < n.size(); i++) {
        JsonNode e = n.get(i);
        if (!e.isNumber() || !Double.isFinite(e.asDouble())) {
          problem(path + "[" + i + "]", "expected a finite number, found " + found(e));
          return null;
        }
        out[i] = e.asDouble();
      }
      return out;
    }

    private boolean object(JsonNode n, String path) {
      if (n == null || n.isNull()) {
        problem(path, "is required but missing");
        return false;
      }
      if (!n.isObject()) {
        problem(path, "expected an object, found " + found(n));
        return false;
      }
      return true;
    }

    void bounds(double[] low, double[] high, String path) {
      if (low == null || high == null) {
        return;
      }
      for (int i = 0; i < low.length; i++) {
        if (!(low[i] < high[i])) {
          problem(
              path + ".low[" + i + "]",
              "expected below " + path + ".high[" + i + "] = " + high[i] + ", found " + low[i]);
        }
      }
    }

    void positive(double[] values, String path) {
      if (values == null) {
        return;
      }
      for (int i = 0; i < values.length; i++) {
        if (!(values[i] > 0)) {
          problem(path + "[" + i + "]", "expected a positive number, found " + values[i]);
        }
      }
    }

    ObservationSpec observation(JsonNode n, String path) {
      if (!object(n, path)) {
        return null;
      }
      int before = problems.size();
      List<String> names = strings(n, "names", path + ".names", true);
      if (names != null && names.isEmpty()) {
        problem(path + ".names", "expected at least one observation, found none");
        return null;
      }
      int len = names == null ? -1 : names.size();
      List<String> units = strings(n, "units", path + ".units", false);
      if (units != null && len >= 0 && units.size() != len) {
        problem(
            path + ".units", "expected " + len + " entries (one per name), found " + units.size());
      }
      double[] low = numbers(n, "low", path + ".low", len, "name");
      double[] high = numbers(n, "high", path + ".high", len, "name");
      double[] mean = numbers(n, "mean", path + ".mean", len, "name");
      double[] std = numbers(n, "std", path + ".std", len, "name");
      bounds(low, high, path);
      positive(std, path + ".std");
      return problems.size() == before
          ? new ObservationSpec(names, units, low, high, mean, std)
          : null;
    }

    ActionSpec action(JsonNode n, String path) {
      if (!object(n, path)) {
        return null;
      }
      int before = problems.size();
      List<String> names = strings(n, "names", path + ".names", true);
      if (names != null && names.isEmpty()) {
        problem(path + ".names", "expected at least one action, found none");
        return null;
      }
      int len = names == null ? -1 : names.size();
      List<String> units = strings(n, "units", path + ".units", false);
      if (units != null && len >= 0 && units.size() != len) {
        problem(
            path + ".units", "expected " + len + " entries (one per name), found " + units.size());
      }
      double[] low = numbers(n, "low", path + ".low", len, "name");
      double[] high = numbers(n, "high", path + ".high", len, "name");
      double[] maxChange =
          numbers(n, "max_change_per_step", path + ".max_change_per_step", len, "name");
      bounds(low, high, path);
      positive(maxChange, path + ".max_change_per_step");
      return problems.size() == before ? new ActionSpec(names, units, low, high, maxChange) : null;
    }

    Manifest.WheelSpeedLoop wheelSpeedLoop(JsonNode n, String path) {
      if (!object(n, path)) {
        return null;
      }
      int before = problems.size();
      double r = number(n, "wheel_radius", path + ".wheel_radius");
      double b = number(n, "track_width", path + ".track_width");
      double kp = number(n, "kp", path + ".kp");
      double ki = number(n, "ki", path + ".ki");
      for (String k : List.of("wheel_radius", "track_width")) {
        double v = k.equals("wheel_radius") ? r : b;
        if (!Double.isNaN(v) && !(v > 0 && v < 10)) {
          problem(path + "." + k, "expected metres in (0, 10), found " + v);
        }
      }
      for (String k : List.of("kp", "ki")) {
        double v = k.equals("kp") ? kp : ki;
        if (!Double.isNaN(v) && !(v >= 0 && Double.isFinite(v))) {
          problem(path + "." + k, "expected a gain ≥ 0, found " + v);
        }
      }
      ActionSpec duties = action(n.get("duties"), path + ".duties");
      if (duties != null && !duties.names().equals(Manifest.WHEEL_DUTIES)) {
        problem(
            path + ".duties.names",
            "expected " + Manifest.WHEEL_DUTIES + " (the wheel duties), found " + duties.names());
      }
      return problems.size() == before ? new Manifest.WheelSpeedLoop(r, b, kp, ki, duties) : null;
    }

    /** A body-velocity action needs the wheel-speed loop and its signals; nothing else does. */
    void actionMeaning(ActionSpec action, boolean hasLoop, ObservationSpec observation) {
      boolean body = action.names().equals(Manifest.BODY_VELOCITY);
      if (hasLoop && !body) {
        problem(
            "action_spec.names",
            "expected "
                + Manifest.BODY_VELOCITY
                + " with a wheel_speed_loop (the policy commands the body velocity), found "
                + action.names());
      } else if (body && !hasLoop) {
        problem(
            "wheel_speed_loop",
            "is required when action_spec.names is "
                + Manifest.BODY_VELOCITY
                + ": it says how the body velocity becomes wheel duties");
      } else if (hasLoop && observation != null) {
        List<String> missing = new ArrayList<>();
        for (String s : List.of("wheel_left", "wheel_right", "prev_left", "prev_right")) {
          if (!observation.names().contains(s)) {
            missing.add(s);
          }
        }
        if (!missing.isEmpty()) {
          problem(
              "observation_spec.names",
              "expected " + missing + " among them: the wheel-speed loop reads them");
        }
      }
    }

    Map<String, GraphSpec> graphs(JsonNode n) {
      Map<String, GraphSpec> out = new LinkedHashMap<>();
      if (!object(n, "graphs")) {
        return out;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String path = "graphs." + e.getKey();
        if (!object(e.getValue(), path)) {
          continue;
        }
        String file = text(e.getValue(), "file", path + ".file");
        if (file != null && !BundleFiles.isSafeRelativePath(file)) {
          problem(
              path + ".file", "expected a relative path inside the bundle, found \"" + file + "\"");
          file = null;
        } else if (file != null && !file.endsWith(".onnx")) {
          problem(path + ".file", "expected an .onnx file, found \"" + file + "\"");
          file = null;
        }
        NetworkArchitecture arch =
            architecture(e.getValue().get("architecture"), path + ".architecture");
        if (file != null && arch != null) {
          out.put(e.getKey(), new GraphSpec(file, arch));
        }
      }
      return out;
    }

    static String iterable(Iterator<String> names) {
      List<String> l = new ArrayList<>();
      names.forEachRemaining(l::add);
      return l.toString();
    }

    MlpArchitecture mlp(JsonNode n, String path) {
      JsonNode sizesNode = required(n, "layer_sizes", path + ".layer_sizes");
      List<String> acts = strings(n, "activations", path + ".activations", false);
      if (sizesNode == null || acts == null) {
        return null;
      }
      if (!sizesNode.isArray() || sizesNode.size() < 2) {
        problem(
            path + ".layer_sizes",
            "expected an array of at least 2 sizes, found " + found(sizesNode));
        return null;
      }
      int[] sizes = new int[sizesNode.size()];
      for (int i = 0; i < sizes.length; i++) {
        JsonNode s = sizesNode.get(i);
        if (!s.isIntegralNumber() || s.asInt() < 1 || s.asInt() > 1 << 16) {
          problem(
              path + ".layer_sizes[" + i + "]",
              "expected an integer in [1, 65536], found " + found(s));
          return null;
        }
        sizes[i] = s.asInt();
      }
      if (acts.size() != sizes.length - 1) {
        problem(
            path + ".activations",
            "expected " + (sizes.length - 1) + " entries (one per layer), found " + acts.size());
        return null;
      }
      List<Activation> activations = new ArrayList<>();
      for (int i = 0; i < acts.size(); i++) {
        try {
          activations.add(Activation.fromId(acts.get(i)));
        } catch (IllegalArgumentException ex) {
          problem(path + ".activations[" + i + "]", ex.getMessage());
          return null;
        }
      }
      return new MlpArchitecture(sizes, activations);
    }

    NetworkArchitecture architecture(JsonNode n, String path) {
      if (!object(n, path)) {
        return null;
      }
      String type = text(n, "type", path + ".type");
      if (type == null) {
        return null;
      }
      switch (type) {
        case "mlp":
          return mlp(n, path);
        case "gaussian_mlp":
          {
            MlpArchitecture m = mlp(n, path);
            return m == null ? null : new GaussianPolicyArchitecture(m);
          }
        case "context_mlp":
          {
            MlpArchitecture m = mlp(n, path);
            int c = integer(n, "context_size", path + ".context_size", 1);
            if (m == null || c < 1) {
              return null;
            }
            if (c >= m.inputSize()) {
              problem(
                  path + ".context_size",
                  "expected less than layer_sizes[0] = " + m.inputSize() + ", found " + c);
              return null;
            }
            return new ContextMlpArchitecture(m, c);
          }
        case "gru":
          {
            int in = integer(n, "input_size", path + ".input_size", 1);
            int hidden = integer(n, "hidden_size", path + ".hidden_size", 1);
            JsonNode headNode = n.get("head");
            if (!object(headNode, path + ".head")) {
              return null;
            }
            MlpArchitecture head = mlp(headNode, path + ".head");
            if (in < 1 || hidden < 1 || head == null) {
              return null;
            }
            if (head.inputSize() != hidden) {
              problem(
                  path + ".head.layer_sizes[0]",
                  "expected the hidden size " + hidden + ", found " + head.inputSize());
              return null;
            }
            List<String> extras =
                n.has("extra_inputs")
                    ? strings(n, "extra_inputs", path + ".extra_inputs", true)
                    : List.of();
            List<String> resets =
                n.has("reset_on")
                    ? strings(n, "reset_on", path + ".reset_on", true)
                    : GruArchitecture.RESET_EVENTS;
            if (extras == null || resets == null) {
              return null;
            }
            boolean ok = true;
            for (int i = 0; i < extras.size(); i++) {
              if (!GruArchitecture.EXTRA_INPUTS.contains(extras.get(i))) {
                problem(
                    path + ".extra_inputs[" + i + "]",
                    "expected one of "
                        + GruArchitecture.EXTRA_INPUTS
                        + ", found \""
                        + extras.get(i)
                        + "\"");
                ok = false;
              }
            }
            for (int i = 0; i < resets.size(); i++) {
              if (!GruArchitecture.RESET_EVENTS.contains(resets.get(i))) {
                problem(
                    path + ".reset_on[" + i + "]",
                    "expected one of "
                        + GruArchitecture.RESET_EVENTS
                        + ", found \""
                        + resets.get(i)
                        + "\"");
                ok = false;
              }
            }
            return ok ? new GruArchitecture(in, hidden, head, extras, resets) : null;
          }
        case "onnx_graph":
          {
            int in = integer(n, "input_size", path + ".input_size", 1);
            int out = integer(n, "output_size", path + ".output_size", 1);
            JsonNode why = n.get("java_executor");
            if (in < 1 || out < 1) {
              return null;
            }
            return new OnnxGraphArchitecture(in, out, why == null ? "" : why.asText());
          }
        default:
          problem(
              path + ".type",
              "expected one of mlp, gaussian_mlp, context_mlp, gru, onnx_graph, found \""
                  + type
                  + "\"");
          return null;
      }
    }

    AdaptationSpec adaptation(JsonNode n, Map<String, GraphSpec> graphs) {
      String path = "adaptation";
      if (!object(n, path)) {
        return null;
      }
      String modeText = text(n, "mode", path + ".mode");
      if (modeText == null) {
        return null;
      }
      AdaptationMode mode = AdaptationMode.fromId(modeText);
      if (mode == null) {
        problem(
            path + ".mode",
            "expected one of " + AdaptationMode.ids() + ", found \"" + modeText + "\"");
        return null;
      }
      if (mode == AdaptationMode.NONE) {
        return AdaptationSpec.none();
      }
      int before = problems.size();
      String graph = text(n, "graph", path + ".graph");
      GraphSpec spec = graph == null ? null : graphs.get(graph);
      if (graph != null
          && spec == null
          && problems.stream().noneMatch(p -> p.contains(": graphs."))) {
        problem(
            path + ".graph",
            "expected one of the graphs " + graphs.keySet() + ", found \"" + graph + "\"");
      }
      if (mode == AdaptationMode.RECURRENT
          && spec != null
          && !(spec.architecture() instanceof GruArchitecture)) {
        problem(
            path + ".graph",
            "mode recurrent needs a gru graph, found " + spec.architecture().type());
      }
      if (mode == AdaptationMode.CONTEXT_GRADIENT
          && spec != null
          && !(spec.architecture() instanceof ContextMlpArchitecture)) {
        problem(
            path + ".graph",
            "mode context-gradient needs a context_mlp graph, found " + spec.architecture().type());
      }
      if (spec != null && spec.architecture() instanceof OnnxGraphArchitecture o) {
        problem(
            path + ".mode",
            "mode "
                + mode.id()
                + " needs the Java network of graph \""
                + graph
                + "\" (its parameters and gradients), but it is an onnx_graph that runs on ONNX"
                + " Runtime only ("
                + o.javaExecutor()
                + "); use mode none");
      }
      if (mode == AdaptationMode.LATENT) {
        return latentAdaptation(n, path, graph, spec, before);
      }
      if (!mode.takesGradientSteps()) {
        return problems.size() == before
            ? new AdaptationSpec(mode, graph, List.of(), new double[0], 0, 0, 0, null)
            : null;
      }
      List<String> tensors = strings(n, "adaptable_tensors", path + ".adaptable_tensors", true);
      if (tensors != null && tensors.isEmpty()) {
        problem(
            path + ".adaptable_tensors",
            "expected at least one tensor for mode " + mode.id() + ", found none");
      }
      if (tensors != null && spec != null) {
        var layout = spec.architecture().layout();
        for (int i = 0; i < tensors.size(); i++) {
          if (!layout.contains(tensors.get(i))) {
            problem(
                path + ".adaptable_tensors[" + i + "]",
                "expected a tensor of graph \""
                    + graph
                    + "\" "
                    + layout.slices().stream().map(s -> s.name()).toList()
                    + ", found \""
                    + tensors.get(i)
                    + "\"");
          }
        }
        if (mode == AdaptationMode.CONTEXT_GRADIENT && !tensors.equals(List.of("context"))) {
          problem(
              path + ".adaptable_tensors",
              "mode context-gradient adapts only [\"context\"], found " + tensors);
        }
      }
      double[] rates = numbers(n, "inner_learning_rates", path + ".inner_learning_rates", -1, "");
      if (rates != null && tensors != null && rates.length != 1 && rates.length != tensors.size()) {
        problem(
            path + ".inner_learning_rates",
            "expected 1 entry or one per adaptable tensor ("
                + tensors.size()
                + "), found "
                + rates.length);
      }
      positive(rates, path + ".inner_learning_rates");
      int steps = integer(n, "inner_steps", path + ".inner_steps", 1);
      int support = integer(n, "support_window", path + ".support_window", 1);
      int query = integer(n, "query_window", path + ".query_window", 0);
      String loss = text(n, "loss", path + ".loss");
      if (loss != null && !LOSSES.contains(loss)) {
        problem(
            path + ".loss",
            "expected one of mse, gaussian_nll, policy_gradient, found \"" + loss + "\"");
      }
      return problems.size() == before
          ? new AdaptationSpec(mode, graph, tensors, rates, steps, support, query, loss)
          : null;
    }

    Provenance provenance(JsonNode n) {
      String path = "provenance";
      if (!object(n, path)) {
        return null;
      }
      int before = problems.size();
      String algorithm = text(n, "algorithm", path + ".algorithm");
      JsonNode seedNode = required(n, "seed", path + ".seed");
      long seed = 0;
      if (seedNode != null && !seedNode.isIntegralNumber()) {
        problem(path + ".seed", "expected an integer, found " + found(seedNode));
      } else if (seedNode != null) {
        seed = seedNode.asLong();
      }
      String code = text(n, "code_version", path + ".code_version");
      String created = optionalText(n, "created", path + ".created");
      Map<String, Object> hyper = new LinkedHashMap<>();
      JsonNode h = n.get("hyperparameters");
      if (object(h, path + ".hyperparameters")) {
        for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          JsonNode v = e.getValue();
          if (v.isIntegralNumber()) {
            hyper.put(e.getKey(), v.asLong());
          } else if (v.isNumber()) {
            hyper.put(e.getKey(), v.asDouble());
          } else if (v.isBoolean()) {
            hyper.put(e.getKey(), v.asBoolean());
          } else if (v.isTextual()) {
            hyper.put(e.getKey(), v.asText());
          } else {
            problem(
                path + ".hyperparameters." + e.getKey(),
                "expected a number, string or boolean, found " + found(v));
          }
        }
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      JsonNode m = n.get("metrics");
      if (m != null && object(m, path + ".metrics")) {
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!e.getValue().isNumber()) {
            problem(
                path + ".metrics." + e.getKey(), "expected a number, found " + found(e.getValue()));
          } else {
            metrics.put(e.getKey(), e.getValue().asDouble());
          }
        }
      }
      return problems.size() == before
          ? new Provenance(algorithm, hyper, seed, code, metrics, created)
          : null;
    }

    Map<String, String> files(JsonNode n, Map<String, GraphSpec> graphs) {
      Map<String, String> out = new LinkedHashMap<>();
      if (!object(n, "files")) {
        return out;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String path = "files." + e.getKey();
        if (!BundleFiles.isSafeRelativePath(e.getKey()) || e.getKey().equals(Manifest.FILE_NAME)) {
          problem(
              path,
              "expected a relative path of a file inside the bundle other than manifest.json");
          continue;
        }
        JsonNode v = e.getValue();
        if (!v.isTextual() || !SHA256.matcher(v.asText()).matches()) {
          problem(path, "expected a SHA-256 as 64 lower-case hex digits, found " + found(v));
          continue;
        }
        out.put(e.getKey(), v.asText());
      }
      for (Map.Entry<String, GraphSpec> g : graphs.entrySet()) {
        if (!out.containsKey(g.getValue().file()) && !n.has(g.getValue().file())) {
          problem(
              "files",
              "expected a hash for \""
                  + g.getValue().file()
                  + "\" (graphs."
                  + g.getKey()
                  + ".file), found none");
        }
      }
      return out;
    }

    /** Mode latent: the latent size declared (0 if none), for the policy's shape check. */
    int declaredLatentSize;

    /**
     * Mode latent: an {@code mlp} encoder graph and {@code adaptation.latent} with the window, the
     * re-encoding interval, the latent size (the encoder's output) and the reset events.
     */
    AdaptationSpec latentAdaptation(
        JsonNode n, String path, String graph, GraphSpec spec, int before) {
      if (spec != null && !(spec.architecture() instanceof MlpArchitecture)) {
        problem(
            path + ".graph",
            "mode latent needs an mlp encoder graph, found " + spec.architecture().type());
      }
      JsonNode l = n.get("latent");
      String lp = path + ".latent";
      if (!object(l, lp)) {
        return null;
      }
      int window = integer(l, "window", lp + ".window", 1);
      int every = integer(l, "update_every", lp + ".update_every", 1);
      int size = integer(l, "latent_size", lp + ".latent_size", 1);
      declaredLatentSize = Math.max(0, size);
      String encoding = Manifest.LatentSpec.WINDOW;
      if (l.has("encoding")) {
        encoding = l.get("encoding").asText();
        if (!l.get("encoding").isTextual()
            || !List.of(Manifest.LatentSpec.WINDOW, Manifest.LatentSpec.FACTORS)
                .contains(encoding)) {
          problem(lp + ".encoding", "expected window or factors, found " + l.get("encoding"));
        }
      }
      List<String> resets =
          l.has("reset_on")
              ? strings(l, "reset_on", lp + ".reset_on", true)
              : Manifest.LatentSpec.RESET_EVENTS;
      if (resets != null) {
        for (int i = 0; i < resets.size(); i++) {
          if (!Manifest.LatentSpec.RESET_EVENTS.contains(resets.get(i))) {
            problem(
                lp + ".reset_on[" + i + "]",
                "expected one of "
                    + Manifest.LatentSpec.RESET_EVENTS
                    + ", found \""
                    + resets.get(i)
                    + "\"");
          }
        }
      }
      boolean factors = Manifest.LatentSpec.FACTORS.equals(encoding);
      int output = factors ? 2 * size : size;
      if (spec != null
          && spec.architecture() instanceof MlpArchitecture m
          && size >= 1
          && m.outputSize() != output) {
        problem(
            "graphs." + graph + ".architecture",
            "expected output size "
                + output
                + (factors
                    ? " (2 × adaptation.latent.latent_size: a factor's means and variances)"
                    : " (adaptation.latent.latent_size)")
                + ", found "
                + m.outputSize());
      }
      if (problems.size() != before) {
        return null;
      }
      return new AdaptationSpec(
          AdaptationMode.LATENT,
          graph,
          List.of(),
          new double[0],
          0,
          0,
          0,
          null,
          new Manifest.LatentSpec(window, every, size, resets, encoding));
    }

    /** Mode latent: the encoder reads the window of observations. */
    void encoderShape(AdaptationSpec a, Map<String, GraphSpec> graphs, ObservationSpec obs) {
      GraphSpec g = graphs.get(a.graph());
      if (g == null) {
        return;
      }
      int expected = a.latent().encoderInput(obs.size());
      if (g.architecture().inputSize() != expected) {
        problem(
            "graphs." + a.graph() + ".architecture",
            "expected input size "
                + expected
                + (a.latent().factors()
                    ? " (encoding factors: a transition is 2 × "
                    : " (adaptation.latent.window " + a.latent().window() + " × ")
                + obs.size()
                + " observation_spec names), found "
                + g.architecture().inputSize());
      }
    }

    void policyShape(NetworkArchitecture a, ObservationSpec obs, ActionSpec act, int latent) {
      int extra = a instanceof GruArchitecture g ? g.extraWidth(act.size()) : latent;
      if (a.inputSize() != obs.size() + extra) {
        problem(
            "graphs.policy.architecture",
            "expected input size "
                + (obs.size() + extra)
                + " (observation_spec has "
                + obs.size()
                + " names"
                + (extra == 0
                    ? ""
                    : a instanceof GruArchitecture g
                        ? ", extra_inputs " + g.extraInputs() + " " + extra
                        : ", then the latent's " + extra)
                + "), found "
                + a.inputSize());
      }
      if (a.outputSize() != act.size()) {
        problem(
            "graphs.policy.architecture",
            "expected output size "
                + act.size()
                + " (action_spec has "
                + act.size()
                + " names), found "
                + a.outputSize());
      }
    }

    void dynamicsShape(NetworkArchitecture a, ObservationSpec obs, ActionSpec act) {
      int in = obs.size() + act.size();
      if (a.inputSize() != in) {
        problem(
            "graphs.dynamics.architecture",
            "expected input size " + in + " (observations + actions), found " + a.inputSize());
      }
      if (a.outputSize() != obs.size() && a.outputSize() != 2 * obs.size()) {
        problem(
            "graphs.dynamics.architecture",
            "expected output size "
                + obs.size()
                + " (state change) or "
                + (2 * obs.size())
                + " (mean and log-std), found "
                + a.outputSize());
      }
    }
  }

  // ================================================================= writing

  /** Serialises a manifest as indented JSON (UTF-8). */
  public static byte[] write(Manifest m) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format_version", m.formatVersion());
    root.put("name", m.name());
    root.put("description", m.description());
    ObjectNode obs = root.putObject("observation_spec");
    strings(obs.putArray("names"), m.observation().names());
    strings(obs.putArray("units"), m.observation().units());
    numbers(obs.putArray("low"), m.observation().low());
    numbers(obs.putArray("high"), m.observation().high());
    numbers(obs.putArray("mean"), m.observation().mean());
    numbers(obs.putArray("std"), m.observation().std());
    ObjectNode act = root.putObject("action_spec");
    strings(act.putArray("names"), m.action().names());
    strings(act.putArray("units"), m.action().units());
    numbers(act.putArray("low"), m.action().low());
    numbers(act.putArray("high"), m.action().high());
    numbers(act.putArray("max_change_per_step"), m.action().maxChangePerStep());
    root.put("control_rate_hz", m.controlRateHz());
    ObjectNode graphs = root.putObject("graphs");
    for (Map.Entry<String, GraphSpec> e : m.graphs().entrySet()) {
      ObjectNode g = graphs.putObject(e.getKey());
      g.put("file", e.getValue().file());
      architecture(g.putObject("architecture"), e.getValue().architecture());
    }
    ObjectNode ad = root.putObject("adaptation");
    AdaptationSpec a = m.adaptation();
    ad.put("mode", a.mode().id());
    if (a.mode() != AdaptationMode.NONE) {
      ad.put("graph", a.graph());
    }
    if (a.latent() != null) {
      ObjectNode l = ad.putObject("latent");
      l.put("window", a.latent().window());
      l.put("update_every", a.latent().updateEvery());
      l.put("latent_size", a.latent().size());
      strings(l.putArray("reset_on"), a.latent().resetOn());
      if (a.latent().factors()) {
        l.put("encoding", a.latent().encoding());
      }
    }
    if (a.mode().takesGradientSteps()) {
      strings(ad.putArray("adaptable_tensors"), a.adaptableTensors());
      numbers(ad.putArray("inner_learning_rates"), a.innerLearningRates());
      ad.put("inner_steps", a.innerSteps());
      ad.put("support_window", a.supportWindow());
      ad.put("query_window", a.queryWindow());
      ad.put("loss", a.loss());
    }
    ObjectNode p = root.putObject("provenance");
    Provenance pr = m.provenance();
    p.put("algorithm", pr.algorithm());
    ObjectNode hyper = p.putObject("hyperparameters");
    pr.hyperparameters().forEach((k, v) -> hyper.set(k, JSON.valueToTree(v)));
    p.put("seed", pr.seed());
    p.put("code_version", pr.codeVersion());
    ObjectNode metrics = p.putObject("metrics");
    pr.metrics().forEach(metrics::put);
    p.put("created", pr.created());
    ObjectNode files = root.putObject("files");
    m.files().forEach(files::put);
    if (m.wheelSpeedLoop() != null) {
      Manifest.WheelSpeedLoop w = m.wheelSpeedLoop();
      ObjectNode l = root.putObject("wheel_speed_loop");
      l.put("wheel_radius", w.wheelRadius());
      l.put("track_width", w.trackWidth());
      l.put("kp", w.kp());
      l.put("ki", w.ki());
      ObjectNode d = l.putObject("duties");
      strings(d.putArray("names"), w.duties().names());
      strings(d.putArray("units"), w.duties().units());
      numbers(d.putArray("low"), w.duties().low());
      numbers(d.putArray("high"), w.duties().high());
      numbers(d.putArray("max_change_per_step"), w.duties().maxChangePerStep());
    }
    if (m.reward() != null) {
      ObjectNode rw = root.putObject("reward_spec");
      var terms = rw.putArray("terms");
      for (RewardSpec.Term t : m.reward().terms()) {
        ObjectNode tn = terms.addObject();
        tn.put("signal", t.signal());
        if (t.target() != null) {
          tn.put("target", t.target());
        }
        tn.put("weight", t.weight());
      }
      rw.put("action_penalty", m.reward().actionPenalty());
      rw.put("action_change_penalty", m.reward().actionChangePenalty());
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest could not be serialised", e);
    }
  }

  private static void architecture(ObjectNode n, NetworkArchitecture a) {
    n.put("type", a.type());
    switch (a) {
      case MlpArchitecture m -> mlp(n, m);
      case GaussianPolicyArchitecture g -> mlp(n, g.mean());
      case ContextMlpArchitecture c -> {
        mlp(n, c.network());
        n.put("context_size", c.contextSize());
      }
      case GruArchitecture g -> {
        n.put("input_size", g.inputSize());
        n.put("hidden_size", g.hiddenSize());
        mlp(n.putObject("head"), g.head());
        if (!g.extraInputs().isEmpty()) {
          g.extraInputs().forEach(n.putArray("extra_inputs")::add);
        }
        if (!g.resetOn().equals(GruArchitecture.RESET_EVENTS)) {
          g.resetOn().forEach(n.putArray("reset_on")::add);
        }
      }
      case OnnxGraphArchitecture o -> {
        n.put("input_size", o.inputSize());
        n.put("output_size", o.outputSize());
        n.put("java_executor", o.javaExecutor());
      }
    }
  }

  private static void mlp(ObjectNode n, MlpArchitecture m) {
    ArrayNode sizes = n.putArray("layer_sizes");
    for (int s : m.layerSizes()) {
      sizes.add(s);
    }
    ArrayNode acts = n.putArray("activations");
    m.activations().forEach(x -> acts.add(x.id()));
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private static void numbers(ArrayNode array, double[] values) {
    for (double v : values) {
      array.add(v);
    }
  }
}
