package org.adaptrobot.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.adaptrobot.runtime.telemetry.NoDelaySockets;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code robot monitor}: a live terminal view of robots from their MQTT topics. */
@Command(
    name = "monitor",
    mixinStandardHelpOptions = true,
    description =
        "Watch one or many robots live: status, key telemetry and recent events, from"
            + " robots/<id>/status, telemetry and events.")
public final class MonitorCommand implements Callable<Integer> {

  @Option(
      names = "--broker",
      defaultValue = "tcp://127.0.0.1:1883",
      description = "Broker URL (default: ${DEFAULT-VALUE}).")
  String broker;

  @Option(names = "--robot", defaultValue = "+", description = "Robot id, or + for all (default).")
  String robot;

  @Option(names = "--seconds", description = "Stop after N seconds (default: until Ctrl-C).")
  Double seconds;

  @Option(
      names = "--plain",
      description = "Print a new table each refresh instead of redrawing the screen.")
  boolean plain;

  @Option(names = "--user", description = "MQTT user name.")
  String user;

  @Option(names = "--password", description = "MQTT password.", interactive = false)
  String password;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final class Robot {
    volatile JsonNode status;
    volatile JsonNode telemetry;
    volatile long telemetryAt;
    final Deque<String> events = new ArrayDeque<>();
  }

  private final Map<String, Robot> robots = new ConcurrentHashMap<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    MqttClient client =
        new MqttClient(broker, "monitor-" + UUID.randomUUID(), new MemoryPersistence());
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(true);
    o.setConnectionTimeout(5);
    if (broker.startsWith("tcp:")) {
      o.setSocketFactory(NoDelaySockets.plain());
    }
    if (user != null) {
      o.setUserName(user);
      o.setPassword(password == null ? new byte[0] : password.getBytes());
    }
    client.setCallback(
        new MqttCallback() {
          @Override
          public void disconnected(MqttDisconnectResponse r) {}

          @Override
          public void mqttErrorOccurred(MqttException e) {}

          @Override
          public void messageArrived(String topic, MqttMessage m) {
            String[] parts = topic.split("/");
            if (parts.length < 3) {
              return;
            }
            Robot r = robots.computeIfAbsent(parts[1], k -> new Robot());
            JsonNode n;
            try {
              n = JSON.readTree(m.getPayload());
            } catch (Exception e) {
              return;
            }
            switch (parts[2]) {
              case "status" -> r.status = n;
              case "telemetry" -> {
                r.telemetry = n;
                r.telemetryAt = System.nanoTime();
              }
              case "events" -> {
                synchronized (r.events) {
                  r.events.addFirst(describe(n));
                  while (r.events.size() > 5) {
                    r.events.removeLast();
                  }
                }
              }
              default -> {}
            }
          }

          @Override
          public void deliveryComplete(IMqttToken t) {}

          @Override
          public void connectComplete(boolean reconnect, String uri) {}

          @Override
          public void authPacketArrived(int code, MqttProperties p) {}
        });
    try {
      client.connect(o);
    } catch (MqttException e) {
      err.println("error: cannot reach the broker at " + broker + " (" + e.getMessage() + ")");
      return 1;
    }
    for (String t : new String[] {"status", "telemetry", "events"}) {
      client.subscribe("robots/" + robot + "/" + t, 0);
    }
    long end = seconds == null ? Long.MAX_VALUE : System.nanoTime() + (long) (seconds * 1e9);
    try {
      while (System.nanoTime() < end) {
        render(out);
        Thread.sleep(500);
      }
      render(out);
    } finally {
      client.disconnect();
      client.close();
    }
    return 0;
  }

  private static String describe(JsonNode e) {
    String kind = e.path("kind").asText();
    return switch (kind) {
      case "transition" ->
          e.path("from").asText()
              + " -> "
              + e.path("to").asText()
              + ": "
              + e.path("reason").asText();
      case "fault" -> "fault " + e.path("fault").asText() + ": " + e.path("message").asText();
      case "command" ->
          "command "
              + e.path("command").asText()
              + (e.path("accepted").asBoolean()
                  ? " accepted"
                  : " rejected: " + e.path("reason").asText());
      default -> kind + " " + e;
    };
  }

  private void render(PrintWriter out) {
    StringBuilder b = new StringBuilder();
    if (!plain) {
      b.append("\033[H\033[2J");
    }
    b.append(
        String.format(
            Locale.ROOT,
            "robot monitor — %s — %d robot%s%n",
            broker,
            robots.size(),
            robots.size() == 1 ? "" : "s"));
    b.append(
        String.format(
            "%-16s %-8s %-9s %5s %8s %8s %8s %8s %7s %6s%n",
            "robot", "status", "state", "estop", "v m/s", "v*", "ω rad/s", "ω*", "batt V",
            "age s"));
    for (Map.Entry<String, Robot> e : new TreeMap<>(robots).entrySet()) {
      Robot r = e.getValue();
      JsonNode s = r.status;
      JsonNode t = r.telemetry;
      String state =
          t != null ? t.path("state").asText() : s != null ? s.path("lifecycle").asText() : "?";
      b.append(
          String.format(
              Locale.ROOT,
              "%-16s %-8s %-9s %5s %8.3f %8.3f %8.3f %8.3f %7.2f %6.1f%n",
              e.getKey(),
              s == null ? "?" : s.path("state").asText(),
              state,
              t == null ? "?" : t.path("estop").asBoolean() ? "YES" : "no",
              t == null ? Double.NaN : t.path("v").asDouble(),
              t == null ? Double.NaN : t.path("v_target").asDouble(),
              t == null ? Double.NaN : t.path("omega").asDouble(),
              t == null ? Double.NaN : t.path("omega_target").asDouble(),
              t == null ? Double.NaN : t.path("battery_v").asDouble(),
              t == null ? Double.NaN : (System.nanoTime() - r.telemetryAt) * 1e-9));
      if (t != null) {
        JsonNode l = t.path("loop");
        b.append(
            String.format(
                Locale.ROOT,
                "    loop: %d steps, %d overruns, %d faults, %d interventions, period p99 %.1f µs, compute p99 %.1f µs%n",
                l.path("steps").asLong(),
                l.path("overruns").asLong(),
                l.path("faults").asLong(),
                l.path("interventions").asLong(),
                l.path("period_error_p99_us").asDouble(),
                l.path("compute_p99_us").asDouble()));
        JsonNode z = t.path("latent");
        if (z.isObject()) {
          b.append(
              String.format(
                  Locale.ROOT,
                  "    latent: ‖z‖ %.3f, change %.4f per encoding, shift %.3f%s over the window, %d"
                      + " resets%n",
                  z.path("z_norm").asDouble(),
                  z.path("change").asDouble(),
                  z.path("shift").asDouble(),
                  z.path("shift_measure").asText().equals("kl") ? " nats (KL)" : "",
                  z.path("resets").asLong()));
        }
        JsonNode h = t.path("recurrent");
        if (h.isObject()) {
          b.append(
              String.format(
                  Locale.ROOT,
                  "    recurrent: hidden ‖h‖ %.3f, change %.4f per step, %d resets%n",
                  h.path("hidden_norm").asDouble(),
                  h.path("hidden_change").asDouble(),
                  h.path("resets").asLong()));
        }
      }
      synchronized (r.events) {
        for (String ev : r.events) {
          b.append("    ")
              .append(ev.length() > 110 ? ev.substring(0, 107) + "..." : ev)
              .append('\n');
        }
      }
    }
    out.print(b);
    out.flush();
  }
}
