package org.adaptrobot.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.runtime.adaptation.ChangeDetector;
import org.adaptrobot.runtime.clock.OverrunPolicy;
import org.adaptrobot.runtime.control.MpcController;

/**
 * Everything {@code robot run} needs, from one YAML file: the hardware description (inline, or the
 * path of its own file), the runtime settings, the policy bundle and the telemetry settings.
 * Loading checks all of it and reports every problem with its path in the file.
 *
 * @param hardware the robot's hardware
 * @param bundle policy bundle (directory or .zip), resolved against the file's folder
 * @param runtime loop and safety settings
 * @param telemetry MQTT settings
 * @param planner MPC settings for a model-based bundle, or null for the standard ones
 * @param detector change-detector settings for a bundle that adapts, or null for the standard ones
 * @param bundleDirectories where {@code load_bundle} may load bundles from (absolute, normalised),
 *     or null for the default ({@link #bundleDirectoriesOrDefault})
 */
public record RuntimeConfig(
    RobotHardware hardware,
    Path bundle,
    Settings runtime,
    Telemetry telemetry,
    MpcController.Settings planner,
    ChangeDetector.Settings detector,
    List<Path> bundleDirectories,
    PiFeedForward piFeedForward) {

  /**
   * PI wheel-speed feedback with the dynamics model's adapted feed-forward instead of MPC (a
   * bayesian-last-layer bundle only).
   *
   * @param kp K_p, duty per (rad/s)
   * @param ki K_i, duty per (rad/s · s)
   */
  public record PiFeedForward(double kp, double ki) {}

  /** A configuration without PI feed-forward. */
  public RuntimeConfig(
      RobotHardware hardware,
      Path bundle,
      Settings runtime,
      Telemetry telemetry,
      MpcController.Settings planner,
      ChangeDetector.Settings detector,
      List<Path> bundleDirectories) {
    this(hardware, bundle, runtime, telemetry, planner, detector, bundleDirectories, null);
  }

  /** The same configuration with PI feed-forward (or none). */
  public RuntimeConfig withPiFeedForward(PiFeedForward pi) {
    return new RuntimeConfig(
        hardware, bundle, runtime, telemetry, planner, detector, bundleDirectories, pi);
  }

  /** A configuration with the standard planner and detector settings. */
  public RuntimeConfig(RobotHardware hardware, Path bundle, Settings runtime, Telemetry telemetry) {
    this(hardware, bundle, runtime, telemetry, null, null, null, null);
  }

  /** A configuration with the default bundle directories. */
  public RuntimeConfig(
      RobotHardware hardware,
      Path bundle,
      Settings runtime,
      Telemetry telemetry,
      MpcController.Settings planner,
      ChangeDetector.Settings detector) {
    this(hardware, bundle, runtime, telemetry, planner, detector, null, null);
  }

  /** The same configuration with another bundle, runtime settings or bundle directories. */
  public RuntimeConfig with(Path bundle, Settings runtime) {
    return new RuntimeConfig(
        hardware, bundle, runtime, telemetry, planner, detector, bundleDirectories, piFeedForward);
  }

  /**
   * The directories {@code load_bundle} may load from: the configured {@code bundles:} list, or by
   * default the installation's {@code bundles/} (the launcher's {@code robot.home}) when it exists,
   * else the folder of the configured bundle.
   */
  public List<Path> bundleDirectoriesOrDefault() {
    if (bundleDirectories != null) {
      return bundleDirectories;
    }
    String home = System.getProperty("robot.home");
    if (home != null && Files.isDirectory(Path.of(home, "bundles"))) {
      return List.of(Path.of(home, "bundles").toAbsolutePath().normalize());
    }
    Path parent = bundle == null ? null : bundle.toAbsolutePath().normalize().getParent();
    return parent == null ? List.of() : List.of(parent);
  }

  /** The change-detector settings in effect: the configured ones, or the standard ones. */
  public ChangeDetector.Settings detectorOrStandard() {
    return detector == null ? ChangeDetector.Settings.standard() : detector;
  }

  /** The planner settings in effect: the configured ones, or the standard ones. */
  public MpcController.Settings plannerOrStandard() {
    return planner == null ? MpcController.Settings.standard() : planner;
  }

  /** How the policy is executed. */
  public enum Executor {
    /** The network in plain Java from the ONNX weights: no allocation per step. */
    JAVA,
    /** ONNX Runtime. */
    ONNXRUNTIME
  }

  /**
   * Loop and safety settings.
   *
   * @param controlRateHz control loop rate
   * @param overrunPolicy what the real-time clock does after an overrun
   * @param spinMicros how long before each deadline the loop stops sleeping and spins
   * @param executor policy execution
   * @param watchdogOverruns consecutive overruns that stop the robot
   * @param commandTimeoutSeconds a velocity command older than this is replaced by "stop"
   * @param staleSensorSeconds a sensor reading older than this stops the robot
   * @param maxConsecutiveFaults non-finite actions in a row that latch the e-stop
   * @param loadBundleTimeoutSeconds a remote {@code load_bundle} not done within this is answered
   *     "timed out" and never swapped in
   */
  public record Settings(
      double controlRateHz,
      OverrunPolicy overrunPolicy,
      long spinMicros,
      Executor executor,
      int watchdogOverruns,
      double commandTimeoutSeconds,
      double staleSensorSeconds,
      int maxConsecutiveFaults,
      double loadBundleTimeoutSeconds) {

    /** Settings with the default load_bundle time limit. */
    public Settings(
        double controlRateHz,
        OverrunPolicy overrunPolicy,
        long spinMicros,
        Executor executor,
        int watchdogOverruns,
        double commandTimeoutSeconds,
        double staleSensorSeconds,
        int maxConsecutiveFaults) {
      this(
          controlRateHz,
          overrunPolicy,
          spinMicros,
          executor,
          watchdogOverruns,
          commandTimeoutSeconds,
          staleSensorSeconds,
          maxConsecutiveFaults,
          DEFAULT_LOAD_BUNDLE_TIMEOUT_SECONDS);
    }

    /** Reading, checking and starting a bundle takes well under a second on a Pi 4. */
    public static final double DEFAULT_LOAD_BUNDLE_TIMEOUT_SECONDS = 10;

    public static Settings defaults() {
      return new Settings(100, OverrunPolicy.SKIP, 200, Executor.JAVA, 10, 0.5, 0.1, 5);
    }

    /** The same settings at another control rate. */
    public Settings withControlRate(double hz) {
      return new Settings(
          hz,
          overrunPolicy,
          spinMicros,
          executor,
          watchdogOverruns,
          commandTimeoutSeconds,
          staleSensorSeconds,
          maxConsecutiveFaults,
          loadBundleTimeoutSeconds);
    }

    /** The same settings with another executor. */
    public Settings withExecutor(Executor e) {
      return new Settings(
          controlRateHz,
          overrunPolicy,
          spinMicros,
          e,
          watchdogOverruns,
          commandTimeoutSeconds,
          staleSensorSeconds,
          maxConsecutiveFaults,
          loadBundleTimeoutSeconds);
    }

    public long periodNanos() {
      return Math.round(1e9 / controlRateHz);
    }
  }

  /**
   * Telemetry settings.
   *
   * @param broker MQTT URL ({@code tcp://host:1883}, {@code ssl://host:8883}), {@code embedded} for
   *     a broker the runtime starts on 127.0.0.1 (Debian's mosquitto), or {@code none}
   * @param robotId topic prefix {@code robots/<robotId>/}
   * @param rateHz periodic telemetry rate
   * @param username MQTT user name, or null
   * @param passwordFile file holding the password (first line), or null
   * @param caFile PEM certificate(s) of the CA that signed the broker's certificate (TLS), or null
   * @param clientKeystore PKCS#12 file with the client's certificate and key (TLS), or null
   * @param clientKeystorePassword its password, or null
   * @param telemetryBuffer periodic messages kept while the broker is unreachable (oldest dropped)
   * @param eventBuffer events kept while the broker is unreachable (none dropped until full)
   * @param stopOnDisconnect {@code on_disconnect: stop}: the robot stops (and cannot be activated)
   *     while remote control has been lost for longer than {@code disconnectGraceSeconds}; false:
   *     {@code continue}, it drives on
   * @param disconnectGraceSeconds how long remote control may be lost before {@code stop} applies
   */
  public record Telemetry(
      String broker,
      String robotId,
      double rateHz,
      String username,
      Path passwordFile,
      Path caFile,
      Path clientKeystore,
      String clientKeystorePassword,
      int telemetryBuffer,
      int eventBuffer,
      boolean stopOnDisconnect,
      double disconnectGraceSeconds) {

    /** Long enough to ride out a broker restart or a Wi-Fi roam, short enough to matter. */
    public static final double DEFAULT_DISCONNECT_GRACE_SECONDS = 5;

    /** Settings with the default remote-control policy (stop after 5 s). */
    public Telemetry(
        String broker,
        String robotId,
        double rateHz,
        String username,
        Path passwordFile,
        Path caFile,
        Path clientKeystore,
        String clientKeystorePassword,
        int telemetryBuffer,
        int eventBuffer) {
      this(
          broker,
          robotId,
          rateHz,
          username,
          passwordFile,
          caFile,
          clientKeystore,
          clientKeystorePassword,
          telemetryBuffer,
          eventBuffer,
          true,
          DEFAULT_DISCONNECT_GRACE_SECONDS);
    }

    public static Telemetry none() {
      return new Telemetry("none", "robot", 10, null, null, null, null, null, 1000, 100_000);
    }

    /** A plain connection to a broker. */
    public static Telemetry to(String broker, String robotId, double rateHz) {
      return new Telemetry(broker, robotId, rateHz, null, null, null, null, null, 1000, 100_000);
    }

    /** The same settings with another remote-control policy. */
    public Telemetry onDisconnect(boolean stop, double graceSeconds) {
      return new Telemetry(
          broker,
          robotId,
          rateHz,
          username,
          passwordFile,
          caFile,
          clientKeystore,
          clientKeystorePassword,
          telemetryBuffer,
          eventBuffer,
          stop,
          graceSeconds);
    }

    public boolean enabled() {
      return !broker.equals("none");
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP =
      Set.of(
          "hardware",
          "bundle",
          "bundles",
          "runtime",
          "telemetry",
          "planner",
          "detector",
          "pi_feedforward");

  /** Loads and checks a configuration file. */
  public static RuntimeConfig load(Path file) throws ConfigException {
    String name = file.getFileName().toString();
    JsonNode root;
    try {
      root = YAML.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      throw new ConfigException(
          List.of(
              file
                  + ": cannot be read as YAML ("
                  + (m.indexOf('\n') < 0 ? m : m.substring(0, m.indexOf('\n')))
                  + ")"));
    }
    List<String> problems = new ArrayList<>();
    if (root == null || !root.isObject()) {
      throw new ConfigException(
          List.of(name + ": expected a mapping with hardware, bundle, runtime, telemetry"));
    }
    root.fieldNames()
        .forEachRemaining(
            f -> {
              if (!TOP.contains(f)) {
                problems.add(
                    name
                        + ": "
                        + f
                        + ": unknown section; expected one of hardware, bundle, bundles, runtime,"
                        + " telemetry, planner, detector, pi_feedforward");
              }
            });
    Path dir = file.toAbsolutePath().getParent();
    RobotHardware hw = null;
    JsonNode h = root.get("hardware");
    if (h == null || h.isNull()) {
      problems.add(
          name + ": hardware: is required but missing (a mapping, or the path of a hardware file)");
    } else if (h.isTextual()) {
      Path hf = dir.resolve(h.asText());
      try {
        hw = HardwareDescription.load(hf);
      } catch (ConfigException e) {
        problems.add(name + ": hardware: the file " + h.asText() + " has problems:");
        e.problems().forEach(p -> problems.add("  " + p));
      }
    } else {
      hw = HardwareDescription.read(h, name, "hardware.", problems);
    }
    Path bundle = null;
    JsonNode b = root.get("bundle");
    if (b == null || b.isNull()) {
      problems.add(
          name + ": bundle: is required but missing (the policy bundle's directory or .zip)");
    } else if (!b.isTextual() || b.asText().isBlank()) {
      problems.add(name + ": bundle: expected a path, found " + b);
    } else {
      bundle = dir.resolve(b.asText()).normalize();
      if (!Files.exists(bundle)) {
        problems.add(
            name + ": bundle: " + b.asText() + " does not exist (resolved to " + bundle + ")");
      }
    }
    List<Path> bundles = bundleDirectories(root.get("bundles"), dir, name, problems);
    Settings s = settings(root.get("runtime"), name, problems);
    Telemetry t = telemetry(root.get("telemetry"), dir, name, problems);
    MpcController.Settings planner = planner(root.get("planner"), name, problems);
    ChangeDetector.Settings detector = detector(root.get("detector"), name, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    PiFeedForward pi = piFeedForward(root.get("pi_feedforward"), name, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new RuntimeConfig(hw, bundle, s, t, planner, detector, bundles, pi);
  }

  private static PiFeedForward piFeedForward(JsonNode n, String file, List<String> problems) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      problems.add(file + ": pi_feedforward: expected a mapping with kp and ki");
      return null;
    }
    unknownSettings(n, "pi_feedforward", Set.of("kp", "ki"), file, problems);
    int before = problems.size();
    double kp = number(n, "pi_feedforward.", "kp", 0.08, 0, 100, file, problems);
    double ki = number(n, "pi_feedforward.", "ki", 1.6, 0, 1000, file, problems);
    return problems.size() > before ? null : new PiFeedForward(kp, ki);
  }

  private static List<Path> bundleDirectories(
      JsonNode n, Path dir, String file, List<String> problems) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isArray() || n.isEmpty()) {
      problems.add(file + ": bundles: expected a list of directories, found " + n);
      return null;
    }
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      JsonNode d = n.get(i);
      if (!d.isTextual() || d.asText().isBlank()) {
        problems.add(file + ": bundles[" + i + "]: expected a directory, found " + d);
        continue;
      }
      Path p = dir.resolve(d.asText()).toAbsolutePath().normalize();
      if (!Files.isDirectory(p)) {
        problems.add(
            file
                + ": bundles["
                + i
                + "]: "
                + d.asText()
                + " is not a directory (resolved to "
                + p
                + ")");
        continue;
      }
      dirs.add(p);
    }
    return dirs;
  }

  private static ChangeDetector.Settings detector(JsonNode n, String file, List<String> problems) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      problems.add(file + ": detector: expected a mapping");
      return null;
    }
    Set<String> known = Set.of("calibration_steps", "smoothing", "drift", "threshold", "clip");
    unknownSettings(n, "detector", known, file, problems);
    ChangeDetector.Settings d = ChangeDetector.Settings.standard();
    int before = problems.size();
    int calibration =
        integer(n, "detector.", "calibration_steps", d.calibration(), 4, 1_000_000, file, problems);
    double smoothing = number(n, "detector.", "smoothing", d.smoothing(), 1e-4, 1, file, problems);
    double drift = number(n, "detector.", "drift", d.drift(), 0, 1e6, file, problems);
    double threshold =
        number(n, "detector.", "threshold", d.threshold(), 0.001, 1e9, file, problems);
    double clip = number(n, "detector.", "clip", d.clip(), 1, 1e9, file, problems);
    if (problems.size() > before) {
      return null;
    }
    if (calibration < Math.ceil(4 / smoothing)) {
      problems.add(
          file
              + ": detector.calibration_steps: "
              + calibration
              + " is too few for smoothing "
              + fmt(smoothing)
              + "; need at least "
              + (int) Math.ceil(4 / smoothing)
              + " (4 / smoothing)");
      return null;
    }
    if (!(clip > 1 + drift)) {
      problems.add(
          file
              + ": detector.clip: "
              + fmt(clip)
              + " must exceed 1 + detector.drift ("
              + fmt(1 + drift)
              + "), or no step could raise the statistic");
      return null;
    }
    return new ChangeDetector.Settings(calibration, smoothing, drift, threshold, clip);
  }

  private static MpcController.Settings planner(JsonNode n, String file, List<String> problems) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      problems.add(file + ": planner: expected a mapping");
      return null;
    }
    Set<String> known =
        Set.of("horizon", "samples", "elites", "iterations", "action_cost", "replan_every");
    unknownSettings(n, "planner", known, file, problems);
    MpcController.Settings d = MpcController.Settings.standard();
    int before = problems.size();
    int horizon = integer(n, "planner.", "horizon", d.horizon(), 1, 1000, file, problems);
    int samples = integer(n, "planner.", "samples", d.samples(), 2, 100_000, file, problems);
    int elites = integer(n, "planner.", "elites", d.elites(), 1, 100_000, file, problems);
    int iterations = integer(n, "planner.", "iterations", d.iterations(), 1, 100, file, problems);
    double cost = number(n, "planner.", "action_cost", d.actionCost(), 0, 1e6, file, problems);
    int every = integer(n, "planner.", "replan_every", d.replanEvery(), 1, 1000, file, problems);
    if (problems.size() > before) {
      return null;
    }
    if (elites > samples) {
      problems.add(
          file + ": planner.elites: " + elites + " is more than planner.samples (" + samples + ")");
      return null;
    }
    if (every > horizon) {
      problems.add(
          file
              + ": planner.replan_every: "
              + every
              + " is longer than planner.horizon ("
              + horizon
              + "); the loop would run out of plan");
      return null;
    }
    return new MpcController.Settings(horizon, samples, elites, iterations, cost, d.seed(), every);
  }

  /** Adds a problem for every key of section {@code n} that is not one of {@code known}. */
  private static void unknownSettings(
      JsonNode n, String section, Set<String> known, String file, List<String> problems) {
    n.fieldNames()
        .forEachRemaining(
            f -> {
              if (!known.contains(f)) {
                problems.add(
                    file
                        + ": "
                        + section
                        + "."
                        + f
                        + ": unknown setting; expected one of "
                        + new java.util.TreeSet<>(known));
              }
            });
  }

  private static int integer(
      JsonNode n,
      String section,
      String field,
      int fallback,
      int min,
      int max,
      String file,
      List<String> problems) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    // 2.5 or 1e3 is no whole number, and 4294967297 must not wrap round to 1
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      problems.add(
          file
              + ": "
              + section
              + field
              + ": expected a whole number in ["
              + min
              + ", "
              + max
              + "], found "
              + v);
      return fallback;
    }
    return v.asInt();
  }

  private static Settings settings(JsonNode n, String file, List<String> problems) {
    Settings d = Settings.defaults();
    if (n == null || n.isNull()) {
      return d;
    }
    if (!n.isObject()) {
      problems.add(file + ": runtime: expected a mapping");
      return d;
    }
    Set<String> known =
        Set.of(
            "control_rate_hz",
            "overrun_policy",
            "spin_us",
            "executor",
            "watchdog_overruns",
            "command_timeout_s",
            "stale_sensor_s",
            "max_consecutive_faults",
            "load_bundle_timeout_s");
    unknownSettings(n, "runtime", known, file, problems);
    double rate = number(n, "control_rate_hz", d.controlRateHz(), 1, 2000, file, problems);
    OverrunPolicy policy =
        choice(n, "overrun_policy", OverrunPolicy.class, d.overrunPolicy(), file, problems);
    long spin = integer(n, "runtime.", "spin_us", (int) d.spinMicros(), 0, 10_000, file, problems);
    Executor exec = choice(n, "executor", Executor.class, d.executor(), file, problems);
    int watchdog =
        integer(
            n, "runtime.", "watchdog_overruns", d.watchdogOverruns(), 1, 1_000_000, file, problems);
    double timeout =
        number(n, "command_timeout_s", d.commandTimeoutSeconds(), 0.001, 3600, file, problems);
    double stale = number(n, "stale_sensor_s", d.staleSensorSeconds(), 0.001, 60, file, problems);
    int faults =
        integer(
            n,
            "runtime.",
            "max_consecutive_faults",
            d.maxConsecutiveFaults(),
            1,
            1_000_000,
            file,
            problems);
    double load =
        number(n, "load_bundle_timeout_s", d.loadBundleTimeoutSeconds(), 0.1, 600, file, problems);
    return new Settings(rate, policy, spin, exec, watchdog, timeout, stale, faults, load);
  }

  private static Telemetry telemetry(JsonNode n, Path dir, String file, List<String> problems) {
    if (n == null || n.isNull()) {
      return Telemetry.none();
    }
    if (!n.isObject()) {
      problems.add(file + ": telemetry: expected a mapping");
      return Telemetry.none();
    }
    Set<String> known =
        Set.of(
            "broker",
            "robot_id",
            "rate_hz",
            "username",
            "password_file",
            "ca_file",
            "client_keystore",
            "client_keystore_password",
            "telemetry_buffer",
            "event_buffer",
            "on_disconnect",
            "disconnect_grace_s");
    unknownSettings(n, "telemetry", known, file, problems);
    String broker = n.has("broker") ? n.get("broker").asText() : "none";
    if (!broker.equals("none")
        && !broker.equals("embedded")
        && !broker.matches("(tcp|ssl)://[^\\s/:]+(:\\d{1,5})?/?")) {
      problems.add(
          file
              + ": telemetry.broker: expected none, embedded, tcp://host:port or"
              + " ssl://host:port, found \""
              + broker
              + "\"");
    }
    String id = n.has("robot_id") ? n.get("robot_id").asText() : "robot";
    if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
      problems.add(
          file
              + ": telemetry.robot_id: expected 1..64 letters, digits, '-' or '_' (it is an MQTT topic level), found \""
              + id
              + "\"");
    }
    double rate = number(n, "telemetry.", "rate_hz", 10, 0.1, 1000, file, problems);
    String user = n.has("username") ? n.get("username").asText() : null;
    Path passwordFile = existingFile(n, "password_file", dir, file, problems);
    Path ca = existingFile(n, "ca_file", dir, file, problems);
    Path keystore = existingFile(n, "client_keystore", dir, file, problems);
    String keystorePassword =
        n.has("client_keystore_password") ? n.get("client_keystore_password").asText() : null;
    if (ca != null && !broker.startsWith("ssl://")) {
      problems.add(
          file
              + ": telemetry.ca_file: is only used with an ssl:// broker, the broker is \""
              + broker
              + "\"");
    }
    if (passwordFile != null && user == null) {
      problems.add(file + ": telemetry.password_file: needs telemetry.username");
    }
    int tb = integer(n, "telemetry.", "telemetry_buffer", 1000, 1, 1_000_000, file, problems);
    int eb = integer(n, "telemetry.", "event_buffer", 100_000, 1, 10_000_000, file, problems);
    boolean stop = true;
    JsonNode od = n.get("on_disconnect");
    if (od != null && !od.isNull()) {
      if (od.isTextual() && (od.asText().equals("stop") || od.asText().equals("continue"))) {
        stop = od.asText().equals("stop");
      } else {
        problems.add(file + ": telemetry.on_disconnect: expected stop or continue, found " + od);
      }
    }
    double grace =
        number(
            n,
            "telemetry.",
            "disconnect_grace_s",
            Telemetry.DEFAULT_DISCONNECT_GRACE_SECONDS,
            0,
            3600,
            file,
            problems);
    return new Telemetry(
        broker, id, rate, user, passwordFile, ca, keystore, keystorePassword, tb, eb, stop, grace);
  }

  private static Path existingFile(
      JsonNode n, String field, Path dir, String file, List<String> problems) {
    if (!n.has(field) || n.get(field).isNull()) {
      return null;
    }
    Path p = dir.resolve(n.get(field).asText()).normalize();
    if (!Files.isRegularFile(p)) {
      problems.add(
          file
              + ": telemetry."
              + field
              + ": "
              + n.get(field).asText()
              + " does not exist (resolved to "
              + p
              + ")");
      return null;
    }
    return p;
  }

  private static double number(
      JsonNode n,
      String field,
      double fallback,
      double min,
      double max,
      String file,
      List<String> problems) {
    return number(n, "runtime.", field, fallback, min, max, file, problems);
  }

  private static double number(
      JsonNode n,
      String section,
      String field,
      double fallback,
      double min,
      double max,
      String file,
      List<String> problems) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max)) {
      problems.add(
          file
              + ": "
              + section
              + field
              + ": expected a number in ["
              + fmt(min)
              + ", "
              + fmt(max)
              + "], found "
              + v);
      return fallback;
    }
    return v.asDouble();
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static <E extends Enum<E>> E choice(
      JsonNode n, String field, Class<E> type, E fallback, String file, List<String> problems) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(v.asText())) {
        return e;
      }
    }
    problems.add(
        file
            + ": runtime."
            + field
            + ": expected one of "
            + java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase())
                .toList()
            + ", found "
            + v);
    return fallback;
  }
}
