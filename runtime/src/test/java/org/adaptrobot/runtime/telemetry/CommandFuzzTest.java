package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 broken command payloads through a real broker: every one gets a rejecting reply, nothing
 * crashes, and the loop neither stops nor changes state. (Not e-stops: any e-stop latches, whatever
 * its payload; {@code EStopPathTest} sends broken ones.)
 */
class CommandFuzzTest {

  @TempDir Path dir;

  static final String[] VALID = {
    "{\"reason\":\"x\"}", "{}", "{\"mode\":\"active\"}", "{\"v\":0.1,\"omega\":0.2}",
    "{\"x\":1,\"y\":2}", "{\"action\":\"trigger\"}", "{\"path\":\"/tmp\"}", "{}"
  };

  /** A payload with at least one defect by construction. */
  static byte[] broken(SplittableRandom r, int command) {
    String base = VALID[command];
    switch (r.nextInt(8)) {
      case 0 -> { // random bytes
        byte[] b = new byte[r.nextInt(1, 200)];
        r.nextBytes(b);
        b[0] = (byte) '~'; // never a JSON object start
        return b;
      }
      case 1 -> { // truncated JSON
        return base.substring(
                0,
                Math.max(1, r.nextInt(base.length() - 1) + 1) - 1 + 1 > base.length() - 1
                    ? base.length() - 1
                    : r.nextInt(1, base.length()))
            .getBytes(StandardCharsets.UTF_8);
      }
      case 2 -> { // an unknown field added
        String inner = base.substring(1, base.length() - 1);
        return ("{"
                + (inner.isEmpty() ? "" : inner + ",")
                + "\"f"
                + r.nextInt(1000)
                + "\":"
                + r.nextInt()
                + "}")
            .getBytes(StandardCharsets.UTF_8);
      }
      case 3 -> { // not an object
        String[] n = {"[]", "42", "\"text\"", "null", "true", "[{}]"};
        return n[r.nextInt(n.length)].getBytes(StandardCharsets.UTF_8);
      }
      case 4 -> { // wrong types / out of range / non-finite, plus an unknown field to be sure
        String[] bad = {"\"NaN\"", "1e999", "-1e308", "[1]", "{\"a\":1}", "\"\"", "99999"};
        String v = bad[r.nextInt(bad.length)];
        return ("{\"v\":" + v + ",\"omega\":" + v + ",\"mode\":" + v + ",\"zz\":0}")
            .getBytes(StandardCharsets.UTF_8);
      }
      case 5 -> { // deep nesting
        int depth = r.nextInt(100, 3000);
        return ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8);
      }
      case 6 -> { // a huge string field
        return ("{\"reason\":\"" + "x".repeat(r.nextInt(70_000, 80_000)) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
      }
      default -> { // byte flips in a valid payload, made invalid by a trailing unknown field
        byte[] b =
            (base.substring(0, base.length() - 1)
                    + (base.length() > 2 ? "," : "")
                    + "\"unknown_field_zz\":1}")
                .getBytes(StandardCharsets.UTF_8);
        for (int k = 0; k < 2; k++) {
          int i = r.nextInt(b.length);
          if (b[i] != '"') {
            b[i] ^= (byte) (1 << r.nextInt(7));
          }
        }
        return b;
      }
    }
  }

  @Test
  void tenThousandBrokenPayloadsAreEachRejectedWithAReplyAndTheLoopIsUnaffected() throws Exception {
    try (LocalBroker broker = LocalBroker.start(new LocalBroker.Options());
        MqttProbe probe = new MqttProbe(broker.url(), null, null);
        RobotUnderTest robot =
            new RobotUnderTest(dir, RuntimeConfig.Telemetry.to(broker.url(), "fuzz", 10), 100)) {
      MqttProbe.awaitTrue(() -> robot.publisher().connected(), 5, "connection");
      robot.loop.requestActivate();
      robot.loop.targets().hold(0.2, 0.1);
      MqttProbe.awaitTrue(
          () -> robot.loop.lifecycle().state() == LifecycleState.ACTIVE, 2, "ACTIVE");
      long stepsBefore = robot.loop.steps();

      SplittableRandom r = new SplittableRandom(2026);
      List<String> names = new ArrayList<>(CommandHandler.COMMANDS);
      names.add("nonsense");
      int n = 10_000;
      for (int i = 0; i < n; i++) {
        int c = r.nextInt(1, names.size()); // 0 is estop
        String name = names.get(c);
        byte[] payload = c < VALID.length ? broken(r, c) : "{}".getBytes(StandardCharsets.UTF_8);
        probe.send("fuzz", name, payload, "fuzz-" + i);
        if (i % 20 == 19) {
          // a client keeps at most 20 commands outstanding (see TelemetryPublisher on QoS)
          int sent = i + 1;
          MqttProbe.awaitTrue(() -> probe.replies.size() >= sent, 10, "replies to " + sent);
        }
      }
      MqttProbe.awaitTrue(() -> probe.replies.size() >= n, 30, "all replies");
      assertThat(probe.replies).hasSize(n);
      for (JsonNode reply : probe.replies.values()) {
        assertThat(reply.get("accepted").asBoolean()).as(reply.toString()).isFalse();
        assertThat(reply.get("reason").asText()).isNotBlank();
      }
      assertThat(robot.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(robot.loop.lifecycle().eStopLatched()).isFalse();
      assertThat(robot.loop.metrics().get(Counter.FAULTS)).isZero();
      assertThat(robot.loop.steps()).isGreaterThan(stepsBefore);
      assertThat(robot.loop.targets().velocity().forwardSpeed()).isEqualTo(0.2);
    }
  }
}
