package org.adaptrobot.sim.chips;

import java.util.SplittableRandom;
import org.adaptrobot.sim.pi4j.DeviceFault;
import org.adaptrobot.sim.pi4j.RegisterFile;

/**
 * Register-level MPU-6050: powers up asleep (PWR_MGMT_1 = 0x40) with WHO_AM_I = 0x68, measurement
 * registers read-only and zero while asleep, burst reads auto-incrementing. The simulation sets the
 * body's specific force, angular rate and die temperature; they are converted to raw counts with
 * the full-scale ranges the driver programmed, saturating at the 16-bit limits.
 */
public final class SimulatedMpu6050 extends RegisterFile {

  static final int SMPLRT_DIV = 0x19;
  static final int CONFIG = 0x1A;
  static final int GYRO_CONFIG = 0x1B;
  static final int ACCEL_CONFIG = 0x1C;
  static final int ACCEL_XOUT_H = 0x3B;
  static final int TEMP_OUT_H = 0x41;
  static final int GYRO_XOUT_H = 0x43;
  static final int PWR_MGMT_1 = 0x6B;
  static final int WHO_AM_I = 0x75;
  private static final double G = 9.80665;
  private static final double[] GYRO_LSB_PER_DPS = {131.0, 65.5, 32.8, 16.4};

  private final int identity;
  private final SplittableRandom random;
  private double noiseAccel = 0.05;
  private double noiseGyro = 0.005;
  private final double[] gyroBias = new double[3];

  public SimulatedMpu6050(String name, long seed) {
    this(name, 0x68, seed);
  }

  /** A chip whose WHO_AM_I reads {@code identity} (0x70 is an MPU-6500, for example). */
  public SimulatedMpu6050(String name, int identity, long seed) {
    super(name);
    this.identity = identity;
    this.random = new SplittableRandom(seed);
    readOnly(WHO_AM_I);
    for (int r = ACCEL_XOUT_H; r < GYRO_XOUT_H + 6; r++) {
      readOnly(r);
    }
    reset();
  }

  @Override
  protected void reset() {
    java.util.Arrays.fill(registers, (byte) 0);
    set(PWR_MGMT_1, 0x40);
    set(WHO_AM_I, identity);
  }

  @Override
  protected void written(int register, int value) {
    if (register == PWR_MGMT_1 && (value & 0x80) != 0) {
      reset(); // DEVICE_RESET
    }
  }

  /** Standard deviation of the extra noise while the {@code NOISY} fault is set (m/s², rad/s). */
  public void noise(double accelMps2, double gyroRadps) {
    this.noiseAccel = accelMps2;
    this.noiseGyro = gyroRadps;
  }

  /** A constant gyro offset the chip adds, rad/s (for calibration tests). */
  public void gyroBias(double x, double y, double z) {
    gyroBias[0] = x;
    gyroBias[1] = y;
    gyroBias[2] = z;
  }

  public boolean asleep() {
    return (peek(PWR_MGMT_1) & 0x40) != 0;
  }

  /** Accelerometer LSB per g for the programmed range. */
  public double accelLsbPerG() {
    return 16384.0 / (1 << ((peek(ACCEL_CONFIG) >> 3) & 3));
  }

  /** Gyro LSB per °/s for the programmed range. */
  public double gyroLsbPerDps() {
    return GYRO_LSB_PER_DPS[(peek(GYRO_CONFIG) >> 3) & 3];
  }

  /**
   * Sets the measurements: specific force (m/s², what an accelerometer senses, gravity included),
   * angular rate (rad/s) and die temperature (°C).
   */
  public synchronized void measure(
      double[] specificForceMps2, double[] angularRateRadps, double temperatureCelsius) {
    if (!measurementsLive() || asleep()) {
      return;
    }
    boolean noisy = fault() == DeviceFault.NOISY;
    double aScale = accelLsbPerG() / G;
    double gScale = gyroLsbPerDps() * 180.0 / Math.PI;
    for (int k = 0; k < 3; k++) {
      double a = specificForceMps2[k] + (noisy ? noiseAccel * random.nextGaussian() : 0);
      double w =
          angularRateRadps[k] + gyroBias[k] + (noisy ? noiseGyro * random.nextGaussian() : 0);
      setWord(ACCEL_XOUT_H + 2 * k, saturate(a * aScale));
      setWord(GYRO_XOUT_H + 2 * k, saturate(w * gScale));
    }
    setWord(TEMP_OUT_H, saturate((temperatureCelsius - 36.53) * 340.0));
  }

  private static int saturate(double v) {
    long r = Math.round(v);
    return (int) Math.max(-32768, Math.min(32767, r)) & 0xFFFF;
  }
}
