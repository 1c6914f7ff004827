package org.adaptrobot.sim.chips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.pi4j.io.gpio.digital.DigitalOutput;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.motor.Gpio;
import org.adaptrobot.drivers.motor.MotorDriver.StopMode;
import org.adaptrobot.drivers.motor.MotorDriverL298n;
import org.adaptrobot.drivers.motor.MotorDriverTb6612;
import org.adaptrobot.drivers.pwm.PwmOutput;
import org.adaptrobot.drivers.pwm.PwmPca9685;
import org.adaptrobot.sim.pi4j.SimulatedRig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PwmAndMotorDriverTest {

  private final SimulatedRig rig = new SimulatedRig();

  @AfterEach
  void close() {
    rig.close();
  }

  private PwmPca9685 pca(double hz) {
    PwmPca9685 p = new PwmPca9685(rig.pi.context(), new PwmPca9685.Config("pwm", 1, 0x60, hz));
    p.initialise();
    return p;
  }

  @Test
  void prescaleFollowsTheDatasheetFormulaFor50HzAnd1kHz() {
    // round(25 MHz / (4096 * 50)) - 1 = round(122.07) - 1 = 121; for 1 kHz round(6.10) - 1 = 5
    assertThat(PwmPca9685.prescale(50)).isEqualTo(121);
    assertThat(PwmPca9685.prescale(1000)).isEqualTo(5);
    pca(50);
    assertThat(rig.pwm.prescale()).isEqualTo(121);
    assertThat(rig.pwm.frequencyHz()).isCloseTo(50.03, offset(0.01));
    pca(1000);
    assertThat(rig.pwm.prescale()).isEqualTo(5);
    assertThat(rig.pwm.frequencyHz()).isCloseTo(1017.25, offset(0.01));
    assertThat(rig.pwm.asleep()).isFalse();
  }

  @Test
  void prescaleWrittenWhileAwakeIsIgnoredByTheChipSoTheDriverSleepsFirst() {
    pca(1000);
    rig.pi.context(); // chip awake now; a naive write must not change the prescaler
    var raw =
        new org.adaptrobot.drivers.i2c.I2cRegisters(rig.pi.context(), "pca9685", "raw", 1, 0x60);
    raw.write(0xFE, 121);
    assertThat(rig.pwm.prescale()).isEqualTo(5);
  }

  @Test
  void frequencyOutOfRangeIsRefusedWithTheRange() {
    assertThatThrownBy(() -> new PwmPca9685.Config("pwm", 1, 0x60, 5000))
        .hasMessageContaining("5000.0 Hz is outside the PCA9685's range (about 24..1526 Hz)");
  }

  @Test
  void dutyCyclesFullOnFullOffAndAllOff() {
    PwmPca9685 p = pca(1000);
    p.setDuty(3, 0.25);
    assertThat(rig.pwm.duty(3)).isEqualTo(0.25);
    p.setDuty(4, 1.0);
    assertThat(rig.pwm.duty(4)).isEqualTo(1.0);
    p.setDuty(4, 0.0);
    assertThat(rig.pwm.duty(4)).isEqualTo(0.0);
    p.setDuty(5, 0.7);
    p.allOff();
    assertThat(rig.pwm.duty(3)).isZero();
    assertThat(rig.pwm.duty(5)).isZero();
    assertThatThrownBy(() -> p.setDuty(16, 0.5)).hasMessageContaining("channel 16 does not exist");
    assertThatThrownBy(() -> p.setDuty(1, Double.NaN))
        .hasMessageContaining("must be in [0, 1], got NaN");
  }

  @Test
  void tb6612FollowsItsTruthTable() {
    PwmPca9685 p = pca(1000);
    DigitalOutput stby = Gpio.output(rig.pi.context(), "standby", 22);
    MotorDriverTb6612 m =
        new MotorDriverTb6612(
            rig.pi.context(),
            new MotorDriverTb6612.Config("left", 17, 27, 22, false, StopMode.BRAKE),
            PwmOutput.of(p, 0),
            stby);
    m.enable(true);
    assertThat(rig.pi.output(22)).isTrue();
    m.command(0.5);
    assertThat(rig.pi.output(17)).isTrue();
    assertThat(rig.pi.output(27)).isFalse();
    assertThat(rig.pwm.duty(0)).isEqualTo(0.5);
    m.command(-0.25);
    assertThat(rig.pi.output(17)).isFalse();
    assertThat(rig.pi.output(27)).isTrue();
    assertThat(rig.pwm.duty(0)).isEqualTo(0.25);
    m.command(0.0); // brake: IN1 = IN2 = H
    assertThat(rig.pi.output(17)).isTrue();
    assertThat(rig.pi.output(27)).isTrue();
    m.coast(); // IN1 = IN2 = L, PWM off
    assertThat(rig.pi.output(17)).isFalse();
    assertThat(rig.pi.output(27)).isFalse();
    assertThat(rig.pwm.duty(0)).isZero();
    m.enable(false);
    assertThat(rig.pi.output(22)).isFalse();
  }

  @Test
  void invertedMotorSwapsDirectionAndBadCommandsAreRefused() {
    PwmPca9685 p = pca(1000);
    MotorDriverTb6612 m =
        new MotorDriverTb6612(
            rig.pi.context(),
            new MotorDriverTb6612.Config("right", 23, 24, -1, true, StopMode.COAST),
            PwmOutput.of(p, 1),
            null);
    m.command(0.8);
    assertThat(rig.pi.output(23)).isFalse();
    assertThat(rig.pi.output(24)).isTrue();
    assertThatThrownBy(() -> m.command(Double.NaN))
        .isInstanceOf(DeviceException.class)
        .hasMessage(
            "tb6612 'right' (IN1 GPIO 23, IN2 GPIO 24): motor command must be in [-1, 1], got NaN");
    assertThatThrownBy(() -> m.command(1.5)).hasMessageContaining("got 1.5");
    assertThat(m.lastCommand()).isEqualTo(0.8);
  }

  @Test
  void l298nDrivesBrakesAndCoasts() {
    PwmPca9685 p = pca(1000);
    MotorDriverL298n m =
        new MotorDriverL298n(
            rig.pi.context(),
            new MotorDriverL298n.Config("left", 5, 6, false, StopMode.BRAKE),
            PwmOutput.of(p, 2));
    m.command(-0.4);
    assertThat(rig.pi.output(5)).isFalse();
    assertThat(rig.pi.output(6)).isTrue();
    assertThat(rig.pwm.duty(2)).isCloseTo(0.4, offset(1.0 / 4096));
    m.command(0); // brake: EN high, IN1 = IN2
    assertThat(rig.pwm.duty(2)).isEqualTo(1.0);
    assertThat(rig.pi.output(5)).isEqualTo(rig.pi.output(6));
    m.coast(); // EN low
    assertThat(rig.pwm.duty(2)).isZero();
  }
}
