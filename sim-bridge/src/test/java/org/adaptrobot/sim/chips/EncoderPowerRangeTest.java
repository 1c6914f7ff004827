package org.adaptrobot.sim.chips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.adaptrobot.drivers.Health;
import org.adaptrobot.drivers.encoder.QuadratureEncoder;
import org.adaptrobot.drivers.power.PowerMonitorIna219;
import org.adaptrobot.drivers.range.RangeSensorHcSr04;
import org.adaptrobot.sim.pi4j.DeviceFault;
import org.adaptrobot.sim.pi4j.SimulatedRig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EncoderPowerRangeTest {

  private static final int CPR = 1400;
  private final SimulatedRig rig = new SimulatedRig();

  @AfterEach
  void close() {
    rig.close();
  }

  private QuadratureEncoder encoder(boolean inverted) {
    QuadratureEncoder.Config base = QuadratureEncoder.Config.of("left", 5, 6, CPR);
    return new QuadratureEncoder(
        rig.pi.context(),
        new QuadratureEncoder.Config(
            "left",
            5,
            6,
            CPR,
            inverted,
            base.glitchNanos(),
            base.highSpeedCounts(),
            base.stopTimeoutNanos()),
        rig.clock);
  }

  /** Turns the shaft at a constant speed for a duration, in 1 ms steps. */
  private static double spin(
      SimulatedRig rig,
      SimulatedQuadratureEncoder twin,
      double angle,
      double radps,
      double seconds) {
    int steps = (int) Math.round(seconds * 1000);
    for (int i = 0; i < steps; i++) {
      angle += radps * 1e-3;
      long t = rig.clock.nowNanos() + 1_000_000;
      twin.moveTo(angle, t);
      rig.clock.advanceTo(t);
    }
    return angle;
  }

  @Test
  void countsEveryEdgeBothWaysAndGivesPositionAndHighSpeed() {
    SimulatedQuadratureEncoder twin = new SimulatedQuadratureEncoder(rig.pi, 5, 6, CPR, 1);
    QuadratureEncoder enc = encoder(false);
    QuadratureEncoder.Reading r = new QuadratureEncoder.Reading();
    enc.read(r);
    double angle = spin(rig, twin, 0, 10.0, 0.5); // 10 rad/s: ~2228 edges/s
    enc.read(r);
    assertThat(r.count).isEqualTo(twin.count());
    assertThat(r.positionRad).isCloseTo(angle, offset(2 * Math.PI / CPR));
    spin(rig, twin, angle, 10.0, 0.02);
    enc.read(r);
    assertThat(r.velocityRadps).isCloseTo(10.0, offset(0.25));
    angle = spin(rig, twin, angle, -10.0, 0.7);
    enc.read(r);
    assertThat(r.count).isEqualTo(twin.count()).isNegative();
    assertThat(r.velocityRadps).isCloseTo(-10.0, offset(0.5));
    assertThat(r.errors).isZero();
  }

  @Test
  void lowSpeedComesFromEdgeTimingAndDecaysToZeroWhenStopped() {
    SimulatedQuadratureEncoder twin = new SimulatedQuadratureEncoder(rig.pi, 5, 6, CPR, 1);
    QuadratureEncoder enc = encoder(false);
    QuadratureEncoder.Reading r = new QuadratureEncoder.Reading();
    // 0.05 rad/s: one edge every 90 ms; a count difference per 1 ms read would read 0 or 1000x
    double angle = spin(rig, twin, 0, 0.05, 1.0);
    enc.read(r);
    assertThat(r.velocityRadps).isCloseTo(0.05, offset(0.005));
    spin(rig, twin, angle, 0.0, 0.5);
    enc.read(r);
    assertThat(r.velocityRadps).isZero();
    assertThat(r.timestampNanos).isEqualTo(rig.clock.nowNanos());
    assertThat(r.lastEdgeNanos).isLessThan(r.timestampNanos - 400_000_000L);
  }

  @Test
  void invertedEncoderCountsTheOtherWay() {
    SimulatedQuadratureEncoder twin = new SimulatedQuadratureEncoder(rig.pi, 5, 6, CPR, 1);
    QuadratureEncoder enc = encoder(true);
    spin(rig, twin, 0, 5.0, 0.2);
    QuadratureEncoder.Reading r = new QuadratureEncoder.Reading();
    enc.read(r);
    assertThat(r.count).isEqualTo(-twin.count());
  }

  @Test
  void missedEdgesAreCountedAsErrorsNotAsMotion() {
    SimulatedQuadratureEncoder twin = new SimulatedQuadratureEncoder(rig.pi, 5, 6, CPR, 7);
    twin.dropEdges(0.05);
    QuadratureEncoder enc = encoder(false);
    spin(rig, twin, 0, 10.0, 0.5);
    QuadratureEncoder.Reading r = new QuadratureEncoder.Reading();
    enc.read(r);
    assertThat(r.errors).isPositive();
    // A missed edge is noticed at the next edge of the other line (a double change) and costs the
    // two counts involved; two missed in a row look like one step back and cost four. Counts are
    // lost, never invented.
    assertThat(r.count).isBetween(twin.count() - 3 * r.errors, twin.count());
  }

  @Test
  void aGlitchLeavesTheCountAndTheSpeedAlone() {
    QuadratureEncoder enc = encoder(false);
    QuadratureEncoder.Reading r = new QuadratureEncoder.Reading();
    rig.clock.advanceTo(1_000_000);
    rig.pi.driveInput(5, true); // A rises: +1
    rig.clock.advanceTo(1_005_000);
    rig.pi.driveInput(5, false); // 5 µs later A falls back: a glitch, -1
    enc.read(r);
    assertThat(r.count).isZero();
    assertThat(r.glitches).isEqualTo(1);
  }

  @Test
  void ina219CalibrationFor0Point1OhmAnd3Point2AmpsFollowsTheDatasheet() {
    PowerMonitorIna219.Calibration c =
        PowerMonitorIna219.Calibration.of(new PowerMonitorIna219.Config("b", 1, 0x40, 0.1, 3.2));
    // Current_LSB = 3.2 / 2^15 = 97.66 µA; Cal = trunc(0.04096 / (97.66e-6 * 0.1)) = trunc(4194.3)
    assertThat(c.currentLsbAmps()).isEqualTo(3.2 / 32768);
    assertThat(c.register()).isEqualTo(4194);
    assertThat(c.powerLsbWatts()).isEqualTo(20 * 3.2 / 32768);
    // the datasheet's worked example (§8.5.1): a 100 µA LSB with 0.1 Ω gives 4096
    assertThat(PowerMonitorIna219.Calibration.forLsb(100e-6, 0.1).register()).isEqualTo(4096);
  }

  @Test
  void ina219ReadsBusVoltageCurrentAndPowerThroughTheChipArithmetic() {
    PowerMonitorIna219 ina =
        new PowerMonitorIna219(
            rig.pi.context(),
            new PowerMonitorIna219.Config("battery", 1, 0x40, 0.1, 3.2),
            rig.clock);
    ina.initialise();
    assertThat(rig.battery.calibration()).isEqualTo(4194);
    rig.battery.measure(7.4, 1.5);
    PowerMonitorIna219.Reading r = new PowerMonitorIna219.Reading();
    ina.read(r);
    assertThat(r.busVolts).isCloseTo(7.4, offset(0.004));
    assertThat(r.shuntVolts).isCloseTo(0.15, offset(1e-5));
    assertThat(r.currentAmps).isCloseTo(1.5, offset(2 * 3.2 / 32768));
    assertThat(r.powerWatts).isCloseTo(11.1, offset(0.05));
    assertThat(r.overflow).isFalse();
    rig.battery.measure(7.0, -0.5);
    ina.read(r);
    assertThat(r.currentAmps).isCloseTo(-0.5, offset(2 * 3.2 / 32768));
  }

  @Test
  void ina219OverflowGivesNaNAndAFlagNotAWrongNumber() {
    PowerMonitorIna219 ina =
        new PowerMonitorIna219(
            rig.pi.context(),
            new PowerMonitorIna219.Config("battery", 1, 0x40, 0.1, 3.2),
            rig.clock);
    ina.initialise();
    rig.battery.measure(7.4, 4.0); // 0.4 V across the shunt, above the 0.32 V range
    PowerMonitorIna219.Reading r = new PowerMonitorIna219.Reading();
    ina.read(r);
    assertThat(r.overflow).isTrue();
    assertThat(r.currentAmps).isNaN();
    assertThat(ina.health()).isEqualTo(Health.DEGRADED);
  }

  @Test
  void ina219IdentityCheckRejectsAChipThatDoesNotResetLikeOne() {
    rig.pi.attach(1, 0x40, new SimulatedPca9685("not-an-ina"));
    PowerMonitorIna219 ina =
        new PowerMonitorIna219(
            rig.pi.context(),
            new PowerMonitorIna219.Config("battery", 1, 0x40, 0.1, 3.2),
            rig.clock);
    assertThatThrownBy(ina::initialise)
        .hasMessageContaining(
            "ina219 'battery' (I2C bus 1, address 0x40): configuration (0x00) reads")
        .hasMessageContaining("an INA219 reads 0x399F");
  }

  @Test
  void rangeSensorTimesTheEchoAndNeverWaits() {
    SimulatedHcSr04 twin = new SimulatedHcSr04(rig.pi, 20, 21, 20.0);
    RangeSensorHcSr04 sensor =
        new RangeSensorHcSr04(
            rig.pi.context(), RangeSensorHcSr04.Config.of("range", 20, 21), rig.clock);
    RangeSensorHcSr04.Reading r = new RangeSensorHcSr04.Reading();
    sensor.read(r);
    assertThat(r.status).isEqualTo(RangeSensorHcSr04.Status.NONE);
    twin.distance(1.25);
    sensor.trigger(() -> rig.clock.advanceBy(10_000));
    sensor.read(r);
    assertThat(r.status).isEqualTo(RangeSensorHcSr04.Status.PENDING);
    rig.clock.advanceBy(20_000_000);
    sensor.read(r);
    assertThat(r.status).isEqualTo(RangeSensorHcSr04.Status.OK);
    assertThat(r.distanceMetres).isCloseTo(1.25, offset(1e-6));
  }

  @Test
  void silentRangeSensorReportsNoEchoAfterTheTimeout() {
    SimulatedHcSr04 twin = new SimulatedHcSr04(rig.pi, 20, 21, 20.0);
    twin.silent(true);
    RangeSensorHcSr04 sensor =
        new RangeSensorHcSr04(
            rig.pi.context(), RangeSensorHcSr04.Config.of("range", 20, 21), rig.clock);
    RangeSensorHcSr04.Reading r = new RangeSensorHcSr04.Reading();
    sensor.trigger(() -> {});
    rig.clock.advanceBy(39_000_000);
    sensor.read(r);
    assertThat(r.status).isEqualTo(RangeSensorHcSr04.Status.PENDING);
    rig.clock.advanceBy(2_000_000);
    sensor.read(r);
    assertThat(r.status).isEqualTo(RangeSensorHcSr04.Status.NO_ECHO);
    assertThat(r.distanceMetres).isNaN();
  }

  @Test
  void deviceWithNoAcknowledgeFailsEveryTransfer() {
    rig.battery.fault(DeviceFault.NO_ACKNOWLEDGE);
    PowerMonitorIna219 ina =
        new PowerMonitorIna219(
            rig.pi.context(),
            new PowerMonitorIna219.Config("battery", 1, 0x40, 0.1, 3.2),
            rig.clock);
    assertThatThrownBy(ina::initialise).hasMessageContaining("no acknowledge");
  }
}
