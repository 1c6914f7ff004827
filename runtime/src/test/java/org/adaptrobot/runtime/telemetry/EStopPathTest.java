package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every message on {@code cmd/estop} latches the e-stop within one control period, through a real
 * Mosquitto, whatever its payload and whatever {@code load_bundle} was sent just before it. "Within
 * one period" is measured by the loop itself: the step boundaries between the request and the latch
 * ({@code LoopMetrics.eStopMaxSteps}: at most 1).
 */
class EStopPathTest {

  static LocalBroker broker;
  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = LocalBroker.start(new LocalBroker.Options());
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  /** Activates the robot, sends the e-stop, and returns its reply once the loop latched it. */
  static JsonNode eStopLatches(RobotUnderTest robot, MqttProbe probe, String id, byte[] payload)
      throws Exception {
    if (robot.loop.lifecycle().eStopLatched()) {
      assertThat(probe.command(id, "reset_estop", "{}").get("accepted").asBoolean()).isTrue();
      MqttProbe.awaitTrue(() -> !robot.loop.lifecycle().eStopLatched(), 2, "reset");
    }
    robot.loop.requestActivate();
    MqttProbe.awaitTrue(() -> robot.loop.lifecycle().state() == LifecycleState.ACTIVE, 2, "ACTIVE");
    long before = robot.loop.metrics().get(Counter.E_STOP);
    JsonNode reply = probe.command(id, "estop", payload, 5);
    assertThat(reply).as("a reply to the e-stop").isNotNull();
    MqttProbe.awaitTrue(() -> robot.loop.lifecycle().eStopLatched(), 2, "the e-stop to latch");
    assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
    MqttProbe.awaitTrue(
        () -> robot.loop.metrics().get(Counter.E_STOP) == before + 1, 2, "the e-stop counted");
    assertThat(robot.loop.metrics().eStopMaxSteps())
        .as("step boundaries before the latch")
        .isLessThanOrEqualTo(1);
    return reply;
  }

  @Test
  void anEStopLatchesWhateverItsPayload() throws Exception {
    String id = "estop-payloads";
    try (MqttProbe probe = new MqttProbe(broker.url(), null, null);
        RobotUnderTest robot =
            new RobotUnderTest(dir, RuntimeConfig.Telemetry.to(broker.url(), id, 10), 100)) {
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "connection");
      robot.loop.targets().hold(0.2, 0);
      byte[] megabyte = new byte[1 << 20];
      Arrays.fill(megabyte, (byte) 'x');
      Object[][] cases = {
        {"{\"reason\":\"bump\",\"colour\":\"red\"}", "unknown field 'colour'"},
        {"{\"reason\":42}", "field 'reason' is not text"},
        {"{\"reason\":\"cut off", "payload is not valid JSON"},
        {
          new byte[] {'{', '"', 'r', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
          "payload is not valid JSON"
        },
        {megabyte, "payload of 1048576 bytes not read"},
        {new byte[0], null},
        {"[1,2,3]", "not a JSON object"},
        {"{\"reason\":\"a\"}{\"reason\":\"b\"}", "payload is not valid JSON"},
      };
      for (Object[] c : cases) {
        byte[] payload =
            c[0] instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) c[0];
        JsonNode reply = eStopLatches(robot, probe, id, payload);
        assertThat(reply.get("accepted").asBoolean()).as(reply.toString()).isTrue();
        if (c[1] != null) {
          assertThat(reply.get("reason").asText())
              .contains("payload problem")
              .contains((String) c[1]);
        } else {
          assertThat(reply.get("reason").asText())
              .isEqualTo("e-stop latched (remote: remote e-stop)");
        }
      }
      assertThat(robot.loop.metrics().get(Counter.E_STOP)).isEqualTo(cases.length);
    }
  }

  @Test
  void aLoadBundleNeverDelaysAnEStopAndListsNoFiles() throws Exception {
    String id = "estop-loads";
    // bundle directory = the folder of the configured bundle (RobotUnderTest writes it into dir)
    Path fifo = dir.resolve("fifo-bundle");
    new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
    Path huge = Files.createDirectories(dir.resolve("huge"));
    Files.writeString(huge.resolve("manifest.json"), "{}");
    for (int i = 0; i < 5000; i++) {
      Files.writeString(huge.resolve("secret-" + i + ".txt"), "x");
    }
    Path linkOut = Files.createSymbolicLink(dir.resolve("etc-link"), Path.of("/etc"));
    try (MqttProbe probe = new MqttProbe(broker.url(), null, null);
        RobotUnderTest robot =
            new RobotUnderTest(dir, RuntimeConfig.Telemetry.to(broker.url(), id, 10), 100)) {
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "connection");
      probe.subscribe(Topics.events(id));
      String[][] loads = {
        {
          fifo.toString(),
          "not a bundle (not a directory or a .zip file but a device, FIFO or socket)"
        },
        {huge.toString(), "more than 256 files"},
        {"/etc", "is not inside the bundle directories"},
        {"/etc/nothing-here", "is not inside the bundle directories"},
        {linkOut.toString(), "is not inside the bundle directories"},
        {linkOut.resolve("passwd").toString(), "is not inside the bundle directories"},
        {dir.resolve("../../../etc/passwd").toString(), "is not inside the bundle directories"},
      };
      for (String[] l : loads) {
        String corr = "load-" + Math.abs(l[0].hashCode());
        probe.send(id, "load_bundle", ("{\"path\":\"" + l[0] + "\"}").getBytes(), corr);
        eStopLatches(robot, probe, id, "{\"reason\":\"right after a load\"}".getBytes());
        MqttProbe.awaitTrue(() -> probe.replies.containsKey(corr), 5, "the load's reply");
        JsonNode reply = probe.replies.remove(corr);
        assertThat(reply.get("accepted").asBoolean()).as(l[0]).isFalse();
        assertThat(reply.get("reason").asText()).as(l[0]).contains(l[1]).doesNotContain("secret-");
      }
      // the events repeat the replies: no file listed there either, and the same words for a path
      // outside the bundle directories whether or not it exists
      Thread.sleep(300);
      assertThat(probe.on(Topics.events(id)))
          .isNotEmpty()
          .allSatisfy(e -> assertThat(e.toString()).doesNotContain("secret-"));
      assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
    }
  }
}
