package org.adaptrobot.runtime.telemetry;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Validates remote commands and carries out the quick ones. Every payload gets a reply saying
 * accepted or rejected and why; nothing a payload contains can throw out of this class. Payloads
 * are single strict JSON objects (no trailing data, no duplicate keys, integers in range, valid
 * UTF-8, at most {@link #MAX_PAYLOAD_BYTES}); unknown fields are rejected so that a typo is not
 * silently ignored.
 *
 * <p>Except for the e-stop: any message on {@code cmd/estop}, whatever its payload, latches the
 * e-stop ({@link #eStop}); a problem with the payload is noted in the reply, never a refusal.
 *
 * <table>
 *   <caption>Commands</caption>
 *   <tr><td>estop</td><td>{@code {"reason"?: text}} (any payload latches)</td></tr>
 *   <tr><td>reset_estop</td><td>{@code {}} (clears an e-stop latched before it)</td></tr>
 *   <tr><td>set_mode</td><td>{@code {"mode": "active" | "inactive"}}</td></tr>
 *   <tr><td>velocity</td><td>{@code {"v": m/s, "omega": rad/s}} (must keep arriving: time-out)</td></tr>
 *   <tr><td>waypoint</td><td>{@code {"x": m, "y": m}}</td></tr>
 *   <tr><td>adaptation</td><td>{@code {"action": "trigger" | "reset" | "enable" | "disable"}}</td></tr>
 *   <tr><td>load_bundle</td><td>{@code {"path": bundle inside the bundle directories}}</td></tr>
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

  /** One JSON value per payload, no trailing data, no duplicate keys. */
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

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
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      }
    }
  }

  private final CommandTarget robot;

  public CommandHandler(CommandTarget robot) {
    this.robot = robot;
  }

  /**
   * An e-stop: latches, whatever the payload. The reason is the payload's {@code reason} when it
   * has one that reads as text; anything else about the payload (not JSON, unknown fields, too
   * large, not UTF-8) is noted in the reply.
   */
  public Reply eStop(byte[] payload) {
    String reason = "remote e-stop";
    String problem = null;
    if (payload == null || payload.length == 0) {
      // an empty payload is a plain e-stop
    } else if (payload.length > MAX_PAYLOAD_BYTES) {
      problem =
          "payload of " + payload.length + " bytes not read (limit " + MAX_PAYLOAD_BYTES + ")";
    } else {
      try {
        JsonNode n = JSON.readTree(payload);
        if (n == null || !n.isObject()) {
          problem =
              "payload is not a JSON object ("
                  + (n == null ? "empty" : n.getNodeType().toString().toLowerCase())
                  + ")";
        } else {
          ObjectNode o = (ObjectNode) n;
          problem = fields(o, Set.of("reason", "schema"));
          JsonNode r = o.get("reason");
          if (r != null && r.isTextual()) {
            reason = r.asText();
          } else if (r != null && problem == null) {
            problem = "field 'reason' is not text";
          }
        }
      } catch (IOException | RuntimeException | StackOverflowError e) {
        problem = "payload is not valid JSON (" + clip(firstLine(e.getMessage())) + ")";
      }
    }
    String latched = "remote: " + clip(reason);
    robot.requestEStop(latched);
    return new Reply(
        "estop",
        true,
        "e-stop latched ("
            + latched
            + ")"
            + (problem == null ? "" : "; payload problem: " + problem),
        null);
  }

  /** Handles one command other than {@code estop} and {@code load_bundle}; never throws. */
  public Reply handle(String name, byte[] payload) {
    try {
      return dispatch(name, payload);
    } catch (RuntimeException | StackOverflowError e) {
      return new Reply(
          name, false, "rejected: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }
  }

  /** A parsed payload, or the reply that rejects it. */
  private record Parsed(ObjectNode object, Reply rejection) {}

  private static Parsed parse(String name, byte[] payload) {
    if (payload.length > MAX_PAYLOAD_BYTES) {
      return new Parsed(
          null,
          reject(name, "payload of " + payload.length + " bytes exceeds " + MAX_PAYLOAD_BYTES));
    }
    JsonNode n;
    try {
      n = payload.length == 0 ? JSON.createObjectNode() : JSON.readTree(payload);
    } catch (IOException | RuntimeException | StackOverflowError e) {
      return new Parsed(
          null, reject(name, "payload is not valid JSON: " + clip(firstLine(e.getMessage()))));
    }
    if (n == null || n.isMissingNode()) {
      n = JSON.createObjectNode();
    }
    if (!n.isObject()) {
      return new Parsed(
          null,
          reject(
              name,
              "payload must be a JSON object, found " + n.getNodeType().toString().toLowerCase()));
    }
    return new Parsed((ObjectNode) n, null);
  }

  private Reply dispatch(String name, byte[] payload) {
    if (!COMMANDS.contains(name)) {
      return new Reply(
          name, false, "unknown command '" + clip(name) + "'; known: " + COMMANDS, null);
    }
    if (name.equals("estop")) {
      return eStop(payload);
    }
    Parsed parsed = parse(name, payload);
    if (parsed.rejection() != null) {
      return parsed.rejection();
    }
    ObjectNode o = parsed.object();
    return switch (name) {
      case "reset_estop" -> {
        String bad = fields(o, Set.of("schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        robot.requestResetEStop();
        yield new Reply(
            name,
            true,
            "e-stop reset requested (clears an earlier e-stop); activate with set_mode",
            null);
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
            if (robot.eStopLatched()) {
              yield reject(name, "the e-stop is latched; send reset_estop first");
            }
            robot.requestActivate();
            yield new Reply(name, true, "activation requested", null);
          }
          case "inactive" -> {
            robot.requestDeactivate("remote: set_mode inactive");
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
        robot.targets().velocity(o.get("v").asDouble(), o.get("omega").asDouble());
        yield new Reply(
            name,
            true,
            "velocity target set (renew within " + robot.commandTimeoutSeconds() + " s)",
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
        robot.targets().waypoint(o.get("x").asDouble(), o.get("y").asDouble());
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
        if (!Set.of("trigger", "reset", "enable", "disable").contains(a.asText())) {
          yield reject(
              name,
              "field 'action' must be trigger, reset, enable or disable, found '"
                  + clip(a.asText())
                  + "'");
        }
        AdaptationControl control = robot.adaptationControl();
        if (control == null) {
          yield reject(name, "the running bundle does not adapt (adaptation mode none)");
        }
        String refused = control.refusal(a.asText());
        if (refused != null) {
          yield reject(name, refused);
        }
        switch (a.asText()) {
          case "trigger" -> control.trigger();
          case "reset" -> control.reset();
          case "enable" -> control.enabled(true);
          default -> control.enabled(false);
        }
        yield new Reply(name, true, "adaptation " + a.asText() + " requested", null);
      }
      case "load_bundle" ->
          reject(name, "load_bundle goes to the bundle loader (internal error: handled here)");
      case "get_config" -> {
        String bad = fields(o, Set.of("schema"));
        if (bad != null) {
          yield reject(name, bad);
        }
        yield new Reply(name, true, "configuration", robot.configuration());
      }
      default -> reject(name, "unknown command");
    };
  }

  /**
   * Checks a {@code load_bundle} payload and its path: the bundle to load (a real path inside the
   * bundle directories: a directory or a regular file), or the reply refusing it. A path outside
   * the bundle directories gets the same reply whether or not it exists; no reply lists files.
   */
  public Object loadRequest(byte[] payload) {
    String name = "load_bundle";
    Parsed parsed = parse(name, payload);
    if (parsed.rejection() != null) {
      return parsed.rejection();
    }
    ObjectNode o = parsed.object();
    String bad = fields(o, Set.of("path", "schema"));
    if (bad != null) {
      return reject(name, bad);
    }
    JsonNode p = o.get("path");
    if (p == null || !p.isTextual() || p.asText().isBlank()) {
      return reject(
          name,
          "field 'path' (a bundle directory or .zip inside the bundle directories "
              + robot.bundleDirectories()
              + ") is required");
    }
    return bundlePath(p.asText(), robot.bundleDirectories());
  }

  /** The real path of a bundle inside {@code directories}, or the reply refusing it. */
  static Object bundlePath(String text, List<Path> directories) {
    String name = "load_bundle";
    String outside =
        "path '"
            + clip(text)
            + "' is not inside the bundle directories "
            + directories
            + " (the runtime configuration's bundles: setting); running bundle kept";
    if (directories.isEmpty()) {
      return reject(name, "no bundle directories are configured (bundles:); running bundle kept");
    }
    if (text.length() > 4096 || text.indexOf('\0') >= 0) {
      return reject(name, "field 'path' is not a usable path; running bundle kept");
    }
    Path abs;
    try {
      Path p = Path.of(text);
      abs = (p.isAbsolute() ? p : directories.get(0).resolve(p)).normalize();
    } catch (InvalidPathException e) {
      return reject(name, "field 'path' is not a usable path; running bundle kept");
    }
    if (!inside(abs, directories)) {
      return reject(name, outside);
    }
    Path real;
    try {
      real = abs.toRealPath();
    } catch (NoSuchFileException e) {
      return reject(name, "no such bundle: '" + clip(text) + "'; running bundle kept");
    } catch (IOException | SecurityException e) {
      return reject(name, "cannot read '" + clip(text) + "'; running bundle kept");
    }
    List<Path> realDirectories = new ArrayList<>();
    for (Path d : directories) {
      try {
        realDirectories.add(d.toRealPath());
      } catch (IOException | SecurityException e) {
        // a configured directory that does not exist holds no bundle
      }
    }
    if (!inside(real, realDirectories)) {
      return reject(name, outside); // a symbolic link out of the bundle directories
    }
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | SecurityException e) {
      return reject(name, "cannot read '" + clip(text) + "'; running bundle kept");
    }
    if (!a.isDirectory() && !a.isRegularFile()) {
      return reject(
          name,
          "'"
              + clip(text)
              + "' is not a bundle (not a directory or a .zip file but a device, FIFO or socket);"
              + " running bundle kept");
    }
    return real;
  }

  private static boolean inside(Path p, List<Path> directories) {
    for (Path d : directories) {
      if (p.startsWith(d) && !p.equals(d)) {
        return true;
      }
    }
    return false;
  }

  static Reply reject(String name, String reason) {
    return new Reply(name, false, reason, null);
  }

  /** Null when every field is known and the schema fits, else the message naming the problem. */
  private static String fields(ObjectNode o, Set<String> known) {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        return "unknown field '" + clip(f) + "'; expected " + new TreeSet<>(known);
      }
    }
    JsonNode schema = o.get("schema");
    if (schema != null && !(schema.isInt() && schema.intValue() == Topics.SCHEMA)) {
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
