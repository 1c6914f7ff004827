package org.adaptrobot.runtime.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** A test-side MQTT 5 client: records what arrives, sends commands and waits for their replies. */
final class MqttProbe implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  final MqttClient client;
  final Map<String, List<JsonNode>> received = new ConcurrentHashMap<>();
  final Map<String, List<Long>> arrivalNanos = new ConcurrentHashMap<>();
  final Map<String, JsonNode> replies = new ConcurrentHashMap<>();
  final String replyTopic = "probe/" + UUID.randomUUID() + "/reply";

  /** QoS of the commands this probe sends. */
  volatile int qos = 1;

  MqttProbe(String url, String user, String password) throws Exception {
    client = new MqttClient(url, "probe-" + UUID.randomUUID(), new MemoryPersistence());
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(true);
    if (url.startsWith("tcp:")) {
      o.setSocketFactory(NoDelaySockets.plain());
    }
    if (user != null) {
      o.setUserName(user);
      o.setPassword(password.getBytes(StandardCharsets.UTF_8));
    }
    client.connect(o);
    client.subscribe(replyTopic, 1);
    client.setCallback(
        new org.eclipse.paho.mqttv5.client.MqttCallback() {
          @Override
          public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {}

          @Override
          public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {}

          @Override
          public void messageArrived(String topic, MqttMessage m) throws Exception {
            long now = System.nanoTime();
            JsonNode n;
            try {
              n = JSON.readTree(m.getPayload());
            } catch (Exception e) {
              n =
                  JSON.getNodeFactory()
                      .textNode(new String(m.getPayload(), StandardCharsets.UTF_8));
            }
            if (topic.equals(replyTopic)
                && m.getProperties() != null
                && m.getProperties().getCorrelationData() != null) {
              replies.put(
                  new String(m.getProperties().getCorrelationData(), StandardCharsets.UTF_8), n);
              return;
            }
            received.computeIfAbsent(topic, k -> new CopyOnWriteArrayList<>()).add(n);
            arrivalNanos.computeIfAbsent(topic, k -> new CopyOnWriteArrayList<>()).add(now);
          }

          @Override
          public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) {}

          @Override
          public void connectComplete(boolean reconnect, String uri) {}

          @Override
          public void authPacketArrived(int code, MqttProperties p) {}
        });
  }

  void subscribe(String topic) throws Exception {
    client.subscribe(topic, 1);
  }

  List<JsonNode> on(String topic) {
    return received.getOrDefault(topic, List.of());
  }

  /** Sends a command and waits up to {@code seconds} for its reply (null when none came). */
  JsonNode command(String robot, String name, byte[] payload, double seconds) throws Exception {
    String id = UUID.randomUUID().toString();
    send(robot, name, payload, id);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < deadline) {
      JsonNode r = replies.remove(id);
      if (r != null) {
        return r;
      }
      TimeUnit.MILLISECONDS.sleep(2);
    }
    return null;
  }

  JsonNode command(String robot, String name, String payload) throws Exception {
    return command(robot, name, payload.getBytes(StandardCharsets.UTF_8), 5);
  }

  void send(String robot, String name, byte[] payload, String correlation) throws Exception {
    MqttProperties p = new MqttProperties();
    p.setResponseTopic(replyTopic);
    p.setCorrelationData(correlation.getBytes(StandardCharsets.UTF_8));
    // Paho 1.2.5 sometimes miscounts its in-flight window (eclipse-paho/paho.mqtt.java #993):
    // wait and retry rather than fail the test on a client bug.
    for (int attempt = 0; ; attempt++) {
      try {
        client.publish(Topics.command(robot, name), new MqttMessage(payload, qos, false, p));
        return;
      } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
        if (e.getReasonCode()
                != org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT
            || attempt > 5000) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(1);
      }
    }
  }

  static void awaitTrue(java.util.function.BooleanSupplier condition, double seconds, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
  }

  @Override
  public void close() throws org.eclipse.paho.mqttv5.common.MqttException {
    if (client.isConnected()) {
      client.disconnect();
    }
    client.close();
  }
}
