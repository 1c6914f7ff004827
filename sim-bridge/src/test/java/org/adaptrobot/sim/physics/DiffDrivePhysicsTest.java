package org.adaptrobot.sim.physics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.adaptrobot.sim.physics.DiffDrivePhysics.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DiffDrivePhysicsTest {

  private static final DcMotor MOTOR = DcMotor.referenceGearMotor();

  /** A battery without internal resistance: an ideal source of its open-circuit voltage. */
  private static Battery stiffBattery() {
    return new Battery(2, 1000, 0.0, 0.8);
  }

  private static Parameters noRolling(double viscous) {
    Parameters r = Parameters.reference();
    return new Parameters(
        r.wheelRadius(),
        r.trackWidth(),
        r.baseMass(),
        0,
        r.baseYawInertia(),
        r.payloadRadiusOfGyration(),
        r.wheelInertia(),
        1.0,
        0.0,
        viscous,
        r.viscousYawDrag(),
        1,
        1,
        0.0);
  }

  @Test
  void motorConstantsFollowFromTheDatasheet() {
    assertThat(MOTOR.resistanceOhms()).isEqualTo(3.75);
    assertThat(MOTOR.torqueConstant()).isCloseTo(0.135, offset(1e-12));
    assertThat(MOTOR.backEmfConstant())
        .isCloseTo((6 - 0.375) / (320 * 2 * Math.PI / 60), offset(1e-12));
    // at the rated voltage with no load the model turns at the datasheet's free speed
    assertThat(MOTOR.steadyState(6.0, 0.0)[0]).isCloseTo(320 * 2 * Math.PI / 60, offset(1e-9));
    assertThat(MOTOR.steadyState(6.0, 0.0)[1]).isCloseTo(0.1, offset(1e-12));
  }

  /**
   * Driving straight against viscous drag only: per wheel K_t(dV − K_e ω)/R − τ_f = c_v r² ω / 2,
   * so ω = (K_t d V / R − τ_f) / (K_t K_e / R + c_v r² / 2) and i = (dV − K_e ω) / R.
   */
  @ParameterizedTest(name = "duty {0}, drag {1} N·s/m")
  @CsvSource({"0.3, 0.3", "0.6, 0.3", "1.0, 0.3", "0.6, 3.0", "1.0, 8.0"})
  void steadySpeedAndCurrentUnderViscousLoadMatchTheClosedForm(double duty, double drag) {
    Battery battery = stiffBattery();
    DiffDrivePhysics robot = new DiffDrivePhysics(noRolling(drag), MOTOR, battery);
    robot.reset(0, 0, 0);
    robot.drive(duty, duty);
    for (int i = 0; i < 400; i++) {
      robot.advance(0.01);
    }
    double volts = duty * battery.openCircuitVolts();
    double r = robot.parameters().wheelRadius();
    double kt = MOTOR.torqueConstant();
    double ke = MOTOR.backEmfConstant();
    double res = MOTOR.resistanceOhms();
    double omega = (kt * volts / res - MOTOR.frictionTorque()) / (kt * ke / res + drag * r * r / 2);
    assertThat(robot.wheelSpeed(0)).isCloseTo(omega, offset(1e-6 * omega));
    assertThat(robot.forwardSpeed()).isCloseTo(omega * r, offset(1e-6));
    assertThat(robot.motorCurrent(0)).isCloseTo((volts - ke * omega) / res, offset(1e-6));
    assertThat(robot.yawRate()).isCloseTo(0.0, offset(1e-12));
  }

  /** A constant load torque (Coulomb rolling resistance) matches {@link DcMotor#steadyState}. */
  @ParameterizedTest(name = "duty {0}, rolling coefficient {1}")
  @CsvSource({"0.5, 0.02", "0.8, 0.05", "1.0, 0.10"})
  void steadySpeedUnderConstantLoadTorqueMatchesTheClosedForm(double duty, double rolling) {
    Parameters base = noRolling(0.0);
    Parameters pr = base.withFloor(1.0, rolling);
    Battery battery = stiffBattery();
    DiffDrivePhysics robot = new DiffDrivePhysics(pr, MOTOR, battery);
    robot.reset(0, 0, 0);
    robot.drive(duty, duty);
    for (int i = 0; i < 500; i++) {
      robot.advance(0.01);
    }
    double load = rolling * pr.mass() * DiffDrivePhysics.GRAVITY * pr.wheelRadius() / 2;
    double[] expected = MOTOR.steadyState(duty * battery.openCircuitVolts(), load);
    assertThat(robot.wheelSpeed(1)).isCloseTo(expected[0], offset(1e-6 * expected[0]));
    assertThat(robot.motorCurrent(1)).isCloseTo(expected[1], offset(1e-6));
  }

  @Test
  void batterySagsWithTheDrawnCurrent() {
    Battery battery = Battery.referencePack(0.5);
    DiffDrivePhysics robot = new DiffDrivePhysics(Parameters.reference(), MOTOR, battery);
    robot.reset(0, 0, 0);
    robot.drive(1.0, 1.0);
    robot.advance(0.01); // at start-up the motors draw near stall current
    assertThat(robot.batteryCurrent()).isGreaterThan(1.0);
    assertThat(robot.batteryVolts())
        .isCloseTo(battery.openCircuitVolts() - 0.15 * robot.batteryCurrent(), offset(0.02));
  }

  @Test
  void onASlipperyFloorTheWheelsSpinAndAccelerationIsBoundedByFriction() {
    DiffDrivePhysics ice =
        new DiffDrivePhysics(
            Parameters.reference().withFloor(0.05, 0.0), MOTOR, Battery.referencePack(1.0));
    ice.reset(0, 0, 0);
    ice.drive(0.4, 0.4);
    ice.advance(0.05);
    assertThat(ice.slipping(0)).isTrue();
    assertThat(ice.wheelSpeed(0) * 0.0325).isGreaterThan(ice.forwardSpeed() + 0.05);
    // traction 2 μN = μ m g at most, minus drag
    assertThat(ice.forwardAcceleration())
        .isLessThanOrEqualTo(0.05 * DiffDrivePhysics.GRAVITY + 1e-9);
    DiffDrivePhysics grip =
        new DiffDrivePhysics(Parameters.reference(), MOTOR, Battery.referencePack(1.0));
    grip.reset(0, 0, 0);
    // 0.4 duty asks for about 3.7 N per wheel, within μN = 4.7 N on μ = 0.8 (full duty would spin)
    grip.drive(0.4, 0.4);
    grip.advance(0.05);
    assertThat(grip.slipping(0)).isFalse();
    assertThat(grip.forwardSpeed()).isGreaterThan(ice.forwardSpeed());
  }

  @Test
  void aWeakLeftMotorTurnsTheRobotLeftAndOppositeDutiesTurnOnTheSpot() {
    DiffDrivePhysics weak =
        new DiffDrivePhysics(
            Parameters.reference().withTorqueFactors(0.6, 1.0), MOTOR, Battery.referencePack(0.9));
    weak.reset(0, 0, 0);
    weak.drive(0.7, 0.7);
    weak.advance(2.0);
    assertThat(weak.yawRate()).isPositive();
    assertThat(weak.heading()).isPositive();
    DiffDrivePhysics spin =
        new DiffDrivePhysics(Parameters.reference(), MOTOR, Battery.referencePack(0.9));
    spin.reset(0, 0, 0);
    spin.drive(-0.6, 0.6);
    spin.advance(1.0);
    assertThat(spin.forwardSpeed()).isCloseTo(0.0, offset(1e-9));
    assertThat(spin.yawRate()).isGreaterThan(1.0);
  }

  @Test
  void controlRatesFrom50HzTo1kHzGiveTheSameMotion() {
    double[][] end = new double[3][];
    int[] rates = {50, 100, 1000};
    for (int k = 0; k < rates.length; k++) {
      DiffDrivePhysics robot =
          new DiffDrivePhysics(
              Parameters.reference().withPayload(0.5), MOTOR, Battery.referencePack(0.7));
      robot.reset(0, 0, 0);
      double dt = 1.0 / rates[k];
      for (int i = 0; i < rates[k] * 3; i++) {
        double t = i * dt;
        robot.drive(t < 1.5 ? 0.8 : 0.2, t < 1.5 ? 0.5 : 0.9);
        robot.advance(dt);
      }
      end[k] = new double[] {robot.x(), robot.y(), robot.heading(), robot.forwardSpeed()};
    }
    for (int k = 1; k < 3; k++) {
      for (int q = 0; q < 4; q++) {
        assertThat(end[k][q]).isCloseTo(end[0][q], offset(0.01));
      }
    }
  }

  @Test
  void brakingStopsFasterThanCoasting() {
    double[] distance = new double[2];
    DiffDrivePhysics.BridgeMode[] modes = {
      DiffDrivePhysics.BridgeMode.BRAKE, DiffDrivePhysics.BridgeMode.COAST
    };
    for (int k = 0; k < 2; k++) {
      DiffDrivePhysics robot =
          new DiffDrivePhysics(Parameters.reference(), MOTOR, Battery.referencePack(0.9));
      robot.reset(0, 0, 0);
      robot.drive(1, 1);
      robot.advance(2.0);
      double x0 = robot.x();
      robot.bridge(0, modes[k], 0);
      robot.bridge(1, modes[k], 0);
      robot.advance(2.0);
      distance[k] = robot.x() - x0;
      assertThat(robot.forwardSpeed()).isCloseTo(0.0, offset(1e-3));
    }
    assertThat(distance[0]).isLessThan(distance[1]);
  }
}
