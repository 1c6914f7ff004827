package org.adaptrobot.sim.sil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.nio.file.Path;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.sim.physics.DcMotor;
import org.adaptrobot.sim.physics.DiffDrivePhysics;
import org.junit.jupiter.api.Test;

class SilRobotTest {

  static RobotHardware hardware() throws Exception {
    return HardwareDescription.load(Path.of("../src/examples/diffbot-hardware.yaml"));
  }

  /**
   * Straight driving at steady state, per wheel: K_t·i − τ_f = r·(c_v·v + μ_r·m·g)/2 with v = r·ω,
   * i = (d·V_t − K_e·ω)/R and V_t = V_oc − R_b·(2·d·i + I_logic). Linear in ω; solved here.
   */
  static double[] predictedSteadyState(
      DiffDrivePhysics.Parameters p, double duty, double openCircuit, double packResistance) {
    DcMotor m = DcMotor.referenceGearMotor();
    double r = p.wheelRadius();
    double g = DiffDrivePhysics.GRAVITY;
    double alpha = r * p.viscousDrag() * r / 2 / m.torqueConstant();
    double beta =
        (r * p.rollingResistance() * p.mass() * g / 2 + m.frictionTorque()) / m.torqueConstant();
    double omega =
        (duty * (openCircuit - packResistance * (2 * duty * beta + p.logicCurrent()))
                - m.resistanceOhms() * beta)
            / (m.backEmfConstant()
                + 2 * duty * duty * packResistance * alpha
                + m.resistanceOhms() * alpha);
    double current = alpha * omega + beta;
    double vt = openCircuit - packResistance * (2 * duty * current + p.logicCurrent());
    return new double[] {omega, current, vt};
  }

  @Test
  void drivenThroughTheDriversTheRobotReachesTheSpeedThePhysicsPredicts() throws Exception {
    try (SilRobot sil = SilRobot.reference(hardware(), 0.8, 1);
        RobotIo io =
            RobotIo.open(sil.context(), sil.pi() == null ? null : hardware(), sil.clock())) {
      io.initialise();
      io.drive(0.6, 0.6);
      RobotIo.SensorReadings r = new RobotIo.SensorReadings();
      double angleAt2s = 0;
      for (int i = 0; i < 300; i++) {
        sil.advance(0.01);
        io.readSensors(r);
        if (i == 199) {
          angleAt2s = r.left.positionRad;
        }
      }
      double encoderSpeedOverLastSecond = r.left.positionRad - angleAt2s;
      double duty = Math.round(0.6 * 4096) / 4096.0; // the PCA9685's 12-bit step
      double[] expected =
          predictedSteadyState(
              sil.physics().parameters(),
              duty,
              sil.physics().battery().openCircuitVolts(),
              sil.physics().battery().internalResistanceOhms());
      // the physics reaches the closed-form speed ...
      assertThat(sil.physics().wheelSpeed(0)).isCloseTo(expected[0], offset(1e-3 * expected[0]));
      // ... and the drivers see it: the encoder's angle over the last second to one count, its
      // speed over one 10 ms read to the ±1 count (~2 %) quantisation of 55 counts
      assertThat(encoderSpeedOverLastSecond).isCloseTo(expected[0], offset(2 * Math.PI / 1400 * 2));
      assertThat(r.left.velocityRadps).isCloseTo(expected[0], offset(0.03 * expected[0]));
      assertThat(r.right.velocityRadps).isCloseTo(expected[0], offset(0.03 * expected[0]));
      assertThat(r.battery.busVolts).isCloseTo(expected[2], offset(0.01));
      assertThat(r.battery.currentAmps).isCloseTo(2 * duty * expected[1] + 0.4, offset(0.01));
      assertThat(r.imu.accelerationMps2[2]).isCloseTo(DiffDrivePhysics.GRAVITY, offset(0.01));
      assertThat(r.imu.angularRateRadps[2]).isCloseTo(0.0, offset(0.01));
      assertThat(sil.physics().forwardSpeed()).isCloseTo(expected[0] * 0.0325, offset(1e-3));
      assertThat(sil.physics().x()).isPositive();
    }
  }

  @Test
  void brakeCoastAndStandbyReachTheMotorsThroughTheBridgeLines() throws Exception {
    try (SilRobot sil = SilRobot.reference(hardware(), 0.9, 2);
        RobotIo io = RobotIo.open(sil.context(), hardware(), sil.clock())) {
      io.initialise();
      io.drive(0.5, -0.5); // turn on the spot to the right
      for (int i = 0; i < 100; i++) {
        sil.advance(0.01);
      }
      assertThat(sil.physics().yawRate()).isNegative();
      RobotIo.SensorReadings r = new RobotIo.SensorReadings();
      io.readSensors(r);
      assertThat(r.imu.angularRateRadps[2]).isCloseTo(sil.physics().yawRate(), offset(0.01));
      assertThat(r.left.velocityRadps).isPositive();
      assertThat(r.right.velocityRadps).isNegative();
      io.stop(); // brake
      for (int i = 0; i < 100; i++) {
        sil.advance(0.01);
      }
      assertThat(sil.physics().yawRate()).isCloseTo(0.0, offset(1e-3));
    }
  }

  @Test
  void aWeakenedMotorChangesTheMotionAtTheStepItHappens() throws Exception {
    try (SilRobot sil = SilRobot.reference(hardware(), 0.9, 3);
        RobotIo io = RobotIo.open(sil.context(), hardware(), sil.clock())) {
      io.initialise();
      io.drive(0.6, 0.6);
      for (int i = 0; i < 200; i++) {
        sil.advance(0.01);
      }
      assertThat(sil.physics().yawRate()).isCloseTo(0.0, offset(1e-9));
      sil.physics()
          .parameters(sil.physics().parameters().withTorqueFactors(0.6, 1.0).withPayload(0.5));
      sil.advance(0.01);
      assertThat(sil.physics().yawRate()).isPositive();
    }
  }

  @Test
  void aLockstepControlPeriodAllocatesNothingInSteadyState() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    try (SilRobot sil = SilRobot.reference(hardware(), 0.9, 4);
        RobotIo io = RobotIo.open(sil.context(), hardware(), sil.clock())) {
      io.initialise();
      RobotIo.SensorReadings r = new RobotIo.SensorReadings();
      for (int i = 0; i < 5_000; i++) {
        io.readSensors(r);
        io.drive(0.5, 0.55);
        sil.advance(0.01);
      }
      long id = Thread.currentThread().threadId();
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < 2_000; i++) {
        io.readSensors(r);
        io.drive(0.5, 0.55);
        sil.advance(0.01); // ~110 encoder edges per period
      }
      assertThat(threads.getThreadAllocatedBytes(id) - before).isLessThan(2_000);
    }
  }
}
