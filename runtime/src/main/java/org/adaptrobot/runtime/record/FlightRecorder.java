package org.adaptrobot.runtime.record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.agents.FallbackAgent;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.safety.SafetyLayer;
import org.adaptrobot.runtime.targets.Targets;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Records every control step into MCAP files ({@code robot run --record FILE.mcap}): the loop
 * copies the step into a pre-allocated ring after each period — no allocation, no I/O, no lock —
 * and a recorder agent drains the ring, formats each step as JSON and writes it.
 *
 * <p>Channels: {@code /robot/step} ({@code adaptrobot.Step}: loop time, lifecycle state, the sensor
 * readings as the drivers returned them, the velocity target the controller was given, the
 * observation, the action before and after the safety layer and what the safety layer did, the
 * duties applied); {@code /robot/events} (lifecycle transitions, faults, adaptation decisions with
 * their update norms); {@code /robot/telemetry} (the samples the telemetry publisher sends); {@code
 * /robot/session} (once per file: bundle, configuration, rate, mode, so that {@code robot replay}
 * can rebuild the controller). Numbers are written so that they read back bit-exact.
 *
 * <p>On the robot a full ring drops the step and counts it (the loop never waits); in a lockstep
 * simulation the loop waits for room instead, so a simulated run is recorded whole. With a size
 * limit the recording rotates: {@code FILE.mcap}, then {@code FILE.1.mcap}, {@code FILE.2.mcap} …,
 * keeping the newest {@code maxFiles}. A killed process loses at most the open chunk ({@link
 * #CHUNK_BYTES}, about 2.3 s of steps at 100 Hz).
 */
public final class FlightRecorder implements ControlLoop.StepListener, AutoCloseable {

  /** Size limit and rotation; {@code maxBytes} 0 means one file without limit. */
  public record Rotation(long maxBytes, int maxFiles) {
    public static final Rotation NONE = new Rotation(0, 1);

    public Rotation {
      if (maxBytes < 0 || maxFiles < 1) {
        throw new IllegalArgumentException("rotation: size >= 0 and at least one file");
      }
    }
  }

  /** A chunk is closed (and flushed) when it passes this size: what a crash can lose at most. */
  public static final int CHUNK_BYTES = 256 * 1024;

  private static final int LONGS = 10;
  private static final int SENSOR_DOUBLES = 14;

  private final int capacity;
  private final int obsSize;
  private final int actions;
  private final int doubles;
  private final long[] longs;
  private final double[] values;
  private final double[] obsScratch;
  private final double[] actionScratch;
  private final boolean waitWhenFull;
  private volatile long head;
  private volatile long tail;
  private volatile long dropped;
  private final List<String> names;
  private final List<String> actionNames;
  private final double[] mean;
  private final double[] std;
  private final Path file;
  private final Rotation rotation;
  private final String sessionJson;
  private McapWriter writer;
  private int channel;
  private int eventChannel;
  private int sessionChannel;
  private int files;
  private long messagesInClosedFiles;
  private final ArrayDeque<Path> written = new ArrayDeque<>();
  private final java.util.concurrent.ConcurrentLinkedQueue<String[]> events =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.ConcurrentLinkedQueue<Object[]> telemetry =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private int telemetryChannel;
  private final StringBuilder json = new StringBuilder(1024);
  private final AgentRunner runner;
  private ControlLoop.StepListener next;
  private volatile IOException failure;

  private static final LifecycleState[] STATES = LifecycleState.values();
  private static final SafetyLayer.Verdict[] VERDICTS = SafetyLayer.Verdict.values();

  /**
   * One file without size limit, no session description.
   *
   * @param capacity steps the ring holds (a few seconds of the loop)
   * @param waitWhenFull lockstep simulation: the loop waits for room instead of dropping
   */
  public FlightRecorder(
      Path file, Manifest m, int capacity, boolean waitWhenFull, AgentSupervisor agents)
      throws IOException {
    this(file, m, capacity, waitWhenFull, agents, Rotation.NONE, "{}");
  }

  /**
   * @param rotation size limit per file and files kept
   * @param sessionJson a JSON object describing the run (bundle, config, rate, mode), written first
   *     in every file
   */
  public FlightRecorder(
      Path file,
      Manifest m,
      int capacity,
      boolean waitWhenFull,
      AgentSupervisor agents,
      Rotation rotation,
      String sessionJson)
      throws IOException {
    this.file = file;
    this.rotation = rotation;
    this.sessionJson = sessionJson;
    this.capacity = capacity;
    this.obsSize = m.observation().size();
    this.actions = m.actuators().size();
    this.doubles = SENSOR_DOUBLES + 4 + obsSize + 2 * actions;
    this.longs = new long[capacity * LONGS];
    this.values = new double[capacity * doubles];
    this.obsScratch = new double[obsSize];
    this.actionScratch = new double[actions];
    this.waitWhenFull = waitWhenFull;
    this.names = m.observation().names();
    this.actionNames = m.actuators().names();
    this.mean = m.observation().mean();
    this.std = m.observation().std();
    open(file);
    FallbackAgent agent =
        new FallbackAgent() {
          @Override
          public String roleName() {
            return "flight-recorder";
          }

          @Override
          public int doWork() throws IOException {
            return drain();
          }

          @Override
          public void fallBack(Throwable f, boolean fatal) {
            // a write failure ends the recording, never the robot: the loop keeps dropping
            failure = f instanceof IOException io ? io : new IOException(f);
          }
        };
    this.runner = agents.start(agent, new SleepingMillisIdleStrategy(5));
  }

  private static String numbers(List<String> keys) {
    StringBuilder props = new StringBuilder();
    for (String n : keys) {
      props.append(",\"").append(n).append("\":{\"type\":[\"number\",\"null\"]}");
    }
    return "{\"type\":\"object\",\"properties\":{" + props.substring(1) + "}}";
  }

  private void open(Path f) throws IOException {
    writer = new McapWriter(f, "", CHUNK_BYTES);
    files++;
    written.addLast(f);
    String sensors =
        "{\"type\":\"object\",\"description\":\"sensor readings as the drivers returned them\","
            + "\"properties\":{\"imu\":"
            + numbers(List.of("ax", "ay", "az", "gx", "gy", "gz", "temp", "t_ns"))
            + ",\"battery\":"
            + numbers(List.of("volts", "amps", "t_ns"))
            + ",\"left\":"
            + numbers(List.of("count", "position", "velocity", "t_ns"))
            + ",\"right\":"
            + numbers(List.of("count", "position", "velocity", "t_ns"))
            + ",\"range\":"
            + numbers(List.of("metres", "t_ns"))
            + "}}";
    int schema =
        writer.schema(
            "adaptrobot.Step",
            "jsonschema",
            "{\"type\":\"object\",\"properties\":{\"step\":{\"type\":\"integer\"},"
                + "\"t\":{\"type\":\"number\",\"description\":\"loop time, s\"},"
                + "\"t_ns\":{\"type\":\"integer\"},\"state\":{\"type\":\"string\"},"
                + "\"read_ok\":{\"type\":\"boolean\"},\"computed\":{\"type\":\"boolean\","
                + "\"description\":\"the controller ran in this step\"},"
                + "\"safety\":{\"type\":\"string\",\"description\":\"passed, adjusted,"
                + " replaced_non_finite or none\"},"
                + "\"sensors\":"
                + sensors
                + ",\"target\":"
                + numbers(List.of("v", "omega"))
                + ",\"waypoint\":"
                + numbers(List.of("x", "y"))
                + ",\"observation\":"
                + numbers(names)
                + ",\"action_raw\":"
                + numbers(actionNames)
                + ",\"action\":"
                + numbers(actionNames)
                + ",\"duty\":"
                + numbers(List.of("left", "right"))
                + "}}");
    this.channel = writer.channel("/robot/step", schema, "json");
    int eventSchema =
        writer.schema(
            "adaptrobot.Event",
            "jsonschema",
            "{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"string\","
                + "\"description\":\"transition, fault or adaptation\"},\"what\":{\"type\":"
                + "\"string\"},\"detail\":{\"type\":\"string\"}}}");
    this.eventChannel = writer.channel("/robot/events", eventSchema, "json");
    int sessionSchema =
        writer.schema(
            "adaptrobot.Session",
            "jsonschema",
            "{\"type\":\"object\",\"description\":\"what was run: bundle, configuration, rate,"
                + " mode\"}");
    this.sessionChannel = writer.channel("/robot/session", sessionSchema, "json");
    int telemetrySchema =
        writer.schema(
            "adaptrobot.Telemetry",
            "jsonschema",
            "{\"type\":\"object\",\"description\":\"a telemetry sample as published on"
                + " robots/ID/telemetry\"}");
    this.telemetryChannel = writer.channel("/robot/telemetry", telemetrySchema, "json");
    byte[] b = sessionJson.getBytes(StandardCharsets.UTF_8);
    writer.message(sessionChannel, 0, b, b.length);
  }

  private void rotateIfFull(long nextTime) throws IOException {
    if (rotation.maxBytes() == 0 || writer.bytesWritten() < rotation.maxBytes()) {
      return;
    }
    messagesInClosedFiles += writer.messages();
    writer.close();
    String name = file.getFileName().toString();
    String stem = name.endsWith(".mcap") ? name.substring(0, name.length() - 5) : name;
    Path nextFile = file.resolveSibling(stem + "." + files + ".mcap");
    open(nextFile);
    while (written.size() > rotation.maxFiles()) {
      Files.deleteIfExists(written.pollFirst());
    }
  }

  /** Files written so far (the oldest may have been deleted by rotation). */
  public int files() {
    return files;
  }

  /** The files kept, oldest first. */
  public List<Path> keptFiles() {
    return List.copyOf(written);
  }

  /**
   * Records an event (a lifecycle transition, a fault, an adaptation decision) at loop time {@code
   * nanos}. Called by the runtime's event dispatcher, off the loop thread.
   */
  public void event(long nanos, String kind, String what, String detail) {
    events.add(new String[] {Long.toString(nanos), kind, what, detail});
  }

  /** Records a telemetry sample (its JSON as published) at loop time {@code nanos}. */
  public void telemetry(byte[] json, long nanos) {
    telemetry.add(new Object[] {json, nanos});
  }

  /** Runs {@code listener} after the recorder in each step. */
  public void then(ControlLoop.StepListener listener) {
    this.next = listener;
  }

  @Override
  public void afterStep(ControlLoop loop, long nowNanos) {
    long h = head;
    if (h - tail >= capacity) {
      if (waitWhenFull && failure == null) {
        while (h - tail >= capacity && failure == null) {
          Thread.onSpinWait();
        }
      }
      if (h - tail >= capacity) {
        dropped++;
        pass(loop, nowNanos);
        return;
      }
    }
    int slot = (int) (h % capacity);
    RobotIo.SensorReadings r = loop.readings();
    int l = slot * LONGS;
    longs[l] = loop.steps();
    longs[l + 1] = nowNanos;
    longs[l + 2] = r.imu.timestampNanos;
    longs[l + 3] = r.battery.timestampNanos;
    longs[l + 4] = r.left.timestampNanos;
    longs[l + 5] = r.right.timestampNanos;
    longs[l + 6] = r.range.timestampNanos;
    longs[l + 7] = r.left.count;
    longs[l + 8] = r.right.count;
    SafetyLayer.Verdict v = loop.lastVerdict();
    longs[l + 9] =
        (loop.lastReadOk() ? 1 : 0)
            | (loop.controllerRan() ? 2 : 0)
            | ((long) (v == null ? 0 : v.ordinal() + 1) << 2)
            | ((long) loop.lifecycle().state().ordinal() << 8);
    int d = slot * doubles;
    for (int k = 0; k < 3; k++) {
      values[d + k] = r.imu.accelerationMps2[k];
      values[d + 3 + k] = r.imu.angularRateRadps[k];
    }
    values[d + 6] = r.imu.temperatureCelsius;
    values[d + 7] = r.battery.busVolts;
    values[d + 8] = r.battery.currentAmps;
    values[d + 9] = r.left.positionRad;
    values[d + 10] = r.left.velocityRadps;
    values[d + 11] = r.right.positionRad;
    values[d + 12] = r.right.velocityRadps;
    values[d + 13] = r.range.distanceMetres;
    Targets.Velocity target = loop.effectiveTarget();
    values[d + 14] = target.forwardSpeed();
    values[d + 15] = target.yawRate();
    Targets.Waypoint w = loop.targets().waypoint();
    values[d + 16] = w == null ? Double.NaN : w.x();
    values[d + 17] = w == null ? Double.NaN : w.y();
    int o = d + SENSOR_DOUBLES + 4;
    loop.observation(obsScratch);
    System.arraycopy(obsScratch, 0, values, o, obsSize);
    loop.rawAction(actionScratch);
    System.arraycopy(actionScratch, 0, values, o + obsSize, actions);
    loop.appliedAction(actionScratch);
    System.arraycopy(actionScratch, 0, values, o + obsSize + actions, actions);
    head = h + 1;
    pass(loop, nowNanos);
  }

  private void pass(ControlLoop loop, long nowNanos) {
    ControlLoop.StepListener n = next;
    if (n != null) {
      n.afterStep(loop, nowNanos);
    }
  }

  private synchronized int drain() throws IOException {
    int n = 0;
    for (String[] e; (e = events.poll()) != null; n++) {
      byte[] b =
          ("{\"kind\":"
                  + quote(e[1])
                  + ",\"what\":"
                  + quote(e[2])
                  + ",\"detail\":"
                  + quote(e[3])
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
      writer.message(eventChannel, Math.max(0, Long.parseLong(e[0])), b, b.length);
    }
    for (Object[] t; (t = telemetry.poll()) != null; n++) {
      byte[] b = (byte[]) t[0];
      writer.message(telemetryChannel, Math.max(0, (Long) t[1]), b, b.length);
    }
    return n + drainSteps();
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private int drainSteps() throws IOException {
    long t = tail;
    long h = head;
    int n = 0;
    for (; t < h; t++) {
      int slot = (int) (t % capacity);
      int l = slot * LONGS;
      int d = slot * doubles;
      long flags = longs[l + 9];
      json.setLength(0);
      json.append("{\"step\":").append(longs[l]);
      json.append(",\"t\":").append(String.format(Locale.ROOT, "%.6f", longs[l + 1] * 1e-9));
      json.append(",\"t_ns\":").append(longs[l + 1]);
      json.append(",\"state\":\"").append(STATES[(int) (flags >>> 8)]).append('"');
      json.append(",\"read_ok\":").append((flags & 1) != 0);
      json.append(",\"computed\":").append((flags & 2) != 0);
      int verdict = (int) ((flags >>> 2) & 0x3F);
      json.append(",\"safety\":\"")
          .append(verdict == 0 ? "none" : VERDICTS[verdict - 1].name().toLowerCase(Locale.ROOT))
          .append('"');
      json.append(",\"sensors\":{\"imu\":{\"ax\":");
      number(values[d]);
      json.append(",\"ay\":");
      number(values[d + 1]);
      json.append(",\"az\":");
      number(values[d + 2]);
      json.append(",\"gx\":");
      number(values[d + 3]);
      json.append(",\"gy\":");
      number(values[d + 4]);
      json.append(",\"gz\":");
      number(values[d + 5]);
      json.append(",\"temp\":");
      number(values[d + 6]);
      json.append(",\"t_ns\":").append(longs[l + 2]);
      json.append("},\"battery\":{\"volts\":");
      number(values[d + 7]);
      json.append(",\"amps\":");
      number(values[d + 8]);
      json.append(",\"t_ns\":").append(longs[l + 3]);
      json.append("},\"left\":{\"count\":").append(longs[l + 7]).append(",\"position\":");
      number(values[d + 9]);
      json.append(",\"velocity\":");
      number(values[d + 10]);
      json.append(",\"t_ns\":").append(longs[l + 4]);
      json.append("},\"right\":{\"count\":").append(longs[l + 8]).append(",\"position\":");
      number(values[d + 11]);
      json.append(",\"velocity\":");
      number(values[d + 12]);
      json.append(",\"t_ns\":").append(longs[l + 5]);
      json.append("},\"range\":{\"metres\":");
      number(values[d + 13]);
      json.append(",\"t_ns\":").append(longs[l + 6]);
      json.append("}},\"target\":{\"v\":");
      number(values[d + 14]);
      json.append(",\"omega\":");
      number(values[d + 15]);
      json.append("},\"waypoint\":{\"x\":");
      number(values[d + 16]);
      json.append(",\"y\":");
      number(values[d + 17]);
      json.append("},\"observation\":{");
      int o = d + SENSOR_DOUBLES + 4;
      for (int i = 0; i < obsSize; i++) {
        if (i > 0) {
          json.append(',');
        }
        json.append('"').append(names.get(i)).append("\":");
        number(values[o + i] * std[i] + mean[i]);
      }
      json.append("},\"action_raw\":{");
      actions(o + obsSize);
      json.append("},\"action\":{");
      actions(o + obsSize + actions);
      json.append("},\"duty\":{\"left\":");
      number(values[o + obsSize + actions + leftIndex()]);
      json.append(",\"right\":");
      number(values[o + obsSize + actions + rightIndex()]);
      json.append("}}");
      byte[] b = json.toString().getBytes(StandardCharsets.UTF_8);
      rotateIfFull(longs[l + 1]);
      writer.message(channel, Math.max(0, longs[l + 1]), b, b.length);
      n++;
      tail = t + 1;
    }
    return n;
  }

  private int leftIndex() {
    int i = actionNames.indexOf("left");
    return i < 0 ? 0 : i;
  }

  private int rightIndex() {
    int i = actionNames.indexOf("right");
    return i < 0 ? Math.min(1, actions - 1) : i;
  }

  private void actions(int at) {
    for (int i = 0; i < actions; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append('"').append(actionNames.get(i)).append("\":");
      number(values[at + i]);
    }
  }

  private void number(double x) {
    if (Double.isFinite(x)) {
      json.append(x); // the shortest text that reads back as the same double
    } else {
      json.append("null"); // JSON has no NaN; a non-finite value is recorded as null
    }
  }

  /** Steps and events written (all files). */
  public long recorded() {
    return messagesInClosedFiles + writer.messages();
  }

  /** Steps dropped because the ring was full. */
  public long dropped() {
    return dropped;
  }

  /** Stops the recorder agent, writes what is left and closes the file. */
  @Override
  public void close() throws IOException {
    runner.close();
    try {
      if (failure == null) {
        drain();
      }
    } finally {
      writer.close();
    }
    if (failure != null) {
      throw failure;
    }
  }
}
