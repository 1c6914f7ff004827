package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User names, passwords and an ACL; TLS with a CA generated for the test. */
class SecurityTest {

  @TempDir Path dir;

  static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }

  static RuntimeConfig.Telemetry telemetry(
      String url, String id, String user, Path passwordFile, Path ca) {
    return new RuntimeConfig.Telemetry(
        url, id, 10, user, passwordFile, ca, null, null, 1000, 100_000);
  }

  @Test
  void aClientWithoutRightsCannotCommandTheRobot() throws Exception {
    Path passwords = dir.resolve("passwd");
    run(dir, "mosquitto_passwd", "-b", "-c", passwords.toString(), "robot", "robot-pw");
    run(dir, "mosquitto_passwd", "-b", passwords.toString(), "operator", "operator-pw");
    run(dir, "mosquitto_passwd", "-b", passwords.toString(), "viewer", "viewer-pw");
    Path acl = dir.resolve("acl");
    Files.writeString(
        acl,
        String.join(
            "\n",
            "user robot",
            "topic readwrite robots/secure/#",
            "topic readwrite homeassistant/#",
            "topic write probe/#",
            "user operator",
            "topic write robots/secure/cmd/#",
            "topic read robots/#",
            "topic readwrite probe/#",
            "user viewer",
            "topic read robots/#",
            "topic readwrite probe/#",
            ""));
    Path robotPassword = dir.resolve("robot.password");
    Files.writeString(robotPassword, "robot-pw\n");
    try (LocalBroker broker =
            LocalBroker.start(new LocalBroker.Options().passwords(passwords).acl(acl));
        RobotUnderTest robot =
            new RobotUnderTest(
                dir, telemetry(broker.url(), "secure", "robot", robotPassword, null), 100);
        MqttProbe operator = new MqttProbe(broker.url(), "operator", "operator-pw");
        MqttProbe viewer = new MqttProbe(broker.url(), "viewer", "viewer-pw")) {
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "the robot to connect");
      viewer.subscribe("robots/secure/#");
      JsonNode denied = viewer.command("secure", "set_mode", "{\"mode\":\"active\"}".getBytes(), 2);
      assertThat(denied).as("the broker drops the viewer's command").isNull();
      assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(robot.publisher().commandsHandled()).isZero();
      JsonNode accepted = operator.command("secure", "set_mode", "{\"mode\":\"active\"}");
      assertThat(accepted.get("accepted").asBoolean()).isTrue();
      MqttProbe.awaitTrue(
          () -> robot.loop.lifecycle().state() == LifecycleState.ACTIVE, 2, "ACTIVE");
      MqttProbe.awaitTrue(
          () -> !viewer.on(Topics.telemetry("secure")).isEmpty(), 3, "the viewer to see telemetry");
    }
    // and a robot with a wrong password does not get in
    Path wrong = dir.resolve("wrong.password");
    Files.writeString(wrong, "guess\n");
    try (LocalBroker broker =
            LocalBroker.start(new LocalBroker.Options().passwords(passwords).acl(acl));
        RobotUnderTest robot =
            new RobotUnderTest(dir, telemetry(broker.url(), "secure", "robot", wrong, null), 100)) {
      Thread.sleep(1500);
      assertThat(robot.publisher().connected()).isFalse();
      assertThat(robot.publisher().lastError()).isNotBlank();
    }
  }

  /** A CA, and a certificate for 127.0.0.1 signed by it. */
  static Path[] certificates(Path dir, String name) throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    run(
        d,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=" + name + " test CA");
    run(
        d,
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1");
    Files.writeString(d.resolve("ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
    run(
        d,
        "openssl",
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf");
    return new Path[] {d.resolve("ca.crt"), d.resolve("server.crt"), d.resolve("server.key")};
  }

  @Test
  void tlsConnectsWithTheRightCaAndIsRefusedWithAWrongOne() throws Exception {
    Path[] good = certificates(dir, "good");
    Path[] other = certificates(dir, "other");
    try (LocalBroker broker =
        LocalBroker.start(new LocalBroker.Options().tls(good[1], good[2], good[0]))) {
      assertThat(broker.url()).startsWith("ssl://");
      try (RobotUnderTest robot =
          new RobotUnderTest(dir, telemetry(broker.url(), "tls-ok", null, null, good[0]), 100)) {
        MqttProbe.awaitTrue(() -> robot.publisher().connected(), 10, "a TLS connection");
      }
      try (RobotUnderTest robot =
          new RobotUnderTest(dir, telemetry(broker.url(), "tls-bad", null, null, other[0]), 100)) {
        Thread.sleep(2000);
        assertThat(robot.publisher().connected()).isFalse();
        assertThat(robot.publisher().lastError()).isNotBlank();
      }
    }
  }
}
