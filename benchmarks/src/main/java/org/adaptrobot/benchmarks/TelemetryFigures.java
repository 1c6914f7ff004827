package org.adaptrobot.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.TrackingControllerBundle;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.telemetry.LocalBroker;
import org.adaptrobot.runtime.telemetry.NoDelaySockets;
import org.adaptrobot.runtime.telemetry.Topics;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The telemetry figures, measured against a local Mosquitto: sustained telemetry messages per
 * second, event-to-subscriber latency, and the 1 kHz loop's period error with 50 Hz telemetry and
 * without. Prints a table and writes {@code benchmarks/target/telemetry-figures.json}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.TelemetryFigures [seconds]
 * </pre>
 */
public final class TelemetryFigures {

  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 30;
    Path dir = Files.createTempDirectory("telemetry-figures");
    Path hwFile = Path.of("src/examples/diffbot-hardware.yaml");
    if (!Files.exists(hwFile)) {
      hwFile = Path.of("..").resolve(hwFile);
    }
    RobotHardware hw = HardwareDescription.load(hwFile);
    Map<String, Object> figures = new LinkedHashMap<>();
    try (LocalBroker broker = LocalBroker.start(new LocalBroker.Options())) {
      figures.put("throughput", throughput(broker, hw, dir, Math.min(seconds, 10)));
      figures.put("event_latency_us", latency(broker, hw, dir, 2000));
      figures.put("loop_1khz_without_telemetry", loop(broker, hw, dir, seconds, false));
      figures.put("loop_1khz_with_telemetry_50hz", loop(broker, hw, dir, seconds, true));
    }
    String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(figures);
    System.out.println(json);
    Path out = Path.of("benchmarks/target");
    Files.createDirectories(out);
    Files.writeString(out.resolve("telemetry-figures.json"), json);
  }

  static RobotRuntime robot(
      RobotHardware hw, Path dir, double rate, RuntimeConfig.Telemetry t, boolean paced)
      throws Exception {
    Path bundle = dir.resolve("bundle-" + (int) rate + "-" + UUID.randomUUID());
    TrackingControllerBundle.write(
        bundle,
        hw.wheelRadiusMetres(),
        hw.trackWidthMetres(),
        0.22 / rate,
        rate,
        Math.min(1, 5 / rate));
    RuntimeConfig.Settings d = RuntimeConfig.Settings.defaults();
    RuntimeConfig.Settings s =
        new RuntimeConfig.Settings(
            rate,
            d.overrunPolicy(),
            d.spinMicros(),
            d.executor(),
            Integer.MAX_VALUE,
            d.commandTimeoutSeconds(),
            d.staleSensorSeconds(),
            d.maxConsecutiveFaults());
    RobotRuntime r =
        RobotRuntime.start(new RuntimeConfig(hw, bundle, s, t), true, paced, 1, RuntimeEvents.NONE);
    r.loop().requestActivate();
    r.loop().targets().hold(0.3, 0.4);
    return r;
  }

  static MqttClient subscriber(LocalBroker broker, String topic, MqttCallback callback)
      throws MqttException {
    MqttClient c =
        new MqttClient(broker.url(), "figures-" + UUID.randomUUID(), new MemoryPersistence());
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setSocketFactory(NoDelaySockets.plain());
    c.setCallback(callback);
    c.connect(o);
    c.subscribe(topic, 1);
    return c;
  }

  static Map<String, Object> throughput(
      LocalBroker broker, RobotHardware hw, Path dir, double seconds) throws Exception {
    AtomicLong received = new AtomicLong();
    MqttClient sub =
        subscriber(
            broker, Topics.telemetry("tput"), (Listener) (t, m) -> received.incrementAndGet());
    // lockstep, as fast as possible, sampling telemetry every simulated millisecond
    try (RobotRuntime r =
        robot(hw, dir, 100, RuntimeConfig.Telemetry.to(broker.url(), "tput", 1000), false)) {
      while (!r.telemetry().connected()) {
        Thread.sleep(10);
      }
      Thread loop = new Thread(() -> r.loop().run(-1));
      loop.start();
      Thread.sleep(1000); // warm up
      long sent0 = r.telemetry().telemetrySent();
      long rec0 = received.get();
      long t0 = System.nanoTime();
      Thread.sleep((long) (seconds * 1000));
      double wall = (System.nanoTime() - t0) * 1e-9;
      long sent = r.telemetry().telemetrySent() - sent0;
      long rec = received.get() - rec0;
      r.loop().requestShutdown("done");
      loop.join();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seconds", wall);
      m.put("published_per_second", sent / wall);
      m.put("received_by_subscriber_per_second", rec / wall);
      m.put("dropped_in_robot", r.telemetry().telemetryDropped());
      sub.disconnect();
      sub.close();
      return m;
    }
  }

  static Map<String, Object> latency(LocalBroker broker, RobotHardware hw, Path dir, int events)
      throws Exception {
    Histogram h = new Histogram(10_000_000_000L, 3);
    MqttClient sub =
        subscriber(
            broker,
            Topics.events("lat"),
            (Listener)
                (t, m) -> {
                  long now = System.nanoTime();
                  JsonNode n = JSON.readTree(m.getPayload());
                  if (n.has("sent_ns")) {
                    synchronized (h) {
                      h.recordValue(Math.max(0, now - n.get("sent_ns").asLong()));
                    }
                  }
                });
    try (RobotRuntime r =
        robot(hw, dir, 100, RuntimeConfig.Telemetry.to(broker.url(), "lat", 10), true)) {
      while (!r.telemetry().connected()) {
        Thread.sleep(10);
      }
      Thread loop = new Thread(() -> r.loop().run(-1));
      loop.start();
      Thread.sleep(500);
      for (int i = 0; i < events; i++) {
        r.telemetry().event(Map.of("kind", "latency_probe", "sent_ns", System.nanoTime()));
        Thread.sleep(2);
      }
      Thread.sleep(500);
      r.loop().requestShutdown("done");
      loop.join();
    }
    sub.disconnect();
    sub.close();
    Map<String, Object> m = new LinkedHashMap<>();
    synchronized (h) {
      m.put("count", h.getTotalCount());
      m.put("p50", h.getValueAtPercentile(50) / 1000.0);
      m.put("p99", h.getValueAtPercentile(99) / 1000.0);
      m.put("max", h.getMaxValue() / 1000.0);
    }
    return m;
  }

  static Map<String, Object> loop(
      LocalBroker broker, RobotHardware hw, Path dir, double seconds, boolean telemetry)
      throws Exception {
    RuntimeConfig.Telemetry t =
        telemetry
            ? RuntimeConfig.Telemetry.to(broker.url(), "loop", 50)
            : RuntimeConfig.Telemetry.none();
    try (RobotRuntime r = robot(hw, dir, 1000, t, true)) {
      r.loop().run(1000); // one second of warm-up, not counted
      r.loop().metrics().periodErrorTotal();
      Histogram before = r.loop().metrics().periodErrorTotal();
      r.loop().run(Math.round(seconds * 1000));
      Histogram all = r.loop().metrics().periodErrorTotal();
      Histogram h = all.copy();
      h.subtract(before);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seconds", seconds);
      m.put("period_error_p50_us", h.getValueAtPercentile(50) / 1000.0);
      m.put("period_error_p99_us", h.getValueAtPercentile(99) / 1000.0);
      m.put("period_error_max_us", h.getMaxValue() / 1000.0);
      m.put("telemetry_sent", telemetry ? r.telemetry().telemetrySent() : 0);
      return m;
    }
  }

  /** A callback that only cares about messages. */
  @FunctionalInterface
  interface Listener extends MqttCallback {
    void message(String topic, MqttMessage m) throws Exception;

    @Override
    default void messageArrived(String topic, MqttMessage m) throws Exception {
      message(topic, m);
    }

    @Override
    default void disconnected(MqttDisconnectResponse r) {}

    @Override
    default void mqttErrorOccurred(MqttException e) {}

    @Override
    default void deliveryComplete(IMqttToken t) {}

    @Override
    default void connectComplete(boolean reconnect, String uri) {}

    @Override
    default void authPacketArrived(int code, MqttProperties p) {}
  }
}
