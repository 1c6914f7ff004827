package org.adaptrobot.sim.sil;

import com.pi4j.context.Context;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.SimulatedHardware;
import org.adaptrobot.sim.physics.DiffDrivePhysics;

/** Offers the {@link SilRobot} to the runtime as {@link SimulatedHardware}. */
public final class SilHardwareProvider implements SimulatedHardware.Provider {

  @Override
  public SimulatedHardware create(RobotHardware hardware, long seed) {
    return robot(hardware, seed);
  }

  /**
   * The reference robot with the description's wheels, as {@code robot run --sim} builds it: the
   * same seed gives the same robot (the hardware-in-the-loop simulator builds it this way too).
   */
  public static Adapter robot(RobotHardware hardware, long seed) {
    DiffDrivePhysics.Parameters p = DiffDrivePhysics.Parameters.reference();
    p =
        new DiffDrivePhysics.Parameters(
            hardware.wheelRadiusMetres(),
            hardware.trackWidthMetres(),
            p.baseMass(),
            p.payloadMass(),
            p.baseYawInertia(),
            p.payloadRadiusOfGyration(),
            p.wheelInertia(),
            p.traction(),
            p.rollingResistance(),
            p.viscousDrag(),
            p.viscousYawDrag(),
            p.leftTorqueFactor(),
            p.rightTorqueFactor(),
            p.logicCurrent());
    SilRobot robot =
        new SilRobot(hardware, p, org.adaptrobot.sim.physics.Battery.referencePack(0.9), seed);
    return new Adapter(robot);
  }

  /** The SIL robot seen through the runtime's interface. */
  public static final class Adapter implements SimulatedHardware {
    private final SilRobot robot;

    Adapter(SilRobot robot) {
      this.robot = robot;
    }

    public SilRobot robot() {
      return robot;
    }

    @Override
    public Context context() {
      return robot.context();
    }

    @Override
    public LongSupplier clock() {
      return robot.clock();
    }

    @Override
    public void advance(double seconds) {
      robot.advance(seconds);
    }

    @Override
    public void set(String parameter, double value) {
      DiffDrivePhysics physics = robot.physics();
      DiffDrivePhysics.Parameters p = physics.parameters();
      switch (parameter) {
        case "payload_kg" -> physics.parameters(p.withPayload(value));
        case "traction_mu" -> physics.parameters(p.withFloor(value, p.rollingResistance()));
        case "rolling_resistance" -> physics.parameters(p.withFloor(p.traction(), value));
        case "left_torque_factor" ->
            physics.parameters(p.withTorqueFactors(value, p.rightTorqueFactor()));
        case "right_torque_factor" ->
            physics.parameters(p.withTorqueFactors(p.leftTorqueFactor(), value));
        case "battery_soc" -> physics.battery().stateOfCharge(value);
        default ->
            throw new IllegalArgumentException(
                "unknown simulation parameter '"
                    + parameter
                    + "'; expected payload_kg, traction_mu, rolling_resistance, left_torque_factor,"
                    + " right_torque_factor or battery_soc");
      }
    }

    private static final java.util.Map<String, org.adaptrobot.sim.pi4j.DeviceFault> FAULTS =
        java.util.Arrays.stream(org.adaptrobot.sim.pi4j.DeviceFault.values())
            .collect(
                java.util.stream.Collectors.toUnmodifiableMap(
                    d -> d.name().toLowerCase(java.util.Locale.ROOT), d -> d));

    @Override
    public void fault(String device, String fault) {
      // looked up without allocating: a test may flap a fault on the loop thread every step
      org.adaptrobot.sim.pi4j.DeviceFault f = FAULTS.get(fault);
      if (f == null) {
        throw new IllegalArgumentException(
            "unknown fault '"
                + fault
                + "'; expected none, no_acknowledge, io_error, stuck or noisy");
      }
      org.adaptrobot.sim.pi4j.RegisterFile chip = robot.chip(device);
      if (chip == null) {
        throw new IllegalArgumentException("no simulated I2C device is named '" + device + "'");
      }
      chip.fault(f);
    }

    @Override
    public double truth(String quantity) {
      DiffDrivePhysics p = robot.physics();
      return switch (quantity) {
        case "forward_speed" -> p.forwardSpeed();
        case "yaw_rate" -> p.yawRate();
        case "x" -> p.x();
        case "y" -> p.y();
        case "heading" -> p.heading();
        case "battery_volts" -> p.batteryVolts();
        case "motor_duty_left" ->
            p.bridgeMode(0) == DiffDrivePhysics.BridgeMode.DRIVE ? p.bridgeDuty(0) : 0.0;
        case "motor_duty_right" ->
            p.bridgeMode(1) == DiffDrivePhysics.BridgeMode.DRIVE ? p.bridgeDuty(1) : 0.0;
        case "motor_braking_left" ->
            p.bridgeMode(0) == DiffDrivePhysics.BridgeMode.BRAKE ? 1.0 : 0.0;
        case "motor_braking_right" ->
            p.bridgeMode(1) == DiffDrivePhysics.BridgeMode.BRAKE ? 1.0 : 0.0;
        default -> throw new IllegalArgumentException("unknown quantity '" + quantity + "'");
      };
    }

    @Override
    public void close() {
      robot.close();
    }
  }
}
