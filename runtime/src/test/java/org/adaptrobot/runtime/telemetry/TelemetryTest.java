package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.TrackingControllerBundle;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Telemetry, events and commands against a real Mosquitto broker. */
class TelemetryTest {

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

  @Test
  void publishesStatusDiscoveryAndTelemetryAtItsRate() throws Exception {
    try (MqttProbe probe = new MqttProbe(broker.url(), null, null);
        RobotUnderTest robot =
            new RobotUnderTest(
                dir, RuntimeConfig.Telemetry.to(broker.url(), "rate-bot", 20), 100)) {
      probe.subscribe("robots/rate-bot/#");
      probe.subscribe("homeassistant/#");
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "connection");
      robot.loop.requestActivate();
      robot.loop.targets().hold(0.2, 0.0);
      Thread.sleep(300);
      int before = probe.on(Topics.telemetry("rate-bot")).size();
      long t0 = System.nanoTime();
      Thread.sleep(3000);
      int count = probe.on(Topics.telemetry("rate-bot")).size() - before;
      double seconds = (System.nanoTime() - t0) * 1e-9;
      assertThat(count / seconds).isBetween(17.0, 23.0);
      JsonNode last = probe.on(Topics.telemetry("rate-bot")).getLast();
      assertThat(last.get("schema").asInt()).isEqualTo(1);
      assertThat(last.get("state").asText()).isEqualTo("ACTIVE");
      assertThat(last.get("v_target").asDouble()).isEqualTo(0.2);
      assertThat(last.get("v").asDouble()).isBetween(0.15, 0.25);
      assertThat(last.get("battery_v").asDouble()).isBetween(6.5, 8.5);
      assertThat(last.get("action")).hasSize(2);
      assertThat(last.get("loop").get("steps").asLong()).isPositive();
      assertThat(last.get("loop").has("period_error_p99_us")).isTrue();
      List<JsonNode> seqs = probe.on(Topics.telemetry("rate-bot"));
      for (int i = 1; i < seqs.size(); i++) {
        assertThat(seqs.get(i).get("seq").asLong())
            .isGreaterThan(seqs.get(i - 1).get("seq").asLong());
      }
      JsonNode status = probe.on(Topics.status("rate-bot")).getLast();
      assertThat(status.get("state").asText()).isEqualTo("online");
      assertThat(status.get("session").asInt()).isEqualTo(1);
      assertThat(
              probe
                  .on(Topics.homeAssistant("rate-bot", "battery"))
                  .getLast()
                  .get("unit_of_measurement")
                  .asText())
          .isEqualTo("V");
      assertThat(probe.on(Topics.events("rate-bot")))
          .anySatisfy(e -> assertThat(e.get("to").asText()).isEqualTo("ACTIVE"));
    }
    // after a clean close the retained status says offline
    try (MqttProbe late = new MqttProbe(broker.url(), null, null)) {
      late.subscribe(Topics.status("rate-bot"));
      MqttProbe.awaitTrue(
          () -> !late.on(Topics.status("rate-bot")).isEmpty(), 5, "retained status");
      assertThat(late.on(Topics.status("rate-bot")).getLast().get("state").asText())
          .isEqualTo("offline");
    }
  }

  @Test
  void aRecurrentPolicyReportsItsHiddenStateAndAnswersTheAdaptationCommands() throws Exception {
    String id = "rl2-bot";
    try (MqttProbe probe = new MqttProbe(broker.url(), null, null);
        RobotUnderTest robot =
            new RobotUnderTest(
                Path.of("../bundles/diffdrive-rl2"),
                dir,
                RuntimeConfig.Telemetry.to(broker.url(), id, 20),
                50)) {
      probe.subscribe(Topics.telemetry(id));
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "connection");
      assertThat(probe.command(id, "set_mode", "{\"mode\":\"active\"}").get("accepted").asBoolean())
          .isTrue();
      robot.loop.targets().hold(0.25, 0.5);
      Thread.sleep(600);
      JsonNode h = probe.on(Topics.telemetry(id)).getLast().get("recurrent");
      assertThat(h).as("telemetry of mode recurrent").isNotNull();
      assertThat(h.get("hidden_norm").asDouble()).isPositive();
      assertThat(h.get("hidden_change").asDouble()).isFinite();
      long resets = h.get("resets").asLong();
      assertThat(resets).isEqualTo(1); // activation

      JsonNode r = probe.command(id, "adaptation", "{\"action\":\"trigger\"}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText()).contains("hidden state");
      r = probe.command(id, "adaptation", "{\"action\":\"reset\"}");
      assertThat(r.get("accepted").asBoolean()).as(r.toString()).isTrue();
      MqttProbe.awaitTrue(
          () -> {
            JsonNode last = probe.on(Topics.telemetry(id)).getLast();
            return last.get("recurrent").get("resets").asLong() == resets + 1;
          },
          3,
          "the reset reported");
      disableHoldsAndEnableReleases(probe, id, robot);
    }
  }

  @Test
  void aLatentPolicyReportsItsLatentAndAnswersTheAdaptationCommands() throws Exception {
    String id = "rma-bot";
    try (MqttProbe probe = new MqttProbe(broker.url(), null, null);
        RobotUnderTest robot =
            new RobotUnderTest(
                Path.of("../bundles/diffdrive-rma"),
                dir,
                RuntimeConfig.Telemetry.to(broker.url(), id, 20),
                50)) {
      probe.subscribe(Topics.telemetry(id));
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "connection");
      assertThat(probe.command(id, "set_mode", "{\"mode\":\"active\"}").get("accepted").asBoolean())
          .isTrue();
      robot.loop.targets().hold(0.25, 0.5);
      MqttProbe.awaitTrue(
          () -> {
            JsonNode last = probe.on(Topics.telemetry(id)).getLast().get("latent");
            return last != null && last.get("shift").asDouble() > 0;
          },
          5,
          "a latent with a shift once a window has passed");
      JsonNode z = probe.on(Topics.telemetry(id)).getLast().get("latent");
      assertThat(probe.on(Topics.telemetry(id)).getLast().has("recurrent")).isFalse();
      assertThat(z.get("z_norm").asDouble()).isPositive();
      assertThat(z.get("shift_measure").asText()).isEqualTo("distance"); // window encoding
      long resets = z.get("resets").asLong();
      assertThat(resets).isEqualTo(1); // activation
      JsonNode r = probe.command(id, "adaptation", "{\"action\":\"trigger\"}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText()).contains("latent");
      r = probe.command(id, "adaptation", "{\"action\":\"reset\"}");
      assertThat(r.get("accepted").asBoolean()).as(r.toString()).isTrue();
      MqttProbe.awaitTrue(
          () ->
              probe.on(Topics.telemetry(id)).getLast().get("latent").get("resets").asLong()
                  == resets + 1,
          3,
          "the restart reported");
      disableHoldsAndEnableReleases(probe, id, robot);
    }
  }

  /** {@code adaptation disable} holds the re-inferred state, {@code enable} lets it move again. */
  static void disableHoldsAndEnableReleases(MqttProbe probe, String id, RobotUnderTest robot)
      throws Exception {
    JsonNode r = probe.command(id, "adaptation", "{\"action\":\"disable\"}");
    assertThat(r.get("accepted").asBoolean()).isTrue();
    MqttProbe.awaitTrue(() -> robot.loop.recurrent().held(), 2, "held");
    r = probe.command(id, "adaptation", "{\"action\":\"enable\"}");
    assertThat(r.get("accepted").asBoolean()).isTrue();
    MqttProbe.awaitTrue(() -> !robot.loop.recurrent().held(), 2, "moving again");
  }

  static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var files = java.nio.file.Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path t = to.resolve(from.relativize(f).toString());
        if (java.nio.file.Files.isDirectory(f)) {
          java.nio.file.Files.createDirectories(t);
        } else {
          java.nio.file.Files.copy(f, t);
        }
      }
    }
  }

  @Test
  void everyCommandRoundTrips() throws Exception {
    String id = "cmd-bot";
    try (MqttProbe probe = new MqttProbe(broker.url(), null, null);
        RobotUnderTest robot =
            new RobotUnderTest(dir, RuntimeConfig.Telemetry.to(broker.url(), id, 10), 100)) {
      probe.subscribe(Topics.events(id));
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "connection");
      JsonNode r = probe.command(id, "set_mode", "{\"mode\":\"active\"}");
      assertThat(r.get("accepted").asBoolean()).isTrue();
      MqttProbe.awaitTrue(
          () -> robot.loop.lifecycle().state() == LifecycleState.ACTIVE, 2, "ACTIVE");

      r = probe.command(id, "velocity", "{\"v\":0.25,\"omega\":-0.5}");
      assertThat(r.get("accepted").asBoolean()).as(r.toString()).isTrue();
      assertThat(robot.loop.targets().velocity().forwardSpeed()).isEqualTo(0.25);

      r = probe.command(id, "waypoint", "{\"x\":1.5,\"y\":-0.5}");
      assertThat(r.get("accepted").asBoolean()).isTrue();
      assertThat(robot.loop.targets().waypoint().x()).isEqualTo(1.5);

      r = probe.command(id, "adaptation", "{\"action\":\"trigger\"}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText()).contains("does not adapt");

      r = probe.command(id, "get_config", "{}");
      assertThat(r.get("accepted").asBoolean()).isTrue();
      assertThat(r.get("result").get("control_rate_hz").asDouble()).isEqualTo(100);
      assertThat(r.get("result").get("robot").asText()).isEqualTo("diffbot");

      Path other = dir.resolve("other");
      TrackingControllerBundle.write(other, 0.0325, 0.15, 0.003, 100, 0.05);
      r = probe.command(id, "load_bundle", "{\"path\":\"" + other + "\"}");
      assertThat(r.get("accepted").asBoolean()).as(r.toString()).isTrue();
      MqttProbe.awaitTrue(
          () ->
              probe.on(Topics.events(id)).stream()
                  .anyMatch(
                      e -> e.has("reason") && e.get("reason").asText().contains("policy swapped")),
          3,
          "swap event");

      Path wrongRate = dir.resolve("wrong-rate");
      TrackingControllerBundle.write(wrongRate, 0.0325, 0.15, 0.003, 50, 0.05);
      r = probe.command(id, "load_bundle", "{\"path\":\"" + wrongRate + "\"}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText()).contains("50.0 Hz").contains("running bundle kept");
      // a bundle that adapts on the robot needs its engine built with it: not swapped at run time
      Path adapting = dir.resolve("grbal");
      copyTree(Path.of("../bundles/diffdrive-grbal"), adapting);
      r = probe.command(id, "load_bundle", "{\"path\":\"" + adapting + "\"}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText())
          .contains("cannot be swapped")
          .contains("running bundle kept");
      // outside the bundle directories: refused, whether or not it exists
      r =
          probe.command(
              id,
              "load_bundle",
              "{\"path\":\"" + Path.of("../bundles/diffdrive-grbal").toAbsolutePath() + "\"}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText()).contains("is not inside the bundle directories");
      r = probe.command(id, "load_bundle", "{\"path\":\"" + dir.resolve("missing") + "\"}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText()).contains("no such bundle");

      r = probe.command(id, "estop", "{\"reason\":\"test\"}");
      assertThat(r.get("accepted").asBoolean()).isTrue();
      MqttProbe.awaitTrue(() -> robot.loop.lifecycle().eStopLatched(), 2, "e-stop");
      assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      r = probe.command(id, "set_mode", "{\"mode\":\"active\"}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText()).contains("reset_estop");
      r = probe.command(id, "reset_estop", "{}");
      assertThat(r.get("accepted").asBoolean()).isTrue();
      MqttProbe.awaitTrue(() -> !robot.loop.lifecycle().eStopLatched(), 2, "reset");
      r = probe.command(id, "set_mode", "{\"mode\":\"inactive\"}");
      assertThat(r.get("accepted").asBoolean()).isTrue();

      r = probe.command(id, "self_destruct", "{}");
      assertThat(r.get("accepted").asBoolean()).isFalse();
      assertThat(r.get("reason").asText()).startsWith("unknown command 'self_destruct'");
      assertThat(robot.loop.metrics().get(Counter.FAULTS)).isZero();
    }
  }
}
