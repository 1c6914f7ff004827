package org.adaptrobot.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorCommandTest {

  @TempDir Path dir;

  @Test
  void onAMachineThatIsNoPiItSaysSoPlainly() throws Exception {
    Path model = dir.resolve("model");
    Files.writeString(model, "QEMU Virtual Machine\0");
    var r = BundleCommandTest.robot("doctor", "--device-tree-model", model.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("This machine is not a Raspberry Pi")
        .contains("there is no I2C bus");
    var absent =
        BundleCommandTest.robot("doctor", "--device-tree-model", dir.resolve("none").toString());
    assertThat(absent.err()).contains("This machine is not a Raspberry Pi");
  }

  @Test
  void checksTheConfigurationFirstAndReportsEveryProblem() throws Exception {
    Path config = dir.resolve("robot.yaml");
    Files.writeString(
        config,
        Files.readString(Path.of("../src/examples/diffbot-hardware.yaml"))
            .replace("in1: 23", "in1: 17")
            .replace("frequency_hz: 1000", "frequency_hz: 9000"));
    var r = BundleCommandTest.robot("doctor", "--config", config.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("2 problems")
        .contains("robot.yaml: motors.right.in1: GPIO 17 is already used by motors.left.in1")
        .contains("robot.yaml: i2c[2].frequency_hz:");
  }

  @Test
  void aValidConfigurationIsConfirmedBeforeTheBoardCheck() {
    var r =
        BundleCommandTest.robot(
            "doctor",
            "--config",
            "../src/examples/diffbot-hardware.yaml",
            "--device-tree-model",
            "/nonexistent");
    assertThat(r.out())
        .contains("hardware description is valid (3 I2C devices, tb6612 and tb6612 motors)");
    assertThat(r.exit()).isEqualTo(1);
  }

  @Test
  void recognisesARaspberryPiModelString() throws Exception {
    Path model = dir.resolve("model");
    Files.writeString(model, "Raspberry Pi 4 Model B Rev 1.5\0");
    assertThat(DoctorCommand.raspberryPiModel(model)).isEqualTo("Raspberry Pi 4 Model B Rev 1.5");
  }
}
