package org.adaptrobot.drivers.imu;

import com.pi4j.context.Context;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.Health;
import org.adaptrobot.drivers.HealthTracker;
import org.adaptrobot.drivers.i2c.I2cRegisters;

/**
 * InvenSense MPU-6050 six-axis IMU on I2C. Wakes the chip with the X-gyro PLL as clock, sets the
 * sample-rate divider, digital low-pass filter and full-scale ranges, checks WHO_AM_I, and reads
 * accelerometer, temperature and gyro in one 14-byte burst, scaled to m/s², °C and rad/s.
 */
public final class ImuMpu6050 implements AutoCloseable {

  public static final int DEFAULT_ADDRESS = 0x68;
  static final int SMPLRT_DIV = 0x19;
  static final int CONFIG = 0x1A;
  static final int GYRO_CONFIG = 0x1B;
  static final int ACCEL_CONFIG = 0x1C;
  static final int ACCEL_XOUT_H = 0x3B;
  static final int PWR_MGMT_1 = 0x6B;
  static final int WHO_AM_I = 0x75;

  /** WHO_AM_I holds the 6-bit address 0x68 whatever the AD0 pin. */
  static final int IDENTITY = 0x68;

  static final double STANDARD_GRAVITY = 9.80665;

  /** Accelerometer full scale; {@code lsbPerG} from the register map. */
  public enum AccelRange {
    G2(2, 0, 16384),
    G4(4, 1, 8192),
    G8(8, 2, 4096),
    G16(16, 3, 2048);

    final int g;
    final int bits;
    final double lsbPerG;

    AccelRange(int g, int bits, double lsbPerG) {
      this.g = g;
      this.bits = bits;
      this.lsbPerG = lsbPerG;
    }

    public static AccelRange ofG(int g) {
      for (AccelRange r : values()) {
        if (r.g == g) {
          return r;
        }
      }
      throw new IllegalArgumentException("accelerometer range must be 2, 4, 8 or 16 g, got " + g);
    }
  }

  /** Gyroscope full scale; {@code lsbPerDps} from the register map. */
  public enum GyroRange {
    DPS250(250, 0, 131.0),
    DPS500(500, 1, 65.5),
    DPS1000(1000, 2, 32.8),
    DPS2000(2000, 3, 16.4);

    final int dps;
    final int bits;
    final double lsbPerDps;

    GyroRange(int dps, int bits, double lsbPerDps) {
      this.dps = dps;
      this.bits = bits;
      this.lsbPerDps = lsbPerDps;
    }

    public static GyroRange ofDps(int dps) {
      for (GyroRange r : values()) {
        if (r.dps == dps) {
          return r;
        }
      }
      throw new IllegalArgumentException(
          "gyro range must be 250, 500, 1000 or 2000 °/s, got " + dps);
    }
  }

  /**
   * Configuration.
   *
   * @param name configured name
   * @param bus I2C bus number
   * @param address 0x68 or 0x69 (AD0 high)
   * @param accelRange accelerometer full scale
   * @param gyroRange gyro full scale
   * @param lowPassFilter DLPF_CFG 0..6 (0: 260 Hz accel bandwidth ... 6: 5 Hz)
   * @param sampleRateDivider sample rate = gyro output rate / (1 + divider), 0..255
   */
  public record Config(
      String name,
      int bus,
      int address,
      AccelRange accelRange,
      GyroRange gyroRange,
      int lowPassFilter,
      int sampleRateDivider) {
    public Config {
      if (address != 0x68 && address != 0x69) {
        throw new IllegalArgumentException(
            "MPU-6050 address must be 0x68 or 0x69, got 0x" + Integer.toHexString(address));
      }
      if (lowPassFilter < 0 || lowPassFilter > 6) {
        throw new IllegalArgumentException("DLPF setting must be 0..6, got " + lowPassFilter);
      }
      if (sampleRateDivider < 0 || sampleRateDivider > 255) {
        throw new IllegalArgumentException(
            "sample-rate divider must be 0..255, got " + sampleRateDivider);
      }
    }

    public static Config defaults(String name, int bus) {
      return new Config(name, bus, DEFAULT_ADDRESS, AccelRange.G4, GyroRange.DPS500, 3, 0);
    }
  }

  /** One reading, overwritten in place by {@link #read}. */
  public static final class Reading {
    /** Specific force along x, y, z, m/s². */
    public final double[] accelerationMps2 = new double[3];

    /** Angular rate about x, y, z with the calibrated bias removed, rad/s. */
    public final double[] angularRateRadps = new double[3];

    /** Die temperature, °C. */
    public double temperatureCelsius;

    /** Clock time at which the burst read completed, ns. */
    public long timestampNanos = Long.MIN_VALUE;
  }

  private final Config config;
  private final I2cRegisters regs;
  private final LongSupplier clock;
  private final HealthTracker health = new HealthTracker();
  private final byte[] burst = new byte[14];
  private final double[] gyroBias = new double[3];
  private final double accelScale;
  private final double gyroScale;

  public ImuMpu6050(Context pi4j, Config config, LongSupplier clockNanos) {
    this.config = config;
    this.clock = clockNanos;
    this.regs = new I2cRegisters(pi4j, "mpu6050", config.name(), config.bus(), config.address());
    this.accelScale = STANDARD_GRAVITY / config.accelRange().lsbPerG;
    this.gyroScale = Math.toRadians(1.0) / config.gyroRange().lsbPerDps;
  }

  public String description() {
    return regs.description();
  }

  public Health health() {
    return health.health();
  }

  /** Checks identity, wakes the chip and writes the configuration. */
  public void initialise() {
    try {
      int who = regs.read(WHO_AM_I);
      if ((who & 0x7E) != IDENTITY) {
        throw new DeviceException(
            DeviceException.Kind.IDENTITY,
            regs.description(),
            String.format(
                "WHO_AM_I (0x%02X) reads 0x%02X, expected 0x%02X", WHO_AM_I, who, IDENTITY));
      }
      regs.write(PWR_MGMT_1, 0x01); // out of sleep, clock from the X gyro PLL
      regs.write(SMPLRT_DIV, config.sampleRateDivider());
      regs.write(CONFIG, config.lowPassFilter());
      regs.write(GYRO_CONFIG, config.gyroRange().bits << 3);
      regs.write(ACCEL_CONFIG, config.accelRange().bits << 3);
      int check = regs.read(ACCEL_CONFIG);
      if (((check >> 3) & 3) != config.accelRange().bits) {
        throw new DeviceException(
            DeviceException.Kind.IO,
            regs.description(),
            String.format(
                "ACCEL_CONFIG (0x%02X) reads back 0x%02X after writing 0x%02X",
                ACCEL_CONFIG, check, config.accelRange().bits << 3));
      }
      health.succeeded();
    } catch (DeviceException e) {
      health.reset();
      throw e;
    }
  }

  /** Reads all axes and the temperature in one burst into {@code out}; allocates nothing. */
  public void read(Reading out) {
    try {
      regs.read(ACCEL_XOUT_H, burst, 14);
    } catch (DeviceException e) {
      health.failed();
      throw e;
    }
    long now = clock.getAsLong();
    for (int k = 0; k < 3; k++) {
      out.accelerationMps2[k] = word(2 * k) * accelScale;
      out.angularRateRadps[k] = word(8 + 2 * k) * gyroScale - gyroBias[k];
    }
    out.temperatureCelsius = word(6) / 340.0 + 36.53;
    out.timestampNanos = now;
    health.succeeded();
  }

  private int word(int offset) {
    return (short) (((burst[offset] & 0xFF) << 8) | (burst[offset + 1] & 0xFF));
  }

  /**
   * Averages {@code samples} gyro readings taken while the robot stands still and subtracts the
   * mean from later readings. Calls {@code waitBetweenSamples} between reads (a sleep on the robot,
   * a simulation step in lockstep).
   *
   * @return the bias, rad/s
   */
  public double[] calibrateGyroBias(int samples, Runnable waitBetweenSamples) {
    if (samples < 1) {
      throw new IllegalArgumentException("calibration needs at least one sample, got " + samples);
    }
    java.util.Arrays.fill(gyroBias, 0.0);
    double[] sum = new double[3];
    Reading r = new Reading();
    for (int i = 0; i < samples; i++) {
      read(r);
      for (int k = 0; k < 3; k++) {
        sum[k] += r.angularRateRadps[k];
      }
      waitBetweenSamples.run();
    }
    for (int k = 0; k < 3; k++) {
      gyroBias[k] = sum[k] / samples;
    }
    return gyroBias.clone();
  }

  @Override
  public void close() {
    regs.close();
  }
}
