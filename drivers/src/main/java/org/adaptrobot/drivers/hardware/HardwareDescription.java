package org.adaptrobot.drivers.hardware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.adaptrobot.drivers.hardware.RobotHardware.ChipType;
import org.adaptrobot.drivers.hardware.RobotHardware.I2cDevice;
import org.adaptrobot.drivers.hardware.RobotHardware.MotorDriverType;
import org.adaptrobot.drivers.hardware.RobotHardware.PwmSource;
import org.adaptrobot.drivers.hardware.RobotHardware.Range;
import org.adaptrobot.drivers.hardware.RobotHardware.Side;
import org.adaptrobot.drivers.imu.ImuMpu6050;
import org.adaptrobot.drivers.pwm.PwmPca9685;

/**
 * Reads a robot hardware description from YAML and checks all of it: required fields, types and
 * ranges, unknown device types, duplicate names, I2C addresses used twice on a bus, GPIO pins used
 * twice, PWM channels used twice, references to devices that do not exist. Every problem is
 * reported at once, as {@code <file>: <path>: <what is wrong>}.
 */
public final class HardwareDescription {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** BCM GPIO numbers on the 40-pin header. */
  static final int MAX_GPIO = 27;

  /** Pins with a hardware PWM function on the Pi. */
  static final Set<Integer> HARDWARE_PWM_PINS = Set.of(12, 13, 18, 19);

  private HardwareDescription() {}

  /** Loads and checks a YAML file holding the description at its root. */
  public static RobotHardware load(Path file) throws ConfigException {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConfigException(List.of(file + ": cannot be read as YAML (" + firstLine(e) + ")"));
    }
    List<String> problems = new ArrayList<>();
    RobotHardware hw = read(root, file.getFileName().toString(), "", problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return hw;
  }

  /** Parses YAML text (for tests and embedded descriptions). */
  public static RobotHardware parse(String yaml, String fileName) throws ConfigException {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new ConfigException(
          List.of(fileName + ": cannot be read as YAML (" + firstLine(e) + ")"));
    }
    List<String> problems = new ArrayList<>();
    RobotHardware hw = read(root, fileName, "", problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return hw;
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /**
   * Reads a description from a YAML node into {@code problems}; returns null when there were any.
   *
   * @param path prefix of field paths, "" at the root or for example {@code "hardware."}
   */
  public static RobotHardware read(JsonNode node, String file, String path, List<String> problems) {
    Reader r = new Reader(file, path, problems);
    int before = problems.size();
    if (node == null || !node.isObject()) {
      r.problem("", "expected a mapping with name, geometry, i2c, motors, encoders");
      return null;
    }
    String name = r.text(node, "name");
    JsonNode geometry = r.object(node, "geometry");
    double wheel = r.positive(geometry, "geometry.wheel_radius_m", 0.2);
    double track = r.positive(geometry, "geometry.track_width_m", 2.0);
    List<I2cDevice> devices = r.devices(node.get("i2c"));
    JsonNode motors = r.object(node, "motors");
    JsonNode encoders = r.object(node, "encoders");
    Side left = r.side(motors, encoders, "left", devices);
    Side right = r.side(motors, encoders, "right", devices);
    Optional<Range> range = Optional.empty();
    JsonNode rangeNode = node.get("range");
    if (rangeNode != null && !rangeNode.isNull()) {
      if (!rangeNode.isObject()) {
        r.problem("range", "expected a mapping with trigger and echo");
      } else {
        range =
            Optional.of(
                new Range(r.pin(rangeNode, "range.trigger"), r.pin(rangeNode, "range.echo")));
      }
    }
    r.checkPins();
    r.checkChannels();
    if (problems.size() != before) {
      return null;
    }
    return new RobotHardware(name, wheel, track, devices, left, right, range);
  }

  private static final class Reader {
    final String file;
    final String prefix;
    final List<String> problems;

    /** pin → the first path that used it. */
    final Map<Integer, List<String>> pins = new HashMap<>();

    final Map<String, String> channels = new HashMap<>();
    final List<String> channelClashes = new ArrayList<>();

    Reader(String file, String prefix, List<String> problems) {
      this.file = file;
      this.prefix = prefix;
      this.problems = problems;
    }

    void problem(String path, String message) {
      problems.add(file + ": " + (prefix + path).replaceAll("\\.$", "") + ": " + message);
    }

    JsonNode field(JsonNode parent, String path) {
      String key = path.substring(path.lastIndexOf('.') + 1);
      return parent == null ? null : parent.get(key);
    }

    JsonNode object(JsonNode parent, String path) {
      JsonNode n = field(parent, path);
      if (n == null || n.isNull()) {
        problem(path, "is required but missing");
        return null;
      }
      if (!n.isObject()) {
        problem(path, "expected a mapping, found " + n.getNodeType().toString().toLowerCase());
        return null;
      }
      return n;
    }

    String text(JsonNode parent, String path) {
      JsonNode n = field(parent, path);
      if (parent == null) {
        return null;
      }
      if (n == null || n.isNull()) {
        problem(path, "is required but missing");
        return null;
      }
      if (!n.isTextual() || n.asText().isBlank()) {
        problem(path, "expected a non-empty text, found " + n);
        return null;
      }
      return n.asText();
    }

    double number(JsonNode parent, String path, double min, double max, Double fallback) {
      if (parent == null) {
        return Double.NaN;
      }
      JsonNode n = field(parent, path);
      if (n == null || n.isNull()) {
        if (fallback != null) {
          return fallback;
        }
        problem(path, "is required but missing");
        return Double.NaN;
      }
      if (!n.isNumber()) {
        problem(path, "expected a number, found " + n);
        return Double.NaN;
      }
      double v = n.asDouble();
      if (!(v >= min && v <= max)) {
        problem(path, "expected a value in [" + fmt(min) + ", " + fmt(max) + "], found " + fmt(v));
        return Double.NaN;
      }
      return v;
    }

    private static String fmt(double v) {
      return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
    }

    double positive(JsonNode parent, String path, double max) {
      if (parent == null) {
        return Double.NaN;
      }
      JsonNode n = field(parent, path);
      if (n != null && n.isNumber() && !(n.asDouble() > 0)) {
        problem(path, "expected a positive length in metres, found " + n.asDouble());
        return Double.NaN;
      }
      return number(parent, path, Double.MIN_VALUE, max, null);
    }

    int integer(JsonNode parent, String path, int min, int max, Integer fallback) {
      if (parent == null) {
        return -1;
      }
      JsonNode n = field(parent, path);
      if ((n == null || n.isNull()) && fallback != null) {
        return fallback;
      }
      if (n == null || n.isNull()) {
        problem(path, "is required but missing");
        return -1;
      }
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        problem(path, "expected an integer, found " + n);
        return -1;
      }
      long v = n.asLong();
      if (v < min || v > max) {
        problem(path, "expected an integer in [" + min + ", " + max + "], found " + v);
        return -1;
      }
      return (int) v;
    }

    boolean bool(JsonNode parent, String path, boolean fallback) {
      JsonNode n = field(parent, path);
      if (n == null || n.isNull()) {
        return fallback;
      }
      if (!n.isBoolean()) {
        problem(path, "expected true or false, found " + n);
        return fallback;
      }
      return n.asBoolean();
    }

    int pin(JsonNode parent, String path) {
      int p = integer(parent, path, 0, MAX_GPIO, null);
      if (p >= 0) {
        pins.computeIfAbsent(p, k -> new ArrayList<>()).add(path);
      }
      return p;
    }

    List<I2cDevice> devices(JsonNode list) {
      List<I2cDevice> out = new ArrayList<>();
      if (list == null || list.isNull()) {
        problem("i2c", "is required but missing (list the IMU, battery monitor and PWM chips)");
        return out;
      }
      if (!list.isArray()) {
        problem("i2c", "expected a list of devices");
        return out;
      }
      Map<String, String> names = new HashMap<>();
      Map<String, String> addresses = new HashMap<>();
      for (int i = 0; i < list.size(); i++) {
        String path = "i2c[" + i + "]";
        JsonNode d = list.get(i);
        if (!d.isObject()) {
          problem(path, "expected a mapping with type, name, bus, address");
          continue;
        }
        String typeText = text(d, path + ".type");
        ChipType type = null;
        if (typeText != null) {
          for (ChipType t : ChipType.values()) {
            if (t.id.equals(typeText)) {
              type = t;
            }
          }
          if (type == null) {
            problem(
                path + ".type",
                "unknown device \"" + typeText + "\"; expected one of mpu6050, ina219, pca9685");
          }
        }
        String name = text(d, path + ".name");
        int bus = integer(d, path + ".bus", 0, 22, 1);
        int address = integer(d, path + ".address", 0x03, 0x77, null);
        if (name != null) {
          String other = names.putIfAbsent(name, path);
          if (other != null) {
            problem(path + ".name", "\"" + name + "\" is already the name of " + other);
          }
        }
        if (address >= 0 && bus >= 0) {
          String key = bus + "/" + address;
          String other = addresses.putIfAbsent(key, path);
          if (other != null) {
            problem(
                path + ".address",
                String.format("0x%02X is already used on bus %d by %s", address, bus, other));
          }
        }
        if (type == null || name == null) {
          continue;
        }
        int accel = 4;
        int gyro = 500;
        int dlpf = 3;
        int divider = 0;
        double shunt = Double.NaN;
        double maxCurrent = Double.NaN;
        double frequency = Double.NaN;
        switch (type) {
          case MPU6050 -> {
            accel = integer(d, path + ".accel_range_g", 2, 16, 4);
            gyro = integer(d, path + ".gyro_range_dps", 250, 2000, 500);
            dlpf = integer(d, path + ".low_pass_filter", 0, 6, 3);
            divider = integer(d, path + ".sample_rate_divider", 0, 255, 0);
            try {
              if (accel > 0) {
                ImuMpu6050.AccelRange.ofG(accel);
              }
            } catch (IllegalArgumentException e) {
              problem(path + ".accel_range_g", e.getMessage());
            }
            try {
              if (gyro > 0) {
                ImuMpu6050.GyroRange.ofDps(gyro);
              }
            } catch (IllegalArgumentException e) {
              problem(path + ".gyro_range_dps", e.getMessage());
            }
            if (address >= 0 && address != 0x68 && address != 0x69) {
              problem(
                  path + ".address",
                  String.format("an MPU-6050 answers at 0x68 or 0x69, found 0x%02X", address));
            }
          }
          case INA219 -> {
            shunt = number(d, path + ".shunt_ohms", 1e-4, 10, 0.1);
            maxCurrent = number(d, path + ".max_current_a", 1e-3, 100, 3.2);
            if (address >= 0 && (address < 0x40 || address > 0x4F)) {
              problem(
                  path + ".address",
                  String.format("an INA219 answers at 0x40..0x4F, found 0x%02X", address));
            }
            if (shunt * maxCurrent > 0.32 * (1 + 1e-9)) {
              problem(
                  path + ".max_current_a",
                  String.format(
                      "%.3g A through %.3g Ω drops %.3g V, above the INA219's 0.32 V shunt range",
                      maxCurrent, shunt, maxCurrent * shunt));
            }
          }
          case PCA9685 -> {
            frequency = number(d, path + ".frequency_hz", 1, 1e6, 1000.0);
            if (!Double.isNaN(frequency)) {
              try {
                PwmPca9685.prescale(frequency);
              } catch (IllegalArgumentException e) {
                problem(path + ".frequency_hz", e.getMessage());
              }
            }
            if (address >= 0 && (address < 0x40 || address == 0x70)) {
              problem(
                  path + ".address",
                  String.format(
                      "a PCA9685 answers at 0x40..0x7F except the all-call 0x70, found 0x%02X",
                      address));
            }
          }
        }
        out.add(
            new I2cDevice(
                type,
                name,
                bus,
                address,
                accel,
                gyro,
                dlpf,
                divider,
                shunt,
                maxCurrent,
                frequency));
      }
      return out;
    }

    Side side(JsonNode motors, JsonNode encoders, String which, List<I2cDevice> devices) {
      String mp = "motors." + which;
      String ep = "encoders." + which;
      JsonNode m = motors == null ? null : object(motors, mp);
      JsonNode e = encoders == null ? null : object(encoders, ep);
      if (m == null || e == null) {
        return null;
      }
      String driverText = text(m, mp + ".driver");
      MotorDriverType driver = null;
      if (driverText != null) {
        for (MotorDriverType t : MotorDriverType.values()) {
          if (t.id.equals(driverText)) {
            driver = t;
          }
        }
        if (driver == null) {
          problem(
              mp + ".driver",
              "unknown motor driver \"" + driverText + "\"; expected tb6612 or l298n");
        }
      }
      PwmSource pwm = pwm(m, mp + ".pwm", devices);
      int in1 = pin(m, mp + ".in1");
      int in2 = pin(m, mp + ".in2");
      int standby = -1;
      if (m.has("standby")) {
        standby = integer(m, mp + ".standby", 0, MAX_GPIO, null);
        if (standby >= 0) {
          // both TB6612 channels share STBY: record once per pin under a shared key
          pins.computeIfAbsent(standby, k -> new ArrayList<>()).add("standby");
        }
      }
      boolean motorInverted = bool(m, mp + ".inverted", false);
      String stop = m.has("stop_mode") ? text(m, mp + ".stop_mode") : "brake";
      if (stop != null && !stop.equals("brake") && !stop.equals("coast")) {
        problem(mp + ".stop_mode", "expected brake or coast, found \"" + stop + "\"");
      }
      int a = pin(e, ep + ".a");
      int b = pin(e, ep + ".b");
      int counts = integer(e, ep + ".counts_per_rev", 4, 1_000_000, null);
      boolean encInverted = bool(e, ep + ".inverted", false);
      if (driver == null || pwm == null) {
        return null;
      }
      return new Side(
          driver,
          pwm,
          in1,
          in2,
          standby,
          motorInverted,
          !"coast".equals(stop),
          a,
          b,
          counts,
          encInverted);
    }

    PwmSource pwm(JsonNode motor, String path, List<I2cDevice> devices) {
      JsonNode p = object(motor, path);
      if (p == null) {
        return null;
      }
      if (p.has("pin")) {
        int pin = pin(p, path + ".pin");
        if (pin >= 0 && !HARDWARE_PWM_PINS.contains(pin)) {
          problem(path + ".pin", "GPIO " + pin + " has no hardware PWM; use 12, 13, 18 or 19");
        }
        return new PwmSource(null, -1, pin);
      }
      String device = text(p, path + ".device");
      int channel = integer(p, path + ".channel", 0, PwmPca9685.CHANNELS - 1, null);
      if (device != null) {
        Optional<I2cDevice> d = devices.stream().filter(x -> x.name().equals(device)).findFirst();
        if (d.isEmpty()) {
          problem(path + ".device", "no I2C device is named \"" + device + "\"");
        } else if (d.get().type() != ChipType.PCA9685) {
          problem(
              path + ".device",
              "\"" + device + "\" is a " + d.get().type().id + ", expected a pca9685");
        } else if (channel >= 0) {
          String key = device + "#" + channel;
          String other = channels.putIfAbsent(key, path);
          if (other != null) {
            channelClashes.add(
                path + ".channel" + "\u0000" + channel + "\u0000" + device + "\u0000" + other);
          }
        }
      }
      return new PwmSource(device, channel, -1);
    }

    void checkPins() {
      for (Map.Entry<Integer, List<String>> e : pins.entrySet()) {
        List<String> users = e.getValue();
        List<String> real = users.stream().filter(u -> !u.equals("standby")).toList();
        boolean standby = users.contains("standby");
        if (real.size() > 1 || (standby && !real.isEmpty())) {
          for (int i = 1; i < real.size(); i++) {
            problem(
                real.get(i), "GPIO " + e.getKey() + " is already used by " + prefix + real.get(0));
          }
          if (standby && !real.isEmpty()) {
            problem(real.get(0), "GPIO " + e.getKey() + " is also the motor driver's standby pin");
          }
        }
      }
    }

    void checkChannels() {
      for (String c : channelClashes) {
        String[] p = c.split("\u0000");
        problem(
            p[0], "channel " + p[1] + " of \"" + p[2] + "\" is already used by " + prefix + p[3]);
      }
    }
  }
}
