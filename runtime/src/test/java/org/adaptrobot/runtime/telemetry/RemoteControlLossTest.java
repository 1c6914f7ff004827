package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker trouble is never silent: a wrong password, a refused command subscription, a broker that
 * is not there at start are named (the publisher's last error, the event queued for when a
 * connection allows, standard error), and with {@code on_disconnect: stop} the robot stops within
 * the grace time, cannot be activated while remote control is lost, and stays inactive when it
 * comes back.
 */
class RemoteControlLossTest {

  @TempDir Path dir;

  static final double GRACE = 1.0;

  /** Activates the robot and waits for the inhibit; returns the seconds it took. */
  static double stopsWithin(RobotUnderTest robot, double seconds) throws Exception {
    robot.loop.requestActivate();
    long t0 = System.nanoTime();
    // before the grace time the robot may drive; after it, it must be stopped
    MqttProbe.awaitTrue(
        () -> robot.loop.inhibited() != null,
        seconds,
        "the robot to be held for lost remote control");
    MqttProbe.awaitTrue(
        () -> robot.loop.lifecycle().state() == LifecycleState.INACTIVE, 0.5, "INACTIVE");
    return (System.nanoTime() - t0) * 1e-9;
  }

  @Test
  void aWrongPasswordIsNamedAndStopsTheRobot() throws Exception {
    Path passwords = dir.resolve("passwd");
    SecurityTest.run(
        dir, "mosquitto_passwd", "-b", "-c", passwords.toString(), "robot", "robot-pw");
    Path wrong = dir.resolve("wrong.password");
    Files.writeString(wrong, "guess\n");
    try (LocalBroker broker = LocalBroker.start(new LocalBroker.Options().passwords(passwords));
        RobotUnderTest robot =
            new RobotUnderTest(
                dir,
                SecurityTest.telemetry(broker.url(), "locked-out", "robot", wrong, null)
                    .onDisconnect(true, GRACE),
                100)) {
      double took = stopsWithin(robot, GRACE + 3);
      MqttProbe.awaitTrue(() -> robot.loop.inhibited().contains("refused"), 3, "the cause named");
      assertThat(robot.publisher().connected()).isFalse();
      assertThat(robot.loop.inhibited())
          .contains("remote control lost for")
          // (Mosquitto 2.0 answers a wrong password with 135, not 134)
          .contains("the broker refused the connection (broker reason code 135: not authorised)");
      assertThat(robot.loop.lifecycle().lastReason()).startsWith("inhibited: remote control lost");
      assertThat(robot.publisher().eventsPending())
          .as("the broker_error and remote_control events wait for a connection")
          .isGreaterThanOrEqualTo(2);
      // activation is refused while remote control is lost
      robot.loop.requestActivate();
      Thread.sleep(100);
      assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      System.out.printf("wrong password: robot held after %.2f s (grace %.1f s)%n", took, GRACE);
    }
  }

  @Test
  void aRefusedCommandSubscriptionIsNamedAndStopsTheRobot() throws Exception {
    Path passwords = dir.resolve("passwd");
    SecurityTest.run(
        dir, "mosquitto_passwd", "-b", "-c", passwords.toString(), "robot", "robot-pw");
    Path acl = dir.resolve("acl");
    // the robot may publish its status and telemetry but not read its commands
    Files.writeString(acl, "user robot\ntopic write robots/deaf/#\ntopic write homeassistant/#\n");
    Path password = dir.resolve("robot.password");
    Files.writeString(password, "robot-pw\n");
    try (LocalBroker broker =
            LocalBroker.start(new LocalBroker.Options().passwords(passwords).acl(acl));
        RobotUnderTest robot =
            new RobotUnderTest(
                dir,
                SecurityTest.telemetry(broker.url(), "deaf", "robot", password, null)
                    .onDisconnect(true, GRACE),
                100)) {
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "the connection");
      stopsWithin(robot, GRACE + 5);
      assertThat(robot.publisher().remoteControl()).isFalse();
      // Mosquitto 2.0 grants the subscription and never delivers: the probe finds it out
      MqttProbe.awaitTrue(
          () -> robot.loop.inhibited().contains("does not deliver"), 5, "the probe's verdict");
      assertThat(robot.loop.inhibited())
          .contains(
              "the broker accepted the command subscription robots/deaf/cmd/+ but does not deliver")
          .contains("no probe came back within 3 s");
    }
  }

  @Test
  void aBrokerThatIsNotThereIsNamedAndStopsTheRobotUntilItComes() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "tcp://127.0.0.1:" + port;
    try (RobotUnderTest robot =
        new RobotUnderTest(
            dir, RuntimeConfig.Telemetry.to(url, "alone", 10).onDisconnect(true, GRACE), 100)) {
      stopsWithin(robot, GRACE + 3);
      MqttProbe.awaitTrue(
          () -> robot.loop.inhibited().contains("connection refused"), 3, "the cause named");
      assertThat(robot.loop.inhibited())
          .contains("cannot connect to the broker")
          .contains("connection refused");
      assertThat(robot.publisher().eventsPending())
          .as("broker_error and remote_control events wait for a connection")
          .isGreaterThanOrEqualTo(2);
      // the broker comes: remote control is back, the robot stays inactive until activated
      try (LocalBroker broker = LocalBroker.start(new LocalBroker.Options().port(port))) {
        MqttProbe.awaitTrue(() -> robot.publisher().remoteControl(), 15, "the connection");
        MqttProbe.awaitTrue(() -> robot.loop.inhibited() == null, 2, "the inhibit to lift");
        assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
        MqttProbe.awaitTrue(() -> robot.publisher().eventsPending() == 0, 5, "the events sent");
        try (MqttProbe probe = new MqttProbe(broker.url(), null, null)) {
          assertThat(
                  probe
                      .command("alone", "set_mode", "{\"mode\":\"active\"}")
                      .get("accepted")
                      .asBoolean())
              .isTrue();
          MqttProbe.awaitTrue(
              () -> robot.loop.lifecycle().state() == LifecycleState.ACTIVE, 2, "ACTIVE again");
        }
      }
    }
  }

  @Test
  void withContinueTheRobotDrivesOnWithoutRemoteControl() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw e;
    }
    try (RobotUnderTest robot =
        new RobotUnderTest(
            dir,
            RuntimeConfig.Telemetry.to("tcp://127.0.0.1:" + port, "free", 10)
                .onDisconnect(false, GRACE),
            100)) {
      robot.loop.requestActivate();
      Thread.sleep((long) (1000 * (GRACE + 1)));
      assertThat(robot.loop.inhibited()).isNull();
      assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(robot.publisher().lastError()).isNotBlank();
    }
  }
}
