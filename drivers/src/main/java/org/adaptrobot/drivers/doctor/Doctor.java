package org.adaptrobot.drivers.doctor;

import com.pi4j.context.Context;
import com.pi4j.io.i2c.I2C;
import java.util.ArrayList;
import java.util.List;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.RobotHardware.I2cDevice;

/**
 * Checks that the configured devices are there, moving nothing: it lists who answers on each I2C
 * bus (single-byte reads, as {@code i2cdetect -r} does) and reads each configured chip's identity
 * register where it has one. GPIO wiring (motors, encoders, range sensor) cannot be checked without
 * driving outputs, and is reported as such.
 */
public final class Doctor {

  /** Outcome of one check. */
  public enum Status {
    FOUND,
    MISSING,
    WRONG_IDENTITY,
    NOT_CHECKED
  }

  /**
   * One line of the report.
   *
   * @param device configured name and type
   * @param where bus and address, or pins
   * @param status outcome
   * @param detail what was read
   */
  public record Row(String device, String where, Status status, String detail) {}

  private Doctor() {}

  /** Addresses 0x08..0x77 that acknowledge a single-byte read on {@code bus}. */
  public static List<Integer> scanBus(Context pi4j, int bus) {
    List<Integer> found = new ArrayList<>();
    for (int address = 0x08; address <= 0x77; address++) {
      try (I2C i2c =
          pi4j.create(
              I2C.newConfigBuilder(pi4j)
                  .id("doctor-scan-" + bus + "-" + address)
                  .bus(bus)
                  .device(address)
                  .build())) {
        if (i2c.read() >= 0) {
          found.add(address);
        }
      } catch (RuntimeException e) {
        // no acknowledge: nobody at this address
      }
    }
    return found;
  }

  /** Checks every configured device. */
  public static List<Row> check(Context pi4j, RobotHardware hw) {
    List<Row> rows = new ArrayList<>();
    for (I2cDevice d : hw.i2cDevices()) {
      rows.add(checkI2c(pi4j, d));
    }
    for (String side : new String[] {"left", "right"}) {
      RobotHardware.Side s = side.equals("left") ? hw.left() : hw.right();
      rows.add(
          new Row(
              side + " motor (" + s.driver().id + ")",
              "IN1 GPIO " + s.in1() + ", IN2 GPIO " + s.in2(),
              Status.NOT_CHECKED,
              "checking it would move the motor"));
      rows.add(
          new Row(
              side + " encoder",
              "A GPIO " + s.encoderA() + ", B GPIO " + s.encoderB(),
              Status.NOT_CHECKED,
              "turn the wheel by hand and watch 'robot monitor'"));
    }
    hw.range()
        .ifPresent(
            r ->
                rows.add(
                    new Row(
                        "range sensor (hcsr04)",
                        "TRIG GPIO " + r.trigger() + ", ECHO GPIO " + r.echo(),
                        Status.NOT_CHECKED,
                        "checking it would send a ping")));
    return rows;
  }

  private static Row checkI2c(Context pi4j, I2cDevice d) {
    String name = d.name() + " (" + d.type().id + ")";
    String where = String.format("I2C bus %d, 0x%02X", d.bus(), d.address());
    try (I2C i2c =
        pi4j.create(
            I2C.newConfigBuilder(pi4j)
                .id("doctor-" + d.name())
                .bus(d.bus())
                .device(d.address())
                .build())) {
      return switch (d.type()) {
        case MPU6050 -> {
          int who = i2c.readRegister(0x75);
          if (who < 0) {
            yield new Row(name, where, Status.MISSING, "no acknowledge");
          }
          yield (who & 0x7E) == 0x68
              ? new Row(name, where, Status.FOUND, String.format("WHO_AM_I = 0x%02X", who))
              : new Row(
                  name,
                  where,
                  Status.WRONG_IDENTITY,
                  String.format("WHO_AM_I = 0x%02X, an MPU-6050 reads 0x68", who));
        }
        case INA219 -> {
          byte[] b = new byte[2];
          int n = i2c.readRegister(0x00, b, 0, 2);
          yield n == 2
              ? new Row(
                  name,
                  where,
                  Status.FOUND,
                  String.format(
                      "configuration = 0x%04X (the INA219 has no identity register)",
                      ((b[0] & 0xFF) << 8) | (b[1] & 0xFF)))
              : new Row(name, where, Status.MISSING, "no acknowledge");
        }
        case PCA9685 -> {
          int mode1 = i2c.readRegister(0x00);
          yield mode1 < 0
              ? new Row(name, where, Status.MISSING, "no acknowledge")
              : new Row(
                  name,
                  where,
                  Status.FOUND,
                  String.format("MODE1 = 0x%02X (the PCA9685 has no identity register)", mode1));
        }
      };
    } catch (RuntimeException e) {
      return new Row(name, where, Status.MISSING, "no acknowledge (" + e.getMessage() + ")");
    }
  }

  /** The report as an aligned text table. */
  public static String table(List<Row> rows) {
    int[] w = {6, 5, 6};
    for (Row r : rows) {
      w[0] = Math.max(w[0], r.device().length());
      w[1] = Math.max(w[1], r.where().length());
      w[2] = Math.max(w[2], r.status().name().length());
    }
    String fmt = "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %s%n";
    StringBuilder b = new StringBuilder(String.format(fmt, "device", "where", "status", "detail"));
    for (Row r : rows) {
      b.append(
          String.format(
              fmt,
              r.device(),
              r.where(),
              r.status().name().toLowerCase().replace('_', ' '),
              r.detail()));
    }
    return b.toString();
  }
}
