package org.adaptrobot.sim.chips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.Health;
import org.adaptrobot.drivers.imu.ImuMpu6050;
import org.adaptrobot.drivers.imu.ImuMpu6050.AccelRange;
import org.adaptrobot.drivers.imu.ImuMpu6050.GyroRange;
import org.adaptrobot.sim.pi4j.DeviceFault;
import org.adaptrobot.sim.pi4j.SimulatedRig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ImuMpu6050Test {

  private final SimulatedRig rig = new SimulatedRig();

  @AfterEach
  void close() {
    rig.close();
  }

  private ImuMpu6050 imu(AccelRange a, GyroRange g) {
    ImuMpu6050 imu =
        new ImuMpu6050(
            rig.pi.context(), new ImuMpu6050.Config("imu", 1, 0x68, a, g, 3, 4), rig.clock);
    imu.initialise();
    return imu;
  }

  @Test
  void initialisationWakesTheChipAndProgramsFilterRateAndRanges() {
    assertThat(rig.imu.asleep()).isTrue();
    imu(AccelRange.G8, GyroRange.DPS1000);
    assertThat(rig.imu.asleep()).isFalse();
    assertThat(rig.imu.peek(0x6B)).isEqualTo(0x01);
    assertThat(rig.imu.peek(0x19)).isEqualTo(4);
    assertThat(rig.imu.peek(0x1A)).isEqualTo(3);
    assertThat(rig.imu.peek(0x1B)).isEqualTo(2 << 3);
    assertThat(rig.imu.peek(0x1C)).isEqualTo(2 << 3);
  }

  @Test
  void rawRegisterBytesScaleToSiUnitsPerTheRegisterMap() {
    ImuMpu6050 imu = imu(AccelRange.G4, GyroRange.DPS500);
    // 1 g on z = 8192 LSB at ±4 g; 100 °/s = 6550 LSB at ±500 °/s; 35 °C = (35 - 36.53) * 340 =
    // -520.2 -> -520 LSB
    rig.imu.measure(new double[] {0, 0, 9.80665}, new double[] {Math.toRadians(100), 0, 0}, 35.0);
    assertThat(rig.imu.peekWord(0x3F)).isEqualTo(8192);
    assertThat(rig.imu.peekWord(0x43)).isEqualTo(6550);
    assertThat((short) rig.imu.peekWord(0x41)).isEqualTo((short) -520);
    ImuMpu6050.Reading r = new ImuMpu6050.Reading();
    rig.clock.advanceTo(5_000_000);
    imu.read(r);
    assertThat(r.accelerationMps2[2]).isEqualTo(9.80665);
    assertThat(r.angularRateRadps[0]).isCloseTo(Math.toRadians(100), offset(1e-12));
    assertThat(r.temperatureCelsius).isCloseTo(-520 / 340.0 + 36.53, offset(1e-12));
    assertThat(r.timestampNanos).isEqualTo(5_000_000);
  }

  @Test
  void negativeValuesAndSaturationAtFullScale() {
    ImuMpu6050 imu = imu(AccelRange.G2, GyroRange.DPS250);
    rig.imu.measure(
        new double[] {-9.80665, 50 * 9.80665, 0}, new double[] {0, -Math.toRadians(300), 0}, 20);
    ImuMpu6050.Reading r = new ImuMpu6050.Reading();
    imu.read(r);
    assertThat(r.accelerationMps2[0]).isEqualTo(-9.80665);
    assertThat(r.accelerationMps2[1]).isCloseTo(32767 / 16384.0 * 9.80665, offset(1e-9));
    assertThat(r.angularRateRadps[1]).isCloseTo(Math.toRadians(-32768 / 131.0), offset(1e-9));
  }

  @Test
  void gyroBiasCalibrationAtRestRemovesTheOffset() {
    ImuMpu6050 imu = imu(AccelRange.G4, GyroRange.DPS500);
    rig.imu.gyroBias(0.02, -0.01, 0.005);
    rig.imu.measure(new double[] {0, 0, 9.80665}, new double[3], 30);
    double[] bias = imu.calibrateGyroBias(50, () -> rig.clock.advanceBy(1_000_000));
    assertThat(bias[0]).isCloseTo(0.02, offset(2e-4));
    ImuMpu6050.Reading r = new ImuMpu6050.Reading();
    imu.read(r);
    for (double w : r.angularRateRadps) {
      assertThat(w).isCloseTo(0.0, offset(2e-4));
    }
  }

  @Test
  void wrongIdentityNamesRegisterExpectedAndFound() {
    rig.pi.attach(1, 0x68, new SimulatedMpu6050("mpu6500", 0x70, 1));
    ImuMpu6050 imu =
        new ImuMpu6050(rig.pi.context(), ImuMpu6050.Config.defaults("imu", 1), rig.clock);
    assertThatThrownBy(imu::initialise)
        .isInstanceOf(DeviceException.class)
        .hasMessage(
            "mpu6050 'imu' (I2C bus 1, address 0x68): WHO_AM_I (0x75) reads 0x70, expected 0x68")
        .extracting(e -> ((DeviceException) e).kind())
        .isEqualTo(DeviceException.Kind.IDENTITY);
    assertThat(imu.health()).isEqualTo(Health.UNINITIALISED);
  }

  @Test
  void missingDeviceNamesBusAddressAndRegister() {
    rig.pi.detach(1, 0x68);
    ImuMpu6050 imu =
        new ImuMpu6050(rig.pi.context(), ImuMpu6050.Config.defaults("imu", 1), rig.clock);
    assertThatThrownBy(imu::initialise)
        .hasMessageStartingWith(
            "mpu6050 'imu' (I2C bus 1, address 0x68): reading register 0x75 failed")
        .hasMessageContaining("no acknowledge");
  }

  @Test
  void ioErrorsDegradeThenFailTheDeviceAndOneGoodReadRestoresIt() {
    ImuMpu6050 imu = imu(AccelRange.G4, GyroRange.DPS500);
    ImuMpu6050.Reading r = new ImuMpu6050.Reading();
    imu.read(r);
    long before = r.timestampNanos;
    rig.imu.fault(DeviceFault.IO_ERROR);
    rig.clock.advanceBy(1000);
    assertThatThrownBy(() -> imu.read(r))
        .hasMessageContaining(
            "burst read from register 0x3B failed (imu: I/O error during transfer)");
    assertThat(imu.health()).isEqualTo(Health.DEGRADED);
    assertThat(r.timestampNanos).as("a failed read leaves the old timestamp").isEqualTo(before);
    assertThatThrownBy(() -> imu.read(r)).isInstanceOf(DeviceException.class);
    assertThatThrownBy(() -> imu.read(r)).isInstanceOf(DeviceException.class);
    assertThat(imu.health()).isEqualTo(Health.FAILED);
    rig.imu.fault(DeviceFault.NONE);
    imu.read(r);
    assertThat(imu.health()).isEqualTo(Health.OK);
  }

  @Test
  void stuckSensorKeepsItsLastValues() {
    ImuMpu6050 imu = imu(AccelRange.G4, GyroRange.DPS500);
    rig.imu.measure(new double[] {1, 2, 3}, new double[3], 25);
    rig.imu.fault(DeviceFault.STUCK);
    rig.imu.measure(new double[] {7, 7, 7}, new double[3], 25);
    ImuMpu6050.Reading r = new ImuMpu6050.Reading();
    imu.read(r);
    assertThat(r.accelerationMps2[0]).isCloseTo(1.0, offset(1e-3));
  }
}
