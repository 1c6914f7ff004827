package org.adaptrobot.runtime.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.policy.JavaPolicyController;
import org.adaptrobot.runtime.policy.OnnxPolicyController;
import org.adaptrobot.runtime.policy.OnnxRuntimeCheck;
import org.adaptrobot.runtime.policy.PolicyController;

/**
 * Validates and carries out remote commands. Every payload gets a reply saying accepted or rejected
 * and why; nothing a payload contains can throw out of {@link #handle}. Payloads are JSON objects;
 * unknown fields are rejected so that a typo is not silently ignored.
 *
 * <table>
 *   <caption>Commands</caption>
 *   <tr><td>estop</td><td>{@code {"reason"?: text}}</td></tr>
 *   <tr><td>reset_estop</td><td>{@code {}}</td></tr>
 *   <tr><td>set_mode</td><td>{@code {"mode": "active" | "inactive"}}</td></tr>
 *   <tr><td>velocity</td><td>{@code {"v": m/s, "omega": rad/s}} (must keep arriving: time-out)</td></tr>
 *   <tr><td>waypoint</td><td>{@code {"x": m, "y": m}}</td></tr>
 *   <tr><td>adaptation</td><td>{@code {"action": "trigger" | "reset" | "enable" | "disable"}}</td></tr>
 *   <tr><td>load_bundle</td><td>{@code {"path": bundle on the robot}} (validated, then swapped at a step boundary)</td></tr>
 *   <tr><td>get_config</td><td>{@code {}}</td></tr>
 * </table>
 */
public final class CommandHandler {

  public static final int MAX_PAYLOAD_BYTES = 64 * 1024;
  public static final double MAX_SPEED = 2.0;
  public static final double MAX_YAW_RATE = 10.0;
  static final List<String> COMMANDS =
      List.of(
          "estop",
          "reset_estop",
          "set_mode",
          "velocity",
          "waypoint",
          "adaptation",
          "load_bundle",
          "get_config");

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A reply.
   *
   * @param command the command's name
   * @param accepted whether it was carried out
   * @param reason why not, or what was done
   * @param result extra data (get_config), or null
   */
  public record Reply(String command, boolean accepted, String reason, Map<String, Object> result) {
    public byte[] json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("schema", Topics.SCHEMA);
      m.put("command", command);
      m.put("accepted", accepted);
      m.put("reason", reason);
      if (result != null) {
        m.put("result", result);
      }
      try {
        return JSON.writeValueAsBytes(m);
      } catch (Exception e) {
        return ("{\"schema\":1,\"accepted\":false,\"reason\":\"reply could not be encoded\"}")
            .getBytes();
      }
    }
  }

  private final ControlLoop loop;
  private final RuntimeConfig config;
  private final Supplier<AdaptationControl> adaptation;

  public CommandHandler(
      ControlLoop loop, RuntimeConfig config, Supplier<AdaptationControl> adaptation) {
    this.loop = loop;
    this.config = config;
    this.adaptation = adaptation;
  }

  /** Handles one command; never throws. */
  public Reply handle(String name, byte[] payload) {
    try {
      return dispatch(name, payload);
    } catch (RuntimeException | StackOverflowError e) {
      return new Reply(
          name, false, "rejected: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }
  }

  private Reply dispatch(String name, byte[] payload) {
    if (!COMMANDS.contains(name)) {
      return new Reply(
          name, false, "unknown command '" + clip(name) + "'; known: " + COMMANDS, null);
    }
    if (payload.length > MAX_PAYLOAD_BYTES) {
      return new Reply(
          name,
          false,
          "payload of " + payload.length + " bytes exceeds " + MAX_PAYLOAD_BYTES,
          null);
    }
    JsonNode n;
    try {
      n = payload.length == 0 ? JSON.createObjectNode() : JSON.readTree(payload);
    } catch (Exception e) {
      return new Reply(
          name, false, "payload is not valid JSON: " + clip(firstLine(e.getMessage())), null);
    }
    if (n == null || n.isMissingNode()) {
      n = JSON.createObjectNode();
    }
    if (!n.isObject()) {
      return new Reply(
          name,
          false,
          "payload must be a JSON object, found " + n.getNodeType().toString().toLowerCase(),
          null);
    }
    ObjectNode o = (ObjectNode) n;
    return switch (name) {
      case "estop" -> {
        String bad = fields(o, Set.of("reason", "schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        String reason =
            o.has("reason") && o.get("reason").isTextual()
                ? o.get("reason").asText()
                : "remote e-stop";
        if (o.has("reason") && !o.get("reason").isTextual()) {
          yield reject(name, "field 'reason' must be text");
        }
        loop.requestEStop("remote: " + clip(reason));
        yield new Reply(name, true, "e-stop latched", null);
      }
      case "reset_estop" -> {
        String bad = fields(o, Set.of("schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        loop.requestResetEStop();
        yield new Reply(name, true, "e-stop reset requested; activate with set_mode", null);
      }
      case "set_mode" -> {
        String bad = fields(o, Set.of("mode", "schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        JsonNode m = o.get("mode");
        if (m == null || !m.isTextual()) {
          yield reject(name, "field 'mode' (active or inactive) is required");
        }
        switch (m.asText()) {
          case "active" -> {
            if (loop.lifecycle().eStopLatched()) {
              yield reject(name, "the e-stop is latched; send reset_estop first");
            }
            loop.requestActivate();
            yield new Reply(name, true, "activation requested", null);
          }
          case "inactive" -> {
            loop.requestDeactivate("remote: set_mode inactive");
            yield new Reply(name, true, "deactivation requested", null);
          }
          default -> {
            yield reject(
                name, "field 'mode' must be active or inactive, found '" + clip(m.asText()) + "'");
          }
        }
      }
      case "velocity" -> {
        String bad = fields(o, Set.of("v", "omega", "schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        String v = number(o, "v", MAX_SPEED);
        String w = number(o, "omega", MAX_YAW_RATE);
        if (v != null || w != null) {
          yield reject(name, v != null ? v : w);
        }
        loop.targets().velocity(o.get("v").asDouble(), o.get("omega").asDouble());
        yield new Reply(
            name,
            true,
            "velocity target set (renew within " + config.runtime().commandTimeoutSeconds() + " s)",
            null);
      }
      case "waypoint" -> {
        String bad = fields(o, Set.of("x", "y", "schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        String x = number(o, "x", 1000);
        String y = number(o, "y", 1000);
        if (x != null || y != null) {
          yield reject(name, x != null ? x : y);
        }
        loop.targets().waypoint(o.get("x").asDouble(), o.get("y").asDouble());
        yield new Reply(name, true, "waypoint set", null);
      }
      case "adaptation" -> {
        String bad = fields(o, Set.of("action", "schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        JsonNode a = o.get("action");
        if (a == null || !a.isTextual()) {
          yield reject(name, "field 'action' (trigger, reset, enable or disable) is required");
        }
        AdaptationControl control = adaptation.get();
        if (!Set.of("trigger", "reset", "enable", "disable").contains(a.asText())) {
          yield reject(
              name,
              "field 'action' must be trigger, reset, enable or disable, found '"
                  + clip(a.asText())
                  + "'");
        }
        if (control == null) {
          yield reject(name, "the running bundle does not adapt (adaptation mode none)");
        }
        switch (a.asText()) {
          case "trigger" -> control.trigger();
          case "reset" -> control.reset();
          case "enable" -> control.enabled(true);
          default -> control.enabled(false);
        }
        yield new Reply(name, true, "adaptation " + a.asText() + " requested", null);
      }
      case "load_bundle" -> {
        String bad = fields(o, Set.of("path", "schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        JsonNode p = o.get("path");
        if (p == null || !p.isTextual() || p.asText().isBlank()) {
          yield reject(
              name, "field 'path' (the bundle's directory or .zip on the robot) is required");
        }
        yield loadBundle(Path.of(p.asText()));
      }
      case "get_config" -> {
        String bad = fields(o, Set.of("schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("robot", config.hardware().name());
        r.put("bundle", config.bundle().toString());
        r.put("control_rate_hz", config.runtime().controlRateHz());
        r.put("executor", config.runtime().executor().name().toLowerCase());
        r.put("command_timeout_s", config.runtime().commandTimeoutSeconds());
        r.put("telemetry_rate_hz", config.telemetry().rateHz());
        r.put("state", loop.lifecycle().state().name());
        r.put("e_stop", loop.lifecycle().eStopLatched());
        yield new Reply(name, true, "configuration", r);
      }
      default -> reject(name, "unknown command");
    };
  }

  private Reply loadBundle(Path path) {
    Bundle b;
    try {
      b = Bundle.load(path);
    } catch (BundleException e) {
      return reject(
          "load_bundle", "invalid bundle, running one kept: " + String.join("; ", e.problems()));
    }
    List<String> problems = OnnxRuntimeCheck.check(b);
    if (!problems.isEmpty()) {
      return reject(
          "load_bundle", "invalid bundle, running one kept: " + String.join("; ", problems));
    }
    if (adaptation.get() != null
        || org.adaptrobot.runtime.RobotRuntime.plansWithDynamics(b.manifest())
        || org.adaptrobot.runtime.adaptation.PolicyAdaptation.applies(b.manifest())) {
      // the adaptation engine is built with the bundle it adapts: swapping under it would leave
      // it adapting a network the loop no longer runs
      return reject(
          "load_bundle",
          "a bundle that adapts on the robot (running or new) cannot be swapped at run time;"
              + " restart the runtime with the new bundle; running one kept");
    }
    if (Math.abs(b.manifest().controlRateHz() - config.runtime().controlRateHz()) > 1e-9) {
      return reject(
          "load_bundle",
          "bundle is made for "
              + b.manifest().controlRateHz()
              + " Hz, the loop runs at "
              + config.runtime().controlRateHz()
              + " Hz; running one kept");
    }
    PolicyController c;
    try {
      c =
          config.runtime().executor() == RuntimeConfig.Executor.JAVA
              ? new JavaPolicyController(b.graph("policy"))
              : new OnnxPolicyController(b.graph("policy"));
    } catch (RuntimeException e) {
      return reject(
          "load_bundle", "cannot run the bundle (" + e.getMessage() + "); running one kept");
    }
    try {
      loop.requestPolicySwap(c, b.manifest());
    } catch (IllegalArgumentException e) {
      c.close();
      return reject(
          "load_bundle",
          "bundle does not fit this robot (" + e.getMessage() + "); running one kept");
    }
    return new Reply(
        "load_bundle",
        true,
        "bundle '" + b.manifest().name() + "' validated; switching at the next step",
        null);
  }

  private static Reply reject(String name, String reason) {
    return new Reply(name, false, reason, null);
  }

  /** Null when every field is known, else the message naming the first unknown one. */
  private static String fields(ObjectNode o, Set<String> known) {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        return "unknown field '" + clip(f) + "'; expected " + new java.util.TreeSet<>(known);
      }
    }
    JsonNode schema = o.get("schema");
    if (schema != null && !(schema.isIntegralNumber() && schema.asInt() == Topics.SCHEMA)) {
      return "schema "
          + clip(schema.toString())
          + " is not supported; this robot speaks schema "
          + Topics.SCHEMA;
    }
    return null;
  }

  /** Null when {@code field} is a finite number within ±limit, else the message. */
  private static String number(ObjectNode o, String field, double limit) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return "field '" + field + "' is required";
    }
    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
      return "field '" + field + "' must be a finite number, found " + clip(v.toString());
    }
    if (Math.abs(v.asDouble()) > limit) {
      return "field '" + field + "' must be within ±" + limit + ", found " + v.asDouble();
    }
    return null;
  }

  static String clip(String s) {
    if (s == null) {
      return "";
    }
    String t = s.replaceAll("\\p{Cntrl}", "?");
    return t.length() > 80 ? t.substring(0, 77) + "..." : t;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
