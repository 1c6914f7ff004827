package org.adaptrobot.sim.hardware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import org.adaptrobot.drivers.doctor.Doctor;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.sim.chips.SimulatedHcSr04;
import org.adaptrobot.sim.chips.SimulatedMpu6050;
import org.adaptrobot.sim.chips.SimulatedQuadratureEncoder;
import org.adaptrobot.sim.pi4j.SimulatedRig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RobotIoAndDoctorTest {

  private final SimulatedRig rig = new SimulatedRig();

  @AfterEach
  void close() {
    rig.close();
  }

  static RobotHardware example() throws Exception {
    return HardwareDescription.load(Path.of("../src/examples/diffbot-hardware.yaml"));
  }

  @Test
  void opensInitialisesDrivesAndReadsTheWholeRobot() throws Exception {
    RobotHardware hw = example();
    SimulatedQuadratureEncoder left = new SimulatedQuadratureEncoder(rig.pi, 5, 6, 1400, 1);
    new SimulatedHcSr04(rig.pi, 20, 21, 20).distance(0.8);
    try (RobotIo io = RobotIo.open(rig.pi.context(), hw, rig.clock)) {
      io.initialise();
      assertThat(rig.pi.output(22)).as("standby released").isTrue();
      io.drive(0.5, 0.25);
      assertThat(rig.pwm.duty(0)).isEqualTo(0.5);
      assertThat(rig.pwm.duty(1)).isEqualTo(0.25);
      assertThat(rig.pi.output(17)).isTrue(); // left forward: IN1 high
      assertThat(rig.pi.output(24)).isTrue(); // right is inverted: IN2 high for forward
      rig.imu.measure(new double[] {0, 0, 9.80665}, new double[] {0, 0, 0.5}, 30);
      rig.battery.measure(7.6, 0.8);
      left.moveTo(2 * Math.PI, 1_000_000_000L);
      rig.clock.advanceTo(1_000_000_000L);
      io.range().trigger(() -> {});
      rig.clock.advanceBy(10_000_000);
      RobotIo.SensorReadings r = new RobotIo.SensorReadings();
      io.readSensors(r);
      assertThat(r.imu.accelerationMps2[2]).isCloseTo(9.80665, offset(1e-3));
      assertThat(r.imu.angularRateRadps[2]).isCloseTo(0.5, offset(1e-3));
      assertThat(r.battery.busVolts).isCloseTo(7.6, offset(0.004));
      assertThat(r.battery.currentAmps).isCloseTo(0.8, offset(2e-4));
      assertThat(r.left.count).isEqualTo(1400);
      assertThat(r.range.distanceMetres).isCloseTo(0.8, offset(1e-6));
      io.stop();
      assertThat(rig.pi.output(17)).isTrue(); // brake: IN1 = IN2 = high
      assertThat(rig.pi.output(27)).isTrue();
    }
  }

  @Test
  void aFullSensorReadAllocatesNothing() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (RobotIo io = RobotIo.open(rig.pi.context(), example(), rig.clock)) {
      io.initialise();
      RobotIo.SensorReadings r = new RobotIo.SensorReadings();
      for (int i = 0; i < 20_000; i++) {
        io.readSensors(r);
      }
      long id = Thread.currentThread().threadId();
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < 10_000; i++) {
        io.readSensors(r);
      }
      assertThat(threads.getThreadAllocatedBytes(id) - before).isLessThan(1_000);
    }
  }

  @Test
  void doctorReportsFoundMissingAndWrongIdentityMovingNothing() throws Exception {
    rig.pi.attach(1, 0x68, new SimulatedMpu6050("mpu6500", 0x70, 1));
    rig.pi.detach(1, 0x40);
    List<Doctor.Row> rows = Doctor.check(rig.pi.context(), example());
    assertThat(rows)
        .extracting(Doctor.Row::device, Doctor.Row::status)
        .contains(
            org.assertj.core.groups.Tuple.tuple("imu (mpu6050)", Doctor.Status.WRONG_IDENTITY),
            org.assertj.core.groups.Tuple.tuple("battery (ina219)", Doctor.Status.MISSING),
            org.assertj.core.groups.Tuple.tuple("pwm (pca9685)", Doctor.Status.FOUND),
            org.assertj.core.groups.Tuple.tuple("left motor (tb6612)", Doctor.Status.NOT_CHECKED));
    assertThat(rows.get(0).detail()).isEqualTo("WHO_AM_I = 0x70, an MPU-6050 reads 0x68");
    assertThat(rig.pwm.asleep()).as("nothing was written").isTrue();
    assertThat(Doctor.table(rows)).contains("wrong identity").contains("I2C bus 1, 0x40");
    assertThat(Doctor.scanBus(rig.pi.context(), 1)).containsExactly(0x60, 0x68);
  }
}
