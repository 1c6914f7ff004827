package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pass of the telemetry publisher throws: counted and reported, the connection is started afresh
 * (its fallback), nothing queued is lost, commands still work and the loop never noticed.
 */
class PublisherFailureTest {

  @TempDir Path dir;

  @Test
  void aFailedPassReconnectsAndLosesNothing() throws Exception {
    try (LocalBroker broker = LocalBroker.start(new LocalBroker.Options());
        MqttProbe probe = new MqttProbe(broker.url(), null, null);
        RobotUnderTest robot =
            new RobotUnderTest(dir, RuntimeConfig.Telemetry.to(broker.url(), "wobbly", 10), 100)) {
      probe.subscribe(Topics.status("wobbly"));
      MqttProbe.awaitTrue(() -> robot.publisher().remoteControl(), 5, "remote control");
      robot.loop.requestActivate();
      robot.publisher().failNextPass(new IllegalStateException("injected: a pass broke"));
      MqttProbe.awaitTrue(
          () -> robot.runtime.agents().errors("telemetry") == 1, 5, "the injected failure");
      MqttProbe.awaitTrue(
          () ->
              probe.on(Topics.status("wobbly")).stream()
                  .anyMatch(st -> st.get("session").asInt() == 2),
          10,
          "the new session");
      MqttProbe.awaitTrue(() -> robot.publisher().remoteControl(), 10, "remote control again");
      // the agent_error event and everything before it arrive once reconnected
      MqttProbe.awaitTrue(() -> robot.publisher().eventsPending() == 0, 5, "events flushed");
      assertThat(robot.publisher().eventsLost()).isZero();
      var reply = probe.command("wobbly", "get_config", "{}");
      assertThat(reply)
          .as(
              "reply; last error %s, handled %d, replies sent %d",
              robot.publisher().lastError(),
              robot.publisher().commandsHandled(),
              robot.publisher().repliesSent())
          .isNotNull();
      assertThat(reply.get("accepted").asBoolean()).isTrue();
      assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(probe.on(Topics.status("wobbly")).getLast().get("session").asInt())
          .as("a new session after the reconnect")
          .isEqualTo(2);
    }
  }
}
