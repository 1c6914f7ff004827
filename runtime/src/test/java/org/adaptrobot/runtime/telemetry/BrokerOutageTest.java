package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away for 10 s while the robot runs at wall-clock pace: no event is lost, events
 * arrive in order, buffered telemetry stays within its bound (drops counted), and the loop keeps
 * its rate throughout.
 */
class BrokerOutageTest {

  @TempDir Path dir;

  @Test
  void aTenSecondOutageLosesNoEventAndDoesNotDisturbTheLoop() throws Exception {
    try (LocalBroker broker = LocalBroker.start(new LocalBroker.Options())) {
      RuntimeConfig.Telemetry t =
          new RuntimeConfig.Telemetry(
                  broker.url(), "outage", 20, null, null, null, null, null, 50, 100_000)
              // this robot drives on without remote control (EStopPathTest: the default stops)
              .onDisconnect(false, 5);
      try (RobotUnderTest robot = new RobotUnderTest(dir, t, 100)) {
        MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "connection");
        robot.loop.requestActivate();
        robot.loop.targets().hold(0.2, 0.3);
        Thread.sleep(1000);
        robot.publisher().event(Map.of("kind", "test", "n", 0));
        MqttProbe.awaitTrue(() -> robot.publisher().eventsPending() == 0, 5, "events flushed");

        broker.stop();
        MqttProbe.awaitTrue(() -> !robot.publisher().connected(), 10, "the robot to notice");
        long stepsAtStop = robot.loop.steps();
        long t0 = System.nanoTime();
        for (int n = 1; n <= 100; n++) {
          robot.publisher().event(Map.of("kind", "test", "n", n));
          if (n == 50) {
            robot.loop.requestDeactivate("during the outage");
          }
          Thread.sleep(100);
        }
        robot.loop.requestActivate();
        long outageNanos = System.nanoTime() - t0;
        long stepsDuring = robot.loop.steps() - stepsAtStop;
        assertThat(robot.publisher().eventsPending()).isGreaterThanOrEqualTo(100);

        broker.restart();
        try (MqttProbe probe = new MqttProbe(broker.url(), null, null)) {
          probe.subscribe(Topics.events("outage"));
          probe.subscribe(Topics.telemetry("outage"));
          MqttProbe.awaitTrue(
              () ->
                  probe.on(Topics.events("outage")).stream()
                      .anyMatch(e -> e.has("n") && e.get("n").asInt() == 100),
              20,
              "the last test event");
          List<JsonNode> tests =
              probe.on(Topics.events("outage")).stream()
                  .filter(e -> "test".equals(e.path("kind").asText()))
                  .toList();
          // every event of the outage arrives, once, in order
          assertThat(tests.stream().map(e -> e.get("n").asInt()).toList())
              .containsExactlyElementsOf(
                  java.util.stream.IntStream.rangeClosed(1, 100).boxed().toList());
          List<JsonNode> all = probe.on(Topics.events("outage"));
          for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).get("seq").asLong())
                .isGreaterThan(all.get(i - 1).get("seq").asLong());
          }
          assertThat(all).anySatisfy(e -> assertThat(e.path("to").asText()).isEqualTo("INACTIVE"));
          // periodic telemetry: at most the buffer's 50 from the outage, the rest dropped and
          // counted
          Thread.sleep(500);
          assertThat(robot.publisher().telemetryDropped()).isGreaterThan(100);
          assertThat(robot.publisher().eventsLost()).isZero();
          List<JsonNode> telemetry = probe.on(Topics.telemetry("outage"));
          assertThat(telemetry).isNotEmpty();
          for (int i = 1; i < telemetry.size(); i++) {
            assertThat(telemetry.get(i).get("seq").asLong())
                .isGreaterThan(telemetry.get(i - 1).get("seq").asLong());
          }
        }
        // the loop kept its 100 Hz through the outage: it never waited for the network
        double expected = outageNanos * 1e-9 * 100;
        assertThat((double) stepsDuring).isBetween(0.97 * expected, 1.03 * expected);
        assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      }
    }
  }
}
