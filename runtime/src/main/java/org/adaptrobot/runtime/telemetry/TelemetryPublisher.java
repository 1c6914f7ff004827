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
import org.adaptrobot.runtime.agents.FallbackAgent;
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
 * (clean start), and the retained {@code status} is online with a session counter and the current
 * lifecycle state (republished on every lifecycle change), or offline through the will message
 * (whose lifecycle is {@code unknown}: it is fixed when the connection is made).
 *
 * <p>Broker trouble is never silent: a refused connection, a refused password, a refused command
 * subscription are printed on standard error and published as events (with the broker's reason
 * code) as soon as a connection allows. With {@code telemetry.on_disconnect: stop} (the default),
 * remote control lost for longer than {@code telemetry.disconnect_grace_s} — no connection, or no
 * command subscription — {@linkplain ControlLoop#inhibit inhibits} the robot: it stops and cannot
 * be activated until remote control is back (then it stays inactive until activated).
 *
 * <p>The publisher runs as an agent of the runtime's supervisor ({@link #doWork}: one pass of
 * connecting, draining and sending). Commands arrive on Paho's callback thread and go to the {@link
 * CommandPath}.
 */
public final class TelemetryPublisher
    implements ControlLoop.StepListener,
        RuntimeEvents,
        CommandPath.Sink,
        FallbackAgent,
        AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIN_BACKOFF_NANOS = 250_000_000L;
  private static final long MAX_BACKOFF_NANOS = 5_000_000_000L;

  private final RuntimeConfig.Telemetry config;
  private final ControlLoop loop;
  private CommandPath commands;
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
  private volatile boolean connected;
  private volatile boolean subscribed;
  private volatile String lastError = "";
  private final MqttAsyncClient client;
  private final String brokerUrl;
  private volatile Thread thread;
  private long backoff = MIN_BACKOFF_NANOS;
  private long nextAttempt;
  private volatile boolean statusDirty;
  private String lastReportedProblem = "";
  private long remoteLostSinceNanos = System.nanoTime();
  private String remoteLostCause = "not connected yet";
  private boolean inhibiting;

  /**
   * @param config the telemetry settings
   * @param brokerUrl the broker to connect to
   * @param loop the loop whose samples and events are published
   * @throws MqttException when Paho refuses the broker address
   */
  public TelemetryPublisher(RuntimeConfig.Telemetry config, String brokerUrl, ControlLoop loop)
      throws MqttException {
    this.config = config;
    this.loop = loop;
    this.robot = config.robotId();
    this.brokerUrl = brokerUrl;
    this.samplePeriodNanos = Math.round(1e9 / config.rateHz());
    this.events = new ArrayBlockingQueue<>(config.eventBuffer());
    this.client =
        new MqttAsyncClient(brokerUrl, "robot-" + robot + "-" + bootId, new MemoryPersistence());
    client.setCallback(new Callback());
  }

  /** Takes remote commands through {@code path} (call before the agent starts). */
  public void commands(CommandPath path) {
    this.commands = path;
  }

  public boolean connected() {
    return connected;
  }

  /** Connected and subscribed to the robot's commands: an operator can reach the robot. */
  public boolean remoteControl() {
    return connected && (commands == null || (subscribed && commandPathVerified));
  }

  // The command path is checked end to end after each connection: a broker may grant the
  // subscription and still never deliver (Mosquitto 2.0 grants a subscription its ACL denies),
  // which would leave the robot deaf to e-stops. The robot sends itself a probe on its command
  // topic and counts on remote control only once the probe came back.
  private static final String PROBE = "_probe";
  private static final long PROBE_TIMEOUT_NANOS = 3_000_000_000L;
  private volatile String probeNonce = "";
  private volatile boolean commandPathVerified;
  private long probeSentNanos;
  private boolean probeReported;

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
    statusDirty = true; // the retained status names the lifecycle state
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

  /**
   * Queues an event (any thread but the loop's, never waits for I/O); fields are added to the
   * common envelope. Numbering and queueing happen under one short lock, so that events from two
   * threads (the event dispatcher, a command) are queued — and sent — in the order of their
   * numbers.
   */
  public void event(Map<String, Object> fields) {
    synchronized (events) {
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
    }
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t); // send it now rather than at the next poll
    }
  }

  // ---------------------------------------------------------------- the publisher's agent

  @Override
  public String roleName() {
    return "telemetry";
  }

  @Override
  public void onStart() {
    thread = Thread.currentThread();
  }

  private volatile RuntimeException injectedFailure;

  /** Fault injection for tests: the next pass throws {@code failure}. */
  void failNextPass(RuntimeException failure) {
    injectedFailure = failure;
  }

  /** One pass: connect when due, drain the loop's samples, send replies, events and telemetry. */
  @Override
  public int doWork() {
    RuntimeException injected = injectedFailure;
    if (injected != null) {
      injectedFailure = null;
      throw injected;
    }
    int work = 0;
    if (!connected && System.nanoTime() >= nextAttempt) {
      if (connect()) {
        backoff = MIN_BACKOFF_NANOS;
        work++;
      } else {
        nextAttempt = System.nanoTime() + backoff;
        backoff = Math.min(MAX_BACKOFF_NANOS, 2 * backoff);
      }
    }
    if (drainSamples()) {
      work++;
    }
    if (connected) {
      if (statusDirty) {
        statusDirty = false;
        try {
          publishRetained(Topics.status(robot), status("online", session));
        } catch (MqttException e) {
          lost(e.getMessage());
        }
      }
      if (sendReplies()) {
        work++;
      }
      if (sendEvents()) {
        work++;
      }
      if (sendTelemetry()) {
        work++;
      }
    }
    checkProbe();
    watchRemoteControl();
    return work;
  }

  /** A pass threw: start the connection afresh (nothing queued is lost). */
  @Override
  public void fallBack(Throwable failure, boolean fatal) {
    lost("telemetry pass failed: " + failure);
    if (fatal) {
      // nobody will send anything any more: remote control is gone for good
      if (config.stopOnDisconnect() && commands != null) {
        loop.inhibit("the telemetry thread stopped (" + failure + "): no remote control");
      }
    }
  }

  /**
   * Applies {@code telemetry.on_disconnect}: after the grace time without remote control the robot
   * is inhibited (stop), and released (left inactive) when remote control is back.
   */
  private void watchRemoteControl() {
    if (commands == null) {
      return;
    }
    long now = System.nanoTime();
    if (remoteControl()) {
      remoteLostSinceNanos = 0;
      if (inhibiting) {
        inhibiting = false;
        loop.clearInhibit();
        event(
            Map.of(
                "kind",
                "remote_control",
                "state",
                "restored",
                "message",
                "remote control is back; the robot stays inactive until activated"));
      }
      return;
    }
    if (remoteLostSinceNanos == 0) {
      remoteLostSinceNanos = now;
    }
    if (connected && subscribed && !commandPathVerified && !probeReported) {
      remoteLostCause = "connected; checking that the broker delivers this robot's commands";
    }
    double lostSeconds = (now - remoteLostSinceNanos) * 1e-9;
    if (config.stopOnDisconnect()
        && !inhibiting
        && lostSeconds >= config.disconnectGraceSeconds()) {
      inhibiting = true;
      inhibitedCause = remoteLostCause;
      String why = lostWhy(lostSeconds);
      loop.inhibit(why);
      System.err.println("telemetry: " + why + ": stopping the robot");
      event(Map.of("kind", "remote_control", "state", "lost", "message", why));
    } else if (inhibiting && !remoteLostCause.equals(inhibitedCause)) {
      // the cause became clearer (a refused password after "not connected yet"): say so
      inhibitedCause = remoteLostCause;
      loop.inhibit(lostWhy(lostSeconds));
    }
  }

  private String inhibitedCause = "";

  private String lostWhy(double lostSeconds) {
    return String.format(
        java.util.Locale.ROOT,
        "remote control lost for %.1f s (%s); telemetry.on_disconnect is stop",
        lostSeconds,
        remoteLostCause);
  }

  /** Prints and queues a broker problem, once per distinct problem. */
  private void brokerProblem(String what, int reasonCode, String detail) {
    String text =
        what
            + (reasonCode > 0
                ? " (broker reason code " + reasonCode + ": " + detail + ")"
                : ": " + detail);
    remoteLostCause = text;
    if (text.equals(lastReportedProblem)) {
      return;
    }
    lastReportedProblem = text;
    System.err.println("telemetry: " + brokerUrl + ": " + text);
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("kind", "broker_error");
    e.put("broker", brokerUrl);
    e.put("reason_code", reasonCode);
    e.put("message", text);
    event(e);
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
    } catch (MqttException e) {
      int code = e.getReasonCode();
      String what =
          code == 134 || code == 135
              ? "the broker refused the connection"
              : "cannot connect to the broker";
      failed("connect", e);
      brokerProblem(what, code, describe(e));
      return false;
    } catch (Exception e) {
      failed("connect", e);
      brokerProblem("cannot connect to the broker", 0, String.valueOf(e.getMessage()));
      return false;
    }
    try {
      session = next;
      subscribed = false;
      if (commands != null) {
        // QoS 0 on the robot's side: under a burst of QoS 1 commands Paho 1.2.5 stops
        // acknowledging and the broker stops delivering — the robot would become deaf, e-stops
        // included. A command that gets no reply is re-sent by its sender.
        IMqttToken sub = client.subscribe(Topics.commands(robot), 0);
        sub.waitForCompletion(5000);
        int[] codes = sub.getReasonCodes();
        int code = codes == null || codes.length == 0 ? 0 : codes[0];
        if (code >= 0x80) {
          // connected, but deaf: nobody can e-stop this robot remotely
          brokerProblem(
              "the broker refused the command subscription "
                  + Topics.commands(robot)
                  + ": remote commands, e-stop included, cannot reach this robot",
              code,
              subscribeReason(code));
        } else {
          subscribed = true;
          sendProbe();
        }
      }
      publishRetained(Topics.status(robot), status("online", session));
      publishDiscovery();
      connected = true;
      lastError = "";
      if (subscribed || commands == null) {
        lastReportedProblem = "";
      }
      return true;
    } catch (Exception e) {
      failed("subscribe and announce", e);
      brokerProblem(
          "connected, but the subscription or the status was refused",
          e instanceof MqttException m ? m.getReasonCode() : 0,
          String.valueOf(e.getMessage()));
      return false;
    }
  }

  private void sendProbe() throws MqttException {
    commandPathVerified = false;
    probeReported = false;
    probeNonce = bootId + "-" + session + "-" + System.nanoTime();
    probeSentNanos = System.nanoTime();
    IMqttToken t =
        client.publish(
            Topics.command(robot, PROBE),
            new MqttMessage(probeNonce.getBytes(StandardCharsets.UTF_8), 0, false, null));
    t.waitForCompletion(5000);
  }

  /** Reports a command path that did not return the probe in time (once per connection). */
  private void checkProbe() {
    if (commands == null
        || !connected
        || !subscribed
        || commandPathVerified
        || probeReported
        || System.nanoTime() - probeSentNanos < PROBE_TIMEOUT_NANOS) {
      return;
    }
    probeReported = true;
    brokerProblem(
        "the broker accepted the command subscription "
            + Topics.commands(robot)
            + " but does not deliver to it (no read access in its ACL?): remote commands, e-stop"
            + " included, cannot reach this robot",
        0,
        "no probe came back within " + PROBE_TIMEOUT_NANOS / 1_000_000_000 + " s");
  }

  private void failed(String step, Exception e) {
    lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    try {
      if (client.isConnected()) {
        client.disconnectForcibly(100, 100, false);
      }
    } catch (MqttException ignored) {
      // the next attempt starts from scratch anyway
    }
  }

  /** Paho's words for a connect failure, with the MQTT 5 meaning of the broker's code. */
  private static String describe(MqttException e) {
    return switch (e.getReasonCode()) {
      case 134 -> "bad user name or password";
      case 135 -> "not authorised";
      case 136 -> "server unavailable";
      case 138 -> "banned";
      case 140 -> "bad authentication method";
      case 32103 -> "connection refused (no broker listening at that address?)";
      default -> String.valueOf(e.getMessage());
    };
  }

  /** MQTT 5 SUBACK reason codes. */
  private static String subscribeReason(int code) {
    return switch (code) {
      case 0x80 -> "unspecified error";
      case 0x83 -> "implementation specific error";
      case 0x87 -> "not authorised";
      case 0x8F -> "topic filter invalid";
      case 0x91 -> "packet identifier in use";
      case 0x97 -> "quota exceeded";
      default -> "code 0x" + Integer.toHexString(code);
    };
  }

  private String status(String state, int sessionNumber) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("schema", Topics.SCHEMA);
    s.put("robot", robot);
    s.put("state", state);
    s.put("session", sessionNumber);
    s.put("boot", bootId);
    // the will message is fixed at connect time: its lifecycle would be stale when it is sent
    s.put("lifecycle", state.equals("offline") ? "unknown" : loop.lifecycle().state().name());
    s.put("e_stop", loop.lifecycle().eStopLatched());
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

  private volatile java.util.function.ObjLongConsumer<byte[]> sampleTap;

  /**
   * Also hands every telemetry sample (its JSON, and its loop time) to {@code tap}, on the
   * publisher's thread, whether or not the broker is reachable (the flight recorder).
   */
  public void sampleTap(java.util.function.ObjLongConsumer<byte[]> tap) {
    this.sampleTap = tap;
  }

  private boolean drainSamples() {
    boolean any = false;
    TelemetrySample s;
    // at most one ring's worth per pass, so a fast producer cannot keep this thread from sending
    for (int n = 0; n < 1024 && (s = ring.peek()) != null; n++) {
      byte[] json = format(s);
      long sampledAt = s.timeNanos;
      ring.release();
      java.util.function.ObjLongConsumer<byte[]> tap = sampleTap;
      if (tap != null) {
        tap.accept(json, sampledAt); // the flight recorder's copy of what was published
      }
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
    if (s.latent) {
      // mode latent: the inferred latent's size, its change per encoding and over one window (a
      // distance, or the posteriors' KL in nats: shift_measure)
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("z_norm", s.hiddenNorm);
      h.put("change", s.hiddenChange);
      h.put("shift", s.latentShift);
      h.put("shift_measure", s.latentShiftMeasure);
      h.put("resets", s.hiddenResets);
      m.put("latent", h);
    } else if (s.recurrent) {
      // mode recurrent: how big the policy's hidden state is and how fast it moves
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("hidden_norm", s.hiddenNorm);
      h.put("hidden_change", s.hiddenChange);
      h.put("resets", s.hiddenResets);
      m.put("recurrent", h);
    }
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
    subscribed = false;
    commandPathVerified = false;
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
      subscribed = false;
      commandPathVerified = false;
      lastError = "disconnected: " + response.getReasonString();
      remoteLostCause = lastError;
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
      lastError = exception.getMessage();
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      // On Paho's callback thread, which must never wait (it also releases the client's in-flight
      // window): e-stops are carried out here, other commands queued, replies queued for the
      // publisher's agent.
      CommandPath path = commands;
      if (path == null) {
        return;
      }
      String prefix = Topics.base(robot) + "cmd/";
      String name = topic.startsWith(prefix) ? topic.substring(prefix.length()) : topic;
      if (name.equals(PROBE)) {
        // our own probe: the command path works; anyone else's is ignored
        if (new String(message.getPayload(), StandardCharsets.UTF_8).equals(probeNonce)) {
          commandPathVerified = true;
        }
        return;
      }
      path.receive(name, message.getPayload(), message.getProperties());
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }

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

  /** Queues the reply to a command for the publisher's agent (any thread; never blocks). */
  @Override
  public void reply(Object replyTo, CommandHandler.Reply reply) {
    MqttProperties props = replyTo instanceof MqttProperties p ? p : null;
    String replyTopic =
        props != null && props.getResponseTopic() != null
            ? props.getResponseTopic()
            : Topics.replies(robot);
    MqttProperties out = new MqttProperties();
    if (props != null && props.getCorrelationData() != null) {
      out.setCorrelationData(props.getCorrelationData());
    }
    commandsHandled.incrementAndGet();
    // Replies are published by the publisher's agent, like everything else: Paho 1.2.5 miscounts
    // its in-flight window when several threads publish (eclipse-paho/paho.mqtt.java #509, #599)
    // and then refuses every publish ("Too many publishes in progress") for good.
    if (!replies.offer(new Outgoing(replyTopic, new MqttMessage(reply.json(), 1, false, out)))) {
      lastError = "reply queue full; reply to " + CommandHandler.clip(reply.command()) + " dropped";
    }
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /**
   * Waits up to 2 s for what is pending to be sent (the agent must still run), then publishes the
   * offline status and disconnects. Stop the agent after this.
   */
  public void flush() {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (connected
        && (!events.isEmpty()
            || ring.peek() != null
            || !telemetryBuffer.isEmpty()
            || !replies.isEmpty())
        && System.nanoTime() < deadline) {
      LockSupport.parkNanos(5_000_000);
    }
  }

  /** Publishes the offline status and disconnects (after the agent stopped). */
  @Override
  public void close() {
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
