package org.adaptrobot.sim.sil;

import com.pi4j.context.Context;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.RobotHardware.ChipType;
import org.adaptrobot.drivers.hardware.RobotHardware.I2cDevice;
import org.adaptrobot.drivers.hardware.RobotHardware.Side;
import org.adaptrobot.sim.chips.SimulatedHcSr04;
import org.adaptrobot.sim.chips.SimulatedIna219;
import org.adaptrobot.sim.chips.SimulatedMpu6050;
import org.adaptrobot.sim.chips.SimulatedPca9685;
import org.adaptrobot.sim.chips.SimulatedQuadratureEncoder;
import org.adaptrobot.sim.physics.Battery;
import org.adaptrobot.sim.physics.DcMotor;
import org.adaptrobot.sim.physics.DiffDrivePhysics;
import org.adaptrobot.sim.physics.DiffDrivePhysics.BridgeMode;
import org.adaptrobot.sim.pi4j.SimClock;
import org.adaptrobot.sim.pi4j.SimulatedPi;

/**
 * The software-in-the-loop robot: the differential-drive physics behind the simulated Pi4J devices
 * of its hardware description, so software sees it only through the real drivers. Time advances
 * only when {@link #advance} is called (lockstep): the H-bridge outputs the drivers set (PCA9685
 * duty, IN1/IN2, STBY) become motor voltages, the physics runs, and the sensors' registers and
 * encoder edges are updated for the drivers to read.
 */
public final class SilRobot implements AutoCloseable {

  private static final double WALL_DISTANCE_METRES = 3.0;

  private final RobotHardware hardware;
  private final Side[] sides;
  private final SimClock clock = new SimClock();
  private final SimulatedPi pi = new SimulatedPi(clock);
  private final DiffDrivePhysics physics;
  private final SimulatedMpu6050 imu;
  private final SimulatedIna219 battery;
  private final SimulatedPca9685 pwm;
  private final SimulatedQuadratureEncoder[] encoders = new SimulatedQuadratureEncoder[2];
  private final SimulatedHcSr04 range;
  private final double[] specificForce = new double[3];
  private final double[] angularRate = new double[3];
  private double temperatureCelsius = 30.0;

  public SilRobot(
      RobotHardware hardware, DiffDrivePhysics.Parameters parameters, Battery pack, long seed) {
    this.hardware = hardware;
    this.sides = new Side[] {hardware.left(), hardware.right()};
    this.physics = new DiffDrivePhysics(parameters, DcMotor.referenceGearMotor(), pack);
    physics.reset(0, 0, 0);
    I2cDevice imuDevice = hardware.first(ChipType.MPU6050).orElse(null);
    imu =
        imuDevice == null
            ? null
            : pi.attach(
                imuDevice.bus(), imuDevice.address(), new SimulatedMpu6050(imuDevice.name(), seed));
    I2cDevice bat = hardware.first(ChipType.INA219).orElse(null);
    battery =
        bat == null
            ? null
            : pi.attach(
                bat.bus(),
                bat.address(),
                new SimulatedIna219(bat.name(), bat.shuntOhms(), seed + 1));
    I2cDevice pca = hardware.first(ChipType.PCA9685).orElse(null);
    pwm =
        pca == null ? null : pi.attach(pca.bus(), pca.address(), new SimulatedPca9685(pca.name()));
    for (int k = 0; k < 2; k++) {
      encoders[k] =
          new SimulatedQuadratureEncoder(
              pi,
              sides[k].encoderA(),
              sides[k].encoderB(),
              sides[k].countsPerRevolution(),
              seed + 2 + k);
    }
    range =
        hardware
            .range()
            .map(
                r -> {
                  SimulatedHcSr04 s = new SimulatedHcSr04(pi, r.trigger(), r.echo(), 20.0);
                  s.distance(WALL_DISTANCE_METRES);
                  return s;
                })
            .orElse(null);
    updateSensors();
  }

  /** The reference robot's physics with a battery at the given state of charge. */
  public static SilRobot reference(RobotHardware hardware, double stateOfCharge, long seed) {
    return new SilRobot(
        hardware,
        DiffDrivePhysics.Parameters.reference(),
        Battery.referencePack(stateOfCharge),
        seed);
  }

  /** The Pi4J context to open the drivers on. */
  public Context context() {
    return pi.context();
  }

  /** Simulated time, for the drivers' timestamps. */
  public SimClock clock() {
    return clock;
  }

  public SimulatedPi pi() {
    return pi;
  }

  public DiffDrivePhysics physics() {
    return physics;
  }

  /** The simulated I2C chip with this configured name, or null (allocates nothing). */
  public org.adaptrobot.sim.pi4j.RegisterFile chip(String name) {
    if (imu != null && imu.name().equals(name)) {
      return imu;
    }
    if (battery != null && battery.name().equals(name)) {
      return battery;
    }
    if (pwm != null && pwm.name().equals(name)) {
      return pwm;
    }
    return null;
  }

  public SimulatedMpu6050 imu() {
    return imu;
  }

  public SimulatedIna219 batteryMonitor() {
    return battery;
  }

  public SimulatedQuadratureEncoder encoder(int side) {
    return encoders[side];
  }

  public SimulatedHcSr04 range() {
    return range;
  }

  /** Advances simulated time by {@code seconds}: actuators → physics → sensors. */
  public void advance(double seconds) {
    applyBridges();
    long start = clock.nowNanos();
    long end = start + Math.round(seconds * 1e9);
    physics.advance(seconds);
    for (int k = 0; k < 2; k++) {
      // a mirrored motor turns its shaft backwards when the wheel goes forward
      double shaft = physics.wheelAngle(k) * (sides[k].motorInverted() ? -1 : 1);
      encoders[k].moveTo(shaft, end);
    }
    clock.advanceTo(end);
    updateSensors();
  }

  private void applyBridges() {
    for (int k = 0; k < 2; k++) {
      Side s = sides[k];
      double duty =
          s.pwm().device() != null
              ? pwm.duty(s.pwm().channel())
              : pi.hardwarePwmDuty(s.pwm().pin());
      boolean in1 = pi.output(s.in1());
      boolean in2 = pi.output(s.in2());
      boolean awake = s.standby() < 0 || pi.output(s.standby());
      double sign = s.motorInverted() ? -1 : 1;
      BridgeMode mode;
      double signed = 0;
      switch (s.driver()) {
        case TB6612 -> {
          if (!awake || (!in1 && !in2)) {
            mode = BridgeMode.COAST;
          } else if (in1 && in2) {
            mode = BridgeMode.BRAKE;
          } else {
            mode = BridgeMode.DRIVE;
            signed = (in1 ? duty : -duty) * sign;
          }
        }
        case L298N -> {
          if (duty == 0) {
            mode = BridgeMode.COAST;
          } else if (in1 == in2) {
            mode = BridgeMode.BRAKE;
          } else {
            mode = BridgeMode.DRIVE;
            signed = (in1 ? duty : -duty) * sign;
          }
        }
        default -> throw new IllegalStateException("unknown driver " + s.driver());
      }
      physics.bridge(k, mode, signed);
    }
  }

  private void updateSensors() {
    if (imu != null) {
      double v = physics.forwardSpeed();
      double w = physics.yawRate();
      specificForce[0] = physics.forwardAcceleration();
      specificForce[1] = v * w; // centripetal, towards the centre of the turn
      specificForce[2] = DiffDrivePhysics.GRAVITY;
      angularRate[0] = 0;
      angularRate[1] = 0;
      angularRate[2] = w;
      imu.measure(specificForce, angularRate, temperatureCelsius);
    }
    if (battery != null) {
      battery.measure(physics.batteryVolts(), physics.batteryCurrent());
    }
  }

  @Override
  public void close() {
    pi.close();
  }
}
