package org.adaptrobot.drivers.hardware;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.adaptrobot.drivers.hardware.RobotHardware.ChipType;
import org.junit.jupiter.api.Test;

class HardwareDescriptionTest {

  static final Path EXAMPLE = Path.of("../src/examples/diffbot-hardware.yaml");

  static String example() throws Exception {
    return Files.readString(EXAMPLE);
  }

  private static ConfigException failure(String yaml) {
    try {
      HardwareDescription.parse(yaml, "robot.yaml");
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("accepted:\n" + yaml);
  }

  @Test
  void theShippedExampleLoads() throws Exception {
    RobotHardware hw = HardwareDescription.load(EXAMPLE);
    assertThat(hw.name()).isEqualTo("diffbot");
    assertThat(hw.wheelRadiusMetres()).isEqualTo(0.0325);
    assertThat(hw.i2cDevices())
        .extracting(RobotHardware.I2cDevice::type)
        .containsExactly(ChipType.MPU6050, ChipType.INA219, ChipType.PCA9685);
    assertThat(hw.first(ChipType.MPU6050).orElseThrow().address()).isEqualTo(0x68);
    assertThat(hw.left().pwm().device()).isEqualTo("pwm");
    assertThat(hw.right().motorInverted()).isTrue();
    assertThat(hw.left().standby()).isEqualTo(22).isEqualTo(hw.right().standby());
    assertThat(hw.range()).isPresent();
  }

  @Test
  void duplicateAddressIsReportedWithBothPaths() throws Exception {
    String yaml = example().replace("address: 0x60", "address: 0x40");
    assertThat(failure(yaml).problems())
        .containsExactly("robot.yaml: i2c[2].address: 0x40 is already used on bus 1 by i2c[1]");
  }

  @Test
  void duplicatePinIsReportedWithTheFirstUser() throws Exception {
    String yaml = example().replace("in1: 23", "in1: 17");
    assertThat(failure(yaml).problems())
        .containsExactly(
            "robot.yaml: motors.right.in1: GPIO 17 is already used by motors.left.in1");
  }

  @Test
  void pinSharedWithTheStandbyLineIsReported() throws Exception {
    String yaml = example().replace("echo: 21", "echo: 22");
    assertThat(failure(yaml).problems())
        .containsExactly("robot.yaml: range.echo: GPIO 22 is also the motor driver's standby pin");
  }

  @Test
  void unknownDeviceAndOutOfRangeFrequencyAndMissingFieldAreAllReportedAtOnce() throws Exception {
    String yaml =
        example()
            .replace("type: mpu6050", "type: bno055")
            .replace("frequency_hz: 1000", "frequency_hz: 5000")
            .replace("  track_width_m: 0.150          # wheel contact points\n", "");
    assertThat(failure(yaml).problems())
        .containsExactlyInAnyOrder(
            "robot.yaml: geometry.track_width_m: is required but missing",
            "robot.yaml: i2c[0].type: unknown device \"bno055\"; expected one of mpu6050, ina219, pca9685",
            "robot.yaml: i2c[2].frequency_hz: PWM frequency 5000.0 Hz is outside the PCA9685's range (about 24..1526 Hz)");
  }

  @Test
  void pwmReferencesMustNameAPca9685AndChannelsMayNotBeShared() throws Exception {
    String yaml =
        example()
            .replace("pwm: {device: pwm, channel: 1}", "pwm: {device: pwm, channel: 0}")
            .replace(
                "pwm: {device: pwm, channel: 0}\n    in1: 17",
                "pwm: {device: imu, channel: 0}\n    in1: 17");
    assertThat(failure(yaml).problems())
        .containsExactly(
            "robot.yaml: motors.left.pwm.device: \"imu\" is a mpu6050, expected a pca9685");
    String shared =
        example().replace("pwm: {device: pwm, channel: 1}", "pwm: {device: pwm, channel: 0}");
    assertThat(failure(shared).problems())
        .containsExactly(
            "robot.yaml: motors.right.pwm.channel: channel 0 of \"pwm\" is already used by motors.left.pwm");
  }

  @Test
  void hardwarePwmPinMustHaveAPwmFunction() throws Exception {
    String yaml = example().replace("pwm: {device: pwm, channel: 0}", "pwm: {pin: 4}");
    assertThat(failure(yaml).problems())
        .containsExactly(
            "robot.yaml: motors.left.pwm.pin: GPIO 4 has no hardware PWM; use 12, 13, 18 or 19");
  }

  @Test
  void wrongTypesAndRangesNameTheField() throws Exception {
    String yaml =
        example()
            .replace("wheel_radius_m: 0.0325", "wheel_radius_m: -1")
            .replace(
                "counts_per_rev: 1400, inverted: false}", "counts_per_rev: many, inverted: false}")
            .replace("a: 13", "a: 40");
    assertThat(failure(yaml).problems())
        .containsExactlyInAnyOrder(
            "robot.yaml: geometry.wheel_radius_m: expected a positive length in metres, found -1.0",
            "robot.yaml: encoders.left.counts_per_rev: expected an integer, found \"many\"",
            "robot.yaml: encoders.right.a: expected an integer in [0, 27], found 40");
  }

  @Test
  void notYamlAtAllIsReported() {
    assertThat(failure("motors: [unclosed").getMessage())
        .startsWith("robot.yaml: cannot be read as YAML");
    assertThat(failure("- just\n- a list\n").problems())
        .containsExactly(
            "robot.yaml: : expected a mapping with name, geometry, i2c, motors, encoders");
  }
}
