package org.adaptrobot.runtime.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * Publishes the robot's telemetry and events over MQTT 5 and takes its commands, on its own thread,
 * so the control loop never waits for the network.
 *
 * <p>The loop hands over periodic samples through a pre-allocated single-producer ring (a full ring
 * drops the sample and counts it) and events through a bounded queue. While the broker is
 * unreachable, periodic telemetry waits in a bounded buffer that drops its oldest entries (drops
 * counted and reported), and events wait in a much larger one from which nothing is dropped until
 * it is full (then the loss is counted and reported). Both are flushed in order after reconnecting.
 * Events are QoS 1 and each is removed only once the broker acknowledged it; telemetry is QoS 0.
 * The connection is re-established with exponential back-off and the command subscription renewed
 * (clean start), and the retained {@code status} is online with a session counter, or offline
 * through the will message.
 */
public final class TelemetryPublisher
    implements ControlLoop.StepListener, RuntimeEvents, AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIN_BACKOFF_NANOS = 250_000_000L;
  private static final long MAX_BACKOFF_NANOS = 5_000_000_000L;

  private final RuntimeConfig.Telemetry config;
  private final ControlLoop loop;
  private final CommandHandler commands;
  private final String robot;
  private final SampleRing ring = new SampleRing(1024);
  private final long samplePeriodNanos;
  private final double[] scratchAction = new double[2];
  private long nextSampleNanos = Long.MIN_VALUE;
  private final ArrayBlockingQueue<byte[]> events;
  private final ArrayDeque<byte[]> telemetryBuffer = new ArrayDeque<>();
  private final AtomicLong eventSequence = new AtomicLong();
  private final AtomicLong eventsLost = new AtomicLong();
  private final AtomicLong telemetryDropped = new AtomicLong();
  private final AtomicLong telemetrySent = new AtomicLong();
  private final AtomicLong eventsSent = new AtomicLong();
  private final AtomicLong commandsHandled = new AtomicLong();
  private final AtomicLong repliesSent = new AtomicLong();
  private final String bootId = UUID.randomUUID().toString().substring(0, 8);
  private long telemetrySequence;
  private long statsNanos;
  private double periodP99;
  private double computeP99;
  private int session;
  private volatile boolean running = true;
  private volatile boolean connected;
  private volatile String lastError = "";
  private final MqttAsyncClient client;
  private final Thread thread;

  /**
   * @param commands the command handler, or null to take no commands
   */
  public TelemetryPublisher(
      RuntimeConfig.Telemetry config, String brokerUrl, ControlLoop loop, CommandHandler commands)
      throws MqttException {
    this.config = config;
    this.loop = loop;
    this.commands = commands;
    this.robot = config.robotId();
    this.samplePeriodNanos = Math.round(1e9 / config.rateHz());
    this.events = new ArrayBlockingQueue<>(config.eventBuffer());
    this.client =
        new MqttAsyncClient(brokerUrl, "robot-" + robot + "-" + bootId, new MemoryPersistence());
    client.setCallback(new Callback());
    this.thread = new Thread(this::run, "telemetry-" + robot);
    thread.setDaemon(true);
  }

  /** Starts the publishing thread. */
  public TelemetryPublisher start() {
    thread.start();
    commandThread.start();
    return this;
  }

  private final Thread commandThread = new Thread(this::commandLoop, "commands");

  public boolean connected() {
    return connected;
  }

  /** Periodic samples dropped (ring full or offline buffer overflow). */
  public long telemetryDropped() {
    return telemetryDropped.get() + ring.dropped();
  }

  /** Events lost because the event buffer was full. */
  public long eventsLost() {
    return eventsLost.get();
  }

  public long telemetrySent() {
    return telemetrySent.get();
  }

  public long eventsSent() {
    return eventsSent.get();
  }

  /** Events waiting to be sent. */
  public int eventsPending() {
    return events.size();
  }

  public long commandsHandled() {
    return commandsHandled.get();
  }

  /** Replies the broker acknowledged. */
  public long repliesSent() {
    return repliesSent.get();
  }

  public String lastError() {
    return lastError;
  }

  // ---------------------------------------------------------------- loop side (no blocking)

  @Override
  public void afterStep(ControlLoop l, long now) {
    if (now < nextSampleNanos) {
      return;
    }
    nextSampleNanos =
        nextSampleNanos == Long.MIN_VALUE
            ? now + samplePeriodNanos
            : Math.max(nextSampleNanos + samplePeriodNanos, now - samplePeriodNanos);
    TelemetrySample s = ring.claim();
    if (s != null) {
      s.copyFrom(l, now, scratchAction);
      ring.commit();
    }
  }

  @Override
  public void adaptation(org.adaptrobot.runtime.adaptation.AdaptationEvent a) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("kind", "adaptation");
    e.put("decision", a.kind());
    e.put("transitions", a.transitions());
    e.put("loss_before", a.lossBefore());
    e.put("loss_after", a.lossAfter());
    e.put("update_norm", a.updateNorm());
    e.put("latency_ms", a.latencyMillis());
    e.put("reason", a.reason());
    event(e);
  }

  @Override
  public void transition(LifecycleState from, LifecycleState to, String reason) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("kind", "transition");
    e.put("from", from.name());
    e.put("to", to.name());
    e.put("reason", reason);
    event(e);
  }

  @Override
  public void fault(String kind, String message) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("kind", "fault");
    e.put("fault", kind);
    e.put("message", message);
    event(e);
  }

  /** Queues an event (any thread, never blocks); fields are added to the common envelope. */
  public void event(Map<String, Object> fields) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("schema", Topics.SCHEMA);
    e.put("seq", eventSequence.incrementAndGet());
    e.put("t", loop.clock().nowNanos() * 1e-9);
    e.put("boot", bootId);
    e.putAll(fields);
    byte[] payload;
    try {
      payload = JSON.writeValueAsBytes(e);
    } catch (Exception ex) {
      payload =
          ("{\"schema\":1,\"kind\":\"fault\",\"message\":\"event not encodable\"}")
              .getBytes(StandardCharsets.UTF_8);
    }
    if (!events.offer(payload)) {
      eventsLost.incrementAndGet();
    }
    LockSupport.unpark(thread); // send it now rather than at the next poll
  }

  // ---------------------------------------------------------------- publisher thread

  private void run() {
    long backoff = MIN_BACKOFF_NANOS;
    long nextAttempt = 0;
    while (running) {
      boolean worked = false;
      if (!connected && System.nanoTime() >= nextAttempt) {
        if (connect()) {
          backoff = MIN_BACKOFF_NANOS;
        } else {
          nextAttempt = System.nanoTime() + backoff;
          backoff = Math.min(MAX_BACKOFF_NANOS, 2 * backoff);
        }
      }
      worked |= drainSamples();
      if (connected) {
        worked |= sendReplies();
        worked |= sendEvents();
        worked |= sendTelemetry();
      }
      if (!worked) {
        LockSupport.parkNanos(1_000_000);
      }
    }
  }

  private MqttConnectionOptions options(String willPayload) throws Exception {
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(true);
    o.setSessionExpiryInterval(0L);
    o.setAutomaticReconnect(false); // we reconnect and resubscribe ourselves
    o.setKeepAliveInterval(5);
    o.setConnectionTimeout(3);
    MqttMessage will = new MqttMessage(willPayload.getBytes(StandardCharsets.UTF_8), 1, true, null);
    o.setWill(Topics.status(robot), will);
    if (config.username() != null) {
      o.setUserName(config.username());
      if (config.passwordFile() != null) {
        String pw = Files.readAllLines(config.passwordFile()).stream().findFirst().orElse("");
        o.setPassword(pw.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (config.caFile() != null) {
      o.setSocketFactory(
          NoDelaySockets.tls(
              TlsSockets.factory(
                  config.caFile(), config.clientKeystore(), config.clientKeystorePassword())));
    } else {
      o.setSocketFactory(NoDelaySockets.plain());
    }
    return o;
  }

  private boolean connect() {
    int next = session + 1;
    try {
      client.connect(options(status("offline", next))).waitForCompletion(5000);
      session = next;
      if (commands != null) {
        // QoS 0 on the robot's side: under a burst of QoS 1 commands Paho 1.2.5 stops
        // acknowledging and the broker stops delivering — the robot would become deaf, e-stops
        // included. A command that gets no reply is re-sent by its sender.
        client.subscribe(Topics.commands(robot), 0).waitForCompletion(5000);
      }
      publishRetained(Topics.status(robot), status("online", session));
      publishDiscovery();
      connected = true;
      lastError = "";
      return true;
    } catch (Exception e) {
      lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      try {
        if (client.isConnected()) {
          client.disconnectForcibly(100, 100, false);
        }
      } catch (MqttException ignored) {
        // the next attempt starts from scratch anyway
      }
      return false;
    }
  }

  private String status(String state, int sessionNumber) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("schema", Topics.SCHEMA);
    s.put("robot", robot);
    s.put("state", state);
    s.put("session", sessionNumber);
    s.put("boot", bootId);
    s.put("lifecycle", loop.lifecycle().state().name());
    try {
      return JSON.writeValueAsString(s);
    } catch (Exception e) {
      return "{\"schema\":1,\"state\":\"" + state + "\"}";
    }
  }

  private void publishRetained(String topic, String payload) throws MqttException {
    MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, true, null);
    client.publish(topic, m).waitForCompletion(5000);
  }

  /** Home Assistant discovery for the battery voltage and the robot's state. */
  private void publishDiscovery() throws Exception {
    Map<String, Object> device =
        Map.of("identifiers", java.util.List.of("adaptrobot_" + robot), "name", robot);
    Map<String, Object> battery = new LinkedHashMap<>();
    battery.put("name", robot + " battery");
    battery.put("unique_id", robot + "_battery_volts");
    battery.put("state_topic", Topics.telemetry(robot));
    battery.put("value_template", "{{ value_json.battery_v }}");
    battery.put("unit_of_measurement", "V");
    battery.put("device_class", "voltage");
    battery.put("availability_topic", Topics.status(robot));
    battery.put("availability_template", "{{ value_json.state }}");
    battery.put("payload_available", "online");
    battery.put("payload_not_available", "offline");
    battery.put("device", device);
    publishRetained(Topics.homeAssistant(robot, "battery"), JSON.writeValueAsString(battery));
    Map<String, Object> state = new LinkedHashMap<>(battery);
    state.put("name", robot + " state");
    state.put("unique_id", robot + "_state");
    state.put("value_template", "{{ value_json.state }}");
    state.remove("unit_of_measurement");
    state.remove("device_class");
    publishRetained(Topics.homeAssistant(robot, "state"), JSON.writeValueAsString(state));
  }

  private boolean drainSamples() {
    boolean any = false;
    TelemetrySample s;
    // at most one ring's worth per pass, so a fast producer cannot keep this thread from sending
    for (int n = 0; n < 1024 && (s = ring.peek()) != null; n++) {
      byte[] json = format(s);
      ring.release();
      telemetryBuffer.addLast(json);
      if (telemetryBuffer.size() > config.telemetryBuffer()) {
        telemetryBuffer.removeFirst();
        telemetryDropped.incrementAndGet();
      }
      any = true;
    }
    return any;
  }

  private byte[] format(TelemetrySample s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", Topics.SCHEMA);
    m.put("seq", ++telemetrySequence);
    m.put("t", s.timeNanos * 1e-9);
    m.put("state", LifecycleState.values()[s.state].name());
    m.put("estop", s.eStop);
    m.put("v", s.forwardSpeed);
    m.put("omega", s.yawRate);
    m.put("v_target", s.targetSpeed);
    m.put("omega_target", s.targetYawRate);
    m.put("action", new double[] {s.actionLeft, s.actionRight});
    m.put("battery_v", s.batteryVolts);
    m.put("battery_a", s.batteryAmps);
    m.put("pose", new double[] {s.x, s.y, s.heading});
    Map<String, Object> l = new LinkedHashMap<>();
    l.put("steps", s.steps);
    l.put("overruns", s.overruns);
    l.put("faults", s.faults);
    l.put("interventions", s.interventions);
    long now = System.nanoTime();
    if (now - statsNanos > 100_000_000L) { // loop statistics over windows of at least 100 ms
      Histogram period = loop.metrics().periodErrorInterval();
      Histogram compute = loop.metrics().computeTimeInterval();
      periodP99 = period.getTotalCount() == 0 ? 0 : period.getValueAtPercentile(99) / 1000.0;
      computeP99 = compute.getTotalCount() == 0 ? 0 : compute.getValueAtPercentile(99) / 1000.0;
      statsNanos = now;
    }
    l.put("period_error_p99_us", periodP99);
    l.put("compute_p99_us", computeP99);
    l.put("telemetry_dropped", telemetryDropped());
    l.put("events_lost", eventsLost.get());
    m.put("loop", l);
    try {
      return JSON.writeValueAsBytes(m);
    } catch (Exception e) {
      return "{}".getBytes(StandardCharsets.UTF_8);
    }
  }

  private boolean sendEvents() {
    boolean any = false;
    byte[] e;
    while (connected && (e = events.peek()) != null) {
      if (!publishAcknowledged(Topics.events(robot), new MqttMessage(e, 1, false, null))) {
        return any;
      }
      events.poll(); // only now: an event is never lost to a dropped connection
      eventsSent.incrementAndGet();
      any = true;
    }
    return any;
  }

  private boolean sendTelemetry() {
    boolean any = false;
    byte[] t;
    while (connected && (t = telemetryBuffer.peekFirst()) != null) {
      try {
        client.publish(Topics.telemetry(robot), new MqttMessage(t, 0, false, null));
        telemetryBuffer.removeFirst();
        telemetrySent.incrementAndGet();
        any = true;
      } catch (MqttException ex) {
        if (ex.getReasonCode()
            == org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT) {
          return any; // the client is busy: try again in a moment
        }
        lost(ex.getMessage());
        return any;
      }
    }
    return any;
  }

  private void lost(String why) {
    connected = false;
    lastError = why == null ? "connection lost" : why;
    try {
      client.disconnectForcibly(100, 100, false);
    } catch (MqttException ignored) {
      // already gone
    }
  }

  private final class Callback implements MqttCallback {
    @Override
    public void disconnected(MqttDisconnectResponse response) {
      connected = false;
      lastError = "disconnected: " + response.getReasonString();
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
      lastError = exception.getMessage();
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      // Handled on the command thread: replies wait for the client's in-flight window, which is
      // released on this (Paho's callback) thread, so it must never wait here.
      if (commands != null && !incoming.offer(new Incoming(topic, message))) {
        lastError = "command queue full; dropped a command on " + topic;
      }
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }

  private record Incoming(String topic, MqttMessage message) {}

  private record Outgoing(String topic, MqttMessage message) {}

  private final java.util.concurrent.BlockingQueue<Outgoing> replies =
      new java.util.concurrent.LinkedBlockingQueue<>(100_000);

  private boolean sendReplies() {
    boolean any = false;
    Outgoing r;
    while (connected && (r = replies.peek()) != null) {
      if (!publishAcknowledged(r.topic(), r.message())) {
        return any;
      }
      replies.poll();
      repliesSent.incrementAndGet();
      any = true;
    }
    return any;
  }

  /**
   * QoS 1 publish that waits for the broker's acknowledgement; false (and reconnect) on failure.
   */
  private boolean publishAcknowledged(String topic, MqttMessage m) {
    long refusedSince = 0;
    while (true) {
      try {
        IMqttToken t = client.publish(topic, m);
        t.waitForCompletion(5000);
        if (!t.isComplete() || t.getException() != null) {
          lost("not acknowledged: " + topic);
          return false;
        }
        return true;
      } catch (MqttException ex) {
        // Paho 1.2.5 can miscount its in-flight window and refuse publishes with nothing in
        // flight (eclipse-paho/paho.mqtt.java #993): after 2 s of refusals, renew the connection.
        boolean refused =
            ex.getReasonCode()
                == org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT;
        long now = System.nanoTime();
        if (refused && refusedSince == 0) {
          refusedSince = now;
        }
        if (!refused || now - refusedSince > 2_000_000_000L) {
          lost(refused ? "client in-flight window stuck; reconnecting" : ex.getMessage());
          return false;
        }
        LockSupport.parkNanos(200_000);
      }
    }
  }

  private final java.util.concurrent.BlockingQueue<Incoming> incoming =
      new java.util.concurrent.LinkedBlockingQueue<>(100_000);

  private void commandLoop() {
    while (running || !incoming.isEmpty()) {
      Incoming in;
      try {
        in = incoming.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (in != null) {
        answer(in.topic(), in.message());
      }
    }
  }

  private void answer(String topic, MqttMessage message) {
    String prefix = Topics.base(robot) + "cmd/";
    String name = topic.startsWith(prefix) ? topic.substring(prefix.length()) : topic;
    CommandHandler.Reply reply = commands.handle(name, message.getPayload());
    commandsHandled.incrementAndGet();
    MqttProperties props = message.getProperties();
    String replyTopic =
        props != null && props.getResponseTopic() != null
            ? props.getResponseTopic()
            : Topics.replies(robot);
    MqttProperties out = new MqttProperties();
    if (props != null && props.getCorrelationData() != null) {
      out.setCorrelationData(props.getCorrelationData());
    }
    // Replies are published by the publisher thread, like everything else: Paho 1.2.5 miscounts
    // its in-flight window when several threads publish (eclipse-paho/paho.mqtt.java #509, #599)
    // and then refuses every publish ("Too many publishes in progress") for good.
    if (!replies.offer(new Outgoing(replyTopic, new MqttMessage(reply.json(), 1, false, out)))) {
      lastError = "reply queue full; reply to " + CommandHandler.clip(name) + " dropped";
    }
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("kind", "command");
    ev.put("command", CommandHandler.clip(name));
    ev.put("accepted", reply.accepted());
    ev.put("reason", reply.reason());
    event(ev);
  }

  /** Sends what is pending for up to {@code millis}, publishes offline status and disconnects. */
  @Override
  public void close() {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (connected
        && (!events.isEmpty() || ring.peek() != null || !telemetryBuffer.isEmpty())
        && System.nanoTime() < deadline) {
      LockSupport.parkNanos(5_000_000);
    }
    running = false;
    try {
      thread.join(3000);
      commandThread.join(3000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (client.isConnected()) {
        publishRetained(Topics.status(robot), status("offline", session));
        client.disconnect(2000).waitForCompletion(2000);
      }
    } catch (MqttException ignored) {
      // the will message reports us offline anyway
    }
    try {
      client.close(true);
    } catch (MqttException ignored) {
      // closing: nothing left to release
    }
  }
}
