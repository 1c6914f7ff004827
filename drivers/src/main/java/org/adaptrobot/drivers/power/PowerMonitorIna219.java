package org.adaptrobot.drivers.power;

import com.pi4j.context.Context;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.Health;
import org.adaptrobot.drivers.HealthTracker;
import org.adaptrobot.drivers.i2c.I2cRegisters;

/**
 * TI INA219 current and power monitor on I2C, configured for a 32 V bus range, ±320 mV shunt range
 * (PGA /8), 12-bit conversions and continuous shunt and bus measurement. The calibration register
 * follows datasheet §8.5.1: Current_LSB = I_max / 2^15, Cal = trunc(0.04096 / (Current_LSB ·
 * R_shunt)), Power_LSB = 20 · Current_LSB.
 */
public final class PowerMonitorIna219 implements AutoCloseable {

  public static final int DEFAULT_ADDRESS = 0x40;
  static final int CONFIGURATION = 0x00;
  static final int SHUNT_VOLTAGE = 0x01;
  static final int BUS_VOLTAGE = 0x02;
  static final int POWER = 0x03;
  static final int CURRENT = 0x04;
  static final int CALIBRATION = 0x05;

  /** Configuration after a reset (datasheet Table 6), used as the identity check. */
  static final int RESET_CONFIGURATION = 0x399F;

  static final int RESET_BIT = 0x8000;

  /** BRNG = 32 V, PG = /8 (±320 mV), BADC = SADC = 12 bit, mode = shunt and bus, continuous. */
  static final int OPERATING_CONFIGURATION = 0x399F;

  static final double SHUNT_LSB_VOLTS = 10e-6;
  static final double BUS_LSB_VOLTS = 4e-3;
  static final double SHUNT_FULL_SCALE_VOLTS = 0.32;

  /**
   * Configuration.
   *
   * @param name configured name
   * @param bus I2C bus
   * @param address 0x40..0x4F
   * @param shuntOhms shunt resistance, Ω
   * @param maxCurrentAmps largest current to measure, A (sets the resolution)
   */
  public record Config(String name, int bus, int address, double shuntOhms, double maxCurrentAmps) {
    public Config {
      if (address < 0x40 || address > 0x4F) {
        throw new IllegalArgumentException(
            "INA219 address must be 0x40..0x4F, got 0x" + Integer.toHexString(address));
      }
      if (!(shuntOhms > 0) || !(maxCurrentAmps > 0)) {
        throw new IllegalArgumentException(
            "INA219 shunt resistance and maximum current must be positive, got "
                + shuntOhms
                + " Ω and "
                + maxCurrentAmps
                + " A");
      }
      if (maxCurrentAmps * shuntOhms > SHUNT_FULL_SCALE_VOLTS * (1 + 1e-9)) {
        throw new IllegalArgumentException(
            String.format(
                "INA219: %.3g A through %.3g Ω drops %.3g V, above the 0.32 V shunt range",
                maxCurrentAmps, shuntOhms, maxCurrentAmps * shuntOhms));
      }
    }
  }

  /** The calibration derived from a configuration. */
  public record Calibration(double currentLsbAmps, double powerLsbWatts, int register) {
    /** The finest resolution for the configured maximum current: LSB = I_max / 2^15. */
    public static Calibration of(Config c) {
      return forLsb(c.maxCurrentAmps() / 32768.0, c.shuntOhms());
    }

    /** Calibration for a chosen current LSB (A) and shunt (Ω). */
    public static Calibration forLsb(double currentLsb, double shuntOhms) {
      int cal = (int) Math.floor(0.04096 / (currentLsb * shuntOhms) + 1e-9);
      if (cal < 1 || cal > 0xFFFE) {
        throw new IllegalArgumentException(
            "INA219 calibration "
                + cal
                + " for "
                + shuntOhms
                + " Ω and a current LSB of "
                + currentLsb
                + " A is out of range");
      }
      cal &= 0xFFFE; // bit 0 is not used
      return new Calibration(currentLsb, 20.0 * currentLsb, cal);
    }
  }

  /** One reading, overwritten in place. */
  public static final class Reading {
    /** Voltage of the bus (load side), V. */
    public double busVolts;

    /** Voltage across the shunt, V. */
    public double shuntVolts;

    /** Current, A (positive from IN+ to IN−). */
    public double currentAmps;

    /** Power, W. */
    public double powerWatts;

    /** True when the math overflowed: current and power are then NaN. */
    public boolean overflow;

    /** Clock time of the read, ns. */
    public long timestampNanos = Long.MIN_VALUE;
  }

  private final Config config;
  private final Calibration calibration;
  private final I2cRegisters regs;
  private final LongSupplier clock;
  private final HealthTracker health = new HealthTracker();
  private final byte[] word = new byte[2];

  public PowerMonitorIna219(Context pi4j, Config config, LongSupplier clockNanos) {
    this.config = config;
    this.calibration = Calibration.of(config);
    this.clock = clockNanos;
    this.regs = new I2cRegisters(pi4j, "ina219", config.name(), config.bus(), config.address());
  }

  public String description() {
    return regs.description();
  }

  public Health health() {
    return health.health();
  }

  public Calibration calibration() {
    return calibration;
  }

  /** Resets the chip, checks the reset configuration, then writes configuration and calibration. */
  public void initialise() {
    try {
      regs.writeWord(CONFIGURATION, RESET_BIT, word);
      int afterReset = regs.readWord(CONFIGURATION, word);
      if (afterReset != RESET_CONFIGURATION) {
        throw new DeviceException(
            DeviceException.Kind.IDENTITY,
            regs.description(),
            String.format(
                "configuration (0x%02X) reads 0x%04X after a reset, an INA219 reads 0x%04X",
                CONFIGURATION, afterReset, RESET_CONFIGURATION));
      }
      regs.writeWord(CONFIGURATION, OPERATING_CONFIGURATION, word);
      regs.writeWord(CALIBRATION, calibration.register(), word);
      int readBack = regs.readWord(CALIBRATION, word);
      if (readBack != calibration.register()) {
        throw new DeviceException(
            DeviceException.Kind.IO,
            regs.description(),
            String.format(
                "calibration (0x%02X) reads back 0x%04X after writing 0x%04X",
                CALIBRATION, readBack, calibration.register()));
      }
      health.succeeded();
    } catch (DeviceException e) {
      health.reset();
      throw e;
    }
  }

  /** Reads bus and shunt voltage, current and power into {@code out}; allocates nothing. */
  public void read(Reading out) {
    try {
      int bus = regs.readWord(BUS_VOLTAGE, word);
      int shunt = (short) regs.readWord(SHUNT_VOLTAGE, word);
      int current = (short) regs.readWord(CURRENT, word);
      int power = regs.readWord(POWER, word);
      out.busVolts = (bus >> 3) * BUS_LSB_VOLTS;
      out.shuntVolts = shunt * SHUNT_LSB_VOLTS;
      out.overflow = (bus & 0x1) != 0;
      out.currentAmps = out.overflow ? Double.NaN : current * calibration.currentLsbAmps();
      out.powerWatts = out.overflow ? Double.NaN : power * calibration.powerLsbWatts();
      out.timestampNanos = clock.getAsLong();
      if (out.overflow) {
        health.failed();
      } else {
        health.succeeded();
      }
    } catch (DeviceException e) {
      health.failed();
      throw e;
    }
  }

  @Override
  public void close() {
    regs.close();
  }
}
