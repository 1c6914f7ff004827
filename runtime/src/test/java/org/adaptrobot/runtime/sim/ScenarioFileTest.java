package org.adaptrobot.runtime.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioFileTest {

  @TempDir Path dir;

  @Test
  void linkFaultsLoadAndBadOnesAreNamed() throws Exception {
    Path f = dir.resolve("link.yaml");
    Files.writeString(
        f,
        """
        events:
          - at: 1.5
            link: {delay_ms: 1.0, jitter_ms: 0.5, loss: 0.01}
          - at: 3
            link: {disconnect: true}
        """);
    ScenarioFile s = ScenarioFile.load(f);
    assertThat(s.hasLinkEvents()).isTrue();
    assertThat(s.events().get(0).link()).isEqualTo(new ScenarioFile.Link(1.0, 0.5, 0.01, false));
    assertThat(s.events().get(1).link().disconnect()).isTrue();
    Path bad = dir.resolve("badlink.yaml");
    Files.writeString(
        bad,
        """
        events:
          - at: 1
            link: {delay_ms: -2, loss: 1.5, drop: yes}
          - at: 2
            link: {disconnect: maybe}
        """);
    assertThatThrownBy(() -> ScenarioFile.load(bad))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("badlink.yaml:3: events[0].link.delay_ms:"))
                    .anyMatch(p -> p.contains("events[0].link.loss: expected a probability"))
                    .anyMatch(p -> p.contains("events[0].link.drop: unknown key"))
                    .anyMatch(
                        p -> p.contains("events[1].link.disconnect: expected true or false")));
  }

  @Test
  void aTimelineLoadsInTimeOrder() throws Exception {
    Path f = dir.resolve("change.yaml");
    Files.writeString(
        f,
        """
        name: motor and carpet
        events:
          - at: 12.0
            fault: {device: imu, fault: io_error}
          - at: 8
            set:
              left_torque_factor: 0.6
              traction_mu: 0.45
        """);
    ScenarioFile s = ScenarioFile.load(f);
    assertThat(s.name()).isEqualTo("motor and carpet");
    assertThat(s.events()).hasSize(2);
    assertThat(s.events().get(0).atSeconds()).isEqualTo(8.0);
    assertThat(s.events().get(0).set()).containsEntry("left_torque_factor", 0.6);
    assertThat(s.events().get(1).device()).isEqualTo("imu");
    assertThat(s.firstChangeSeconds()).isEqualTo(8.0);
  }

  @Test
  void aBadKeyIsRefusedNamingFileLineAndKey() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(
        f,
        """
        events:
          - at: 8
            set:
              left_torqe_factor: 0.6
              payload_kg: -1
          - at: 9
            fault: {device: lidar, fault: io_error}
          - when: 3
        colour: red
        """);
    assertThatThrownBy(() -> ScenarioFile.load(f))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "bad.yaml:4: events[0].set.left_torqe_factor: unknown parameter; expected"
                            + " one of [battery_soc, left_torque_factor, payload_kg,"
                            + " right_torque_factor, rolling_resistance, traction_mu]",
                        "bad.yaml:5: events[0].set.payload_kg: expected a number in [0.0, 20.0],"
                            + " found -1.0",
                        "bad.yaml:7: events[1].fault.device: expected one of [battery, imu, pwm],"
                            + " found lidar",
                        "bad.yaml:8: events[2].when: unknown key; expected at, set, fault or link",
                        "bad.yaml:9: colour: unknown key; expected name or events"));
  }
}
