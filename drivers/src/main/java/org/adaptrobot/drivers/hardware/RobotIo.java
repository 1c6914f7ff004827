package org.adaptrobot.drivers.hardware;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.pwm.Pwm;
import com.pi4j.io.pwm.PwmType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.encoder.QuadratureEncoder;
import org.adaptrobot.drivers.hardware.RobotHardware.ChipType;
import org.adaptrobot.drivers.hardware.RobotHardware.I2cDevice;
import org.adaptrobot.drivers.hardware.RobotHardware.Side;
import org.adaptrobot.drivers.imu.ImuMpu6050;
import org.adaptrobot.drivers.motor.MotorDriver;
import org.adaptrobot.drivers.motor.MotorDriver.StopMode;
import org.adaptrobot.drivers.motor.MotorDriverL298n;
import org.adaptrobot.drivers.motor.MotorDriverTb6612;
import org.adaptrobot.drivers.power.PowerMonitorIna219;
import org.adaptrobot.drivers.pwm.PwmOutput;
import org.adaptrobot.drivers.pwm.PwmPca9685;
import org.adaptrobot.drivers.range.RangeSensorHcSr04;

/**
 * All of a differential-drive robot's devices, opened from its {@link RobotHardware} description on
 * a Pi4J context (real or simulated): one call reads every sensor, one call drives both motors.
 * Reads and writes allocate nothing.
 */
public final class RobotIo implements AutoCloseable {

  /** Every sensor's latest reading, overwritten in place by {@link #readSensors}. */
  public static final class SensorReadings {
    public final ImuMpu6050.Reading imu = new ImuMpu6050.Reading();
    public final PowerMonitorIna219.Reading battery = new PowerMonitorIna219.Reading();
    public final QuadratureEncoder.Reading left = new QuadratureEncoder.Reading();
    public final QuadratureEncoder.Reading right = new QuadratureEncoder.Reading();
    public final RangeSensorHcSr04.Reading range = new RangeSensorHcSr04.Reading();
  }

  private final RobotHardware hardware;
  private final ImuMpu6050 imu;
  private final PowerMonitorIna219 battery;
  private final Map<String, PwmPca9685> pwmChips = new HashMap<>();
  private final List<DigitalOutput> standbyLines = new ArrayList<>();
  private final MotorDriver leftMotor;
  private final MotorDriver rightMotor;
  private final QuadratureEncoder leftEncoder;
  private final QuadratureEncoder rightEncoder;
  private final RangeSensorHcSr04 range;

  private RobotIo(Context pi4j, RobotHardware hw, LongSupplier clock) {
    this.hardware = hw;
    I2cDevice imuDevice = hw.first(ChipType.MPU6050).orElse(null);
    this.imu =
        imuDevice == null
            ? null
            : new ImuMpu6050(
                pi4j,
                new ImuMpu6050.Config(
                    imuDevice.name(),
                    imuDevice.bus(),
                    imuDevice.address(),
                    ImuMpu6050.AccelRange.ofG(imuDevice.accelRangeG()),
                    ImuMpu6050.GyroRange.ofDps(imuDevice.gyroRangeDps()),
                    imuDevice.lowPassFilter(),
                    imuDevice.sampleRateDivider()),
                clock);
    I2cDevice bat = hw.first(ChipType.INA219).orElse(null);
    this.battery =
        bat == null
            ? null
            : new PowerMonitorIna219(
                pi4j,
                new PowerMonitorIna219.Config(
                    bat.name(), bat.bus(), bat.address(), bat.shuntOhms(), bat.maxCurrentAmps()),
                clock);
    for (I2cDevice d : hw.i2cDevices()) {
      if (d.type() == ChipType.PCA9685) {
        pwmChips.put(
            d.name(),
            new PwmPca9685(
                pi4j, new PwmPca9685.Config(d.name(), d.bus(), d.address(), d.frequencyHz())));
      }
    }
    Map<Integer, DigitalOutput> standby = new HashMap<>();
    this.leftMotor = motor(pi4j, "left", hw.left(), standby);
    this.rightMotor = motor(pi4j, "right", hw.right(), standby);
    standbyLines.addAll(standby.values());
    this.leftEncoder = encoder(pi4j, "left", hw.left(), clock);
    this.rightEncoder = encoder(pi4j, "right", hw.right(), clock);
    this.range =
        hw.range()
            .map(
                r ->
                    new RangeSensorHcSr04(
                        pi4j, RangeSensorHcSr04.Config.of("range", r.trigger(), r.echo()), clock))
            .orElse(null);
  }

  /** Opens every device (nothing is written to the chips yet). */
  public static RobotIo open(Context pi4j, RobotHardware hw, LongSupplier clockNanos) {
    return new RobotIo(pi4j, hw, clockNanos);
  }

  private MotorDriver motor(
      Context pi4j, String name, Side s, Map<Integer, DigitalOutput> standby) {
    PwmOutput pwm;
    if (s.pwm().device() != null) {
      pwm = PwmOutput.of(pwmChips.get(s.pwm().device()), s.pwm().channel());
    } else {
      Pwm hwPwm =
          pi4j.create(
              Pwm.newConfigBuilder(pi4j)
                  .id("motor-" + name + "-pwm")
                  .address(s.pwm().pin())
                  .pwmType(PwmType.HARDWARE)
                  .frequency(20_000)
                  .initial(0)
                  .shutdown(0)
                  .build());
      pwm = PwmOutput.of(hwPwm);
    }
    StopMode stop = s.brakeOnStop() ? StopMode.BRAKE : StopMode.COAST;
    return switch (s.driver()) {
      case TB6612 -> {
        DigitalOutput stby =
            s.standby() < 0
                ? null
                : standby.computeIfAbsent(
                    s.standby(),
                    pin -> org.adaptrobot.drivers.motor.Gpio.output(pi4j, "tb6612 standby", pin));
        yield new MotorDriverTb6612(
            pi4j,
            new MotorDriverTb6612.Config(
                name, s.in1(), s.in2(), s.standby(), s.motorInverted(), stop),
            pwm,
            stby);
      }
      case L298N ->
          new MotorDriverL298n(
              pi4j,
              new MotorDriverL298n.Config(name, s.in1(), s.in2(), s.motorInverted(), stop),
              pwm);
    };
  }

  private static QuadratureEncoder encoder(Context pi4j, String name, Side s, LongSupplier clock) {
    QuadratureEncoder.Config base =
        QuadratureEncoder.Config.of(name, s.encoderA(), s.encoderB(), s.countsPerRevolution());
    return new QuadratureEncoder(
        pi4j,
        new QuadratureEncoder.Config(
            name,
            s.encoderA(),
            s.encoderB(),
            s.countsPerRevolution(),
            s.encoderInverted(),
            base.glitchNanos(),
            base.highSpeedCounts(),
            base.stopTimeoutNanos()),
        clock);
  }

  public RobotHardware hardware() {
    return hardware;
  }

  /** Initialises every chip (identity checks included) and takes the H-bridges out of standby. */
  public void initialise() {
    if (imu != null) {
      imu.initialise();
    }
    if (battery != null) {
      battery.initialise();
    }
    for (PwmPca9685 chip : pwmChips.values()) {
      chip.initialise();
    }
    stop();
    for (DigitalOutput s : standbyLines) {
      s.high();
    }
  }

  /** Reads IMU, battery monitor, both encoders and the range sensor; allocates nothing. */
  public void readSensors(SensorReadings out) {
    if (imu != null) {
      imu.read(out.imu);
    }
    if (battery != null) {
      battery.read(out.battery);
    }
    leftEncoder.read(out.left);
    rightEncoder.read(out.right);
    if (range != null) {
      range.read(out.range);
    }
  }

  /** Commands both motors, each in [−1, 1]. */
  public void drive(double left, double right) {
    leftMotor.command(left);
    rightMotor.command(right);
  }

  /**
   * The safe state: both motors stopped in their configured stop mode. Tries both even if one
   * fails, then rethrows the first failure. Allocates nothing: the loop calls it every period while
   * the robot is inactive.
   */
  public void stop() {
    DeviceException first = null;
    try {
      leftMotor.command(0.0);
    } catch (DeviceException e) {
      first = e;
    }
    try {
      rightMotor.command(0.0);
    } catch (DeviceException e) {
      first = first == null ? e : first;
    }
    if (first != null) {
      throw first;
    }
  }

  public ImuMpu6050 imu() {
    return imu;
  }

  public PowerMonitorIna219 battery() {
    return battery;
  }

  public MotorDriver leftMotor() {
    return leftMotor;
  }

  public MotorDriver rightMotor() {
    return rightMotor;
  }

  public RangeSensorHcSr04 range() {
    return range;
  }

  @Override
  public void close() {
    try {
      stop();
    } finally {
      leftEncoder.close();
      rightEncoder.close();
      if (range != null) {
        range.close();
      }
    }
  }
}
