package org.adaptrobot.drivers.hardware;

import java.util.List;
import java.util.Optional;

/**
 * The robot's hardware as described in its YAML file: geometry, I2C devices, motors, encoders and
 * an optional range sensor. Built by {@link HardwareDescription}, which checks it completely.
 *
 * @param name robot name
 * @param wheelRadiusMetres drive wheel radius, m
 * @param trackWidthMetres distance between the wheel contact points, m
 * @param i2cDevices every I2C chip
 * @param left left motor and encoder
 * @param right right motor and encoder
 * @param range ultrasonic range sensor, if fitted
 */
public record RobotHardware(
    String name,
    double wheelRadiusMetres,
    double trackWidthMetres,
    List<I2cDevice> i2cDevices,
    Side left,
    Side right,
    Optional<Range> range) {

  /** Chip families the drivers support. */
  public enum ChipType {
    MPU6050("mpu6050"),
    INA219("ina219"),
    PCA9685("pca9685");

    public final String id;

    ChipType(String id) {
      this.id = id;
    }
  }

  /**
   * One I2C chip. Settings not used by a chip type are left at their defaults.
   *
   * @param type chip family
   * @param name unique name, referenced by motors
   * @param bus I2C bus number
   * @param address 7-bit address
   * @param accelRangeG MPU-6050 accelerometer range
   * @param gyroRangeDps MPU-6050 gyro range
   * @param lowPassFilter MPU-6050 DLPF setting
   * @param sampleRateDivider MPU-6050 sample-rate divider
   * @param shuntOhms INA219 shunt resistance
   * @param maxCurrentAmps INA219 maximum current
   * @param frequencyHz PCA9685 PWM frequency
   */
  public record I2cDevice(
      ChipType type,
      String name,
      int bus,
      int address,
      int accelRangeG,
      int gyroRangeDps,
      int lowPassFilter,
      int sampleRateDivider,
      double shuntOhms,
      double maxCurrentAmps,
      double frequencyHz) {}

  /** Motor-driver families. */
  public enum MotorDriverType {
    TB6612("tb6612"),
    L298N("l298n");

    public final String id;

    MotorDriverType(String id) {
      this.id = id;
    }
  }

  /**
   * Where a motor's PWM comes from: a PCA9685 channel, or a Pi hardware-PWM pin.
   *
   * @param device PCA9685 name, or null for a Pi pin
   * @param channel PCA9685 channel, or -1
   * @param pin BCM pin for Pi hardware PWM, or -1
   */
  public record PwmSource(String device, int channel, int pin) {}

  /**
   * One side of the drive: motor, its driver wiring and its encoder.
   *
   * @param driver H-bridge family
   * @param pwm PWM source
   * @param in1 BCM pin of IN1
   * @param in2 BCM pin of IN2
   * @param standby BCM pin of STBY (TB6612; may be shared by both sides), or -1
   * @param motorInverted motor wired the other way round
   * @param brakeOnStop short-brake on a zero command (else coast)
   * @param encoderA BCM pin of encoder channel A
   * @param encoderB BCM pin of encoder channel B
   * @param countsPerRevolution encoder edges per wheel revolution (4x decoding)
   * @param encoderInverted count the other way
   */
  public record Side(
      MotorDriverType driver,
      PwmSource pwm,
      int in1,
      int in2,
      int standby,
      boolean motorInverted,
      boolean brakeOnStop,
      int encoderA,
      int encoderB,
      int countsPerRevolution,
      boolean encoderInverted) {}

  /**
   * HC-SR04 wiring.
   *
   * @param trigger BCM pin of TRIG
   * @param echo BCM pin of ECHO
   */
  public record Range(int trigger, int echo) {}

  /** The first I2C device of a type, if any. */
  public Optional<I2cDevice> first(ChipType type) {
    return i2cDevices.stream().filter(d -> d.type() == type).findFirst();
  }

  /** The I2C device with this name. */
  public Optional<I2cDevice> device(String deviceName) {
    return i2cDevices.stream().filter(d -> d.name().equals(deviceName)).findFirst();
  }
}
