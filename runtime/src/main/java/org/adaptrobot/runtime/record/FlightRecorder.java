package org.adaptrobot.runtime.record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.agents.FallbackAgent;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Records every control step into an MCAP file ({@code robot run --record FILE.mcap}): the loop
 * copies the step (time, observation, applied duties, velocity target) into a pre-allocated ring
 * after each period — no allocation, no I/O, no lock — and a recorder agent drains the ring,
 * formats each step as JSON (channel {@code /robot/step}, JSON schema {@code adaptrobot.Step}) and
 * writes it. On the robot a full ring drops the step and counts it (the loop never waits); in a
 * lockstep simulation the loop waits for room instead, so a simulated run is recorded whole.
 */
public final class FlightRecorder implements ControlLoop.StepListener, AutoCloseable {

  private final int capacity;
  private final int obsSize;
  private final long[] step;
  private final long[] time;
  private final double[] obs;
  private final double[] duty;
  private final double[] target;
  private final double[] scratch;
  private final double[] dutyScratch = new double[2];
  private final boolean waitWhenFull;
  private volatile long head;
  private volatile long tail;
  private volatile long dropped;
  private final List<String> names;
  private final double[] mean;
  private final double[] std;
  private final McapWriter writer;
  private final int channel;
  private final int eventChannel;
  private final java.util.concurrent.ConcurrentLinkedQueue<String[]> events =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final StringBuilder json = new StringBuilder(512);
  private final AgentRunner runner;
  private ControlLoop.StepListener next;
  private volatile IOException failure;

  /**
   * @param capacity steps the ring holds (a few seconds of the loop)
   * @param waitWhenFull lockstep simulation: the loop waits for room instead of dropping
   */
  public FlightRecorder(
      Path file, Manifest m, int capacity, boolean waitWhenFull, AgentSupervisor agents)
      throws IOException {
    this.capacity = capacity;
    this.obsSize = m.observation().size();
    this.step = new long[capacity];
    this.time = new long[capacity];
    this.obs = new double[capacity * obsSize];
    this.duty = new double[capacity * 2];
    this.target = new double[capacity * 2];
    this.scratch = new double[obsSize];
    this.waitWhenFull = waitWhenFull;
    this.names = m.observation().names();
    this.mean = m.observation().mean();
    this.std = m.observation().std();
    this.writer = new McapWriter(file, "", 1 << 20);
    StringBuilder props = new StringBuilder();
    for (String n : names) {
      props.append(",\"").append(n).append("\":{\"type\":\"number\"}");
    }
    int schema =
        writer.schema(
            "adaptrobot.Step",
            "jsonschema",
            "{\"type\":\"object\",\"properties\":{\"step\":{\"type\":\"integer\"},"
                + "\"t\":{\"type\":\"number\",\"description\":\"loop time, s\"},"
                + "\"observation\":{\"type\":\"object\",\"properties\":{"
                + props.substring(1)
                + "}},\"duty\":{\"type\":\"object\",\"properties\":{\"left\":{\"type\":\"number\"},"
                + "\"right\":{\"type\":\"number\"}}},\"target\":{\"type\":\"object\","
                + "\"properties\":{\"v\":{\"type\":\"number\"},\"omega\":{\"type\":\"number\"}}}}}");
    this.channel = writer.channel("/robot/step", schema, "json");
    int eventSchema =
        writer.schema(
            "adaptrobot.Event",
            "jsonschema",
            "{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"string\","
                + "\"description\":\"transition, fault or adaptation\"},\"what\":{\"type\":"
                + "\"string\"},\"detail\":{\"type\":\"string\"}}}");
    this.eventChannel = writer.channel("/robot/events", eventSchema, "json");
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

  /**
   * Records an event (a lifecycle transition, a fault, an adaptation decision) at loop time {@code
   * nanos}. Called by the runtime's event dispatcher, off the loop thread.
   */
  public void event(long nanos, String kind, String what, String detail) {
    events.add(new String[] {Long.toString(nanos), kind, what, detail});
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
    step[slot] = loop.steps();
    time[slot] = nowNanos;
    loop.observation(scratch);
    System.arraycopy(scratch, 0, obs, slot * obsSize, obsSize);
    loop.appliedAction(dutyScratch);
    duty[slot * 2] = dutyScratch[0];
    duty[slot * 2 + 1] = dutyScratch[1];
    var v = loop.targets().velocity();
    target[slot * 2] = v.forwardSpeed();
    target[slot * 2 + 1] = v.yawRate();
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
    return n + drainSteps();
  }

  private static String quote(String s) {
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
      json.setLength(0);
      json.append("{\"step\":").append(step[slot]);
      json.append(",\"t\":").append(String.format(Locale.ROOT, "%.6f", time[slot] * 1e-9));
      json.append(",\"observation\":{");
      for (int i = 0; i < obsSize; i++) {
        if (i > 0) {
          json.append(',');
        }
        json.append('"').append(names.get(i)).append("\":");
        number(obs[slot * obsSize + i] * std[i] + mean[i]);
      }
      json.append("},\"duty\":{\"left\":");
      number(duty[slot * 2]);
      json.append(",\"right\":");
      number(duty[slot * 2 + 1]);
      json.append("},\"target\":{\"v\":");
      number(target[slot * 2]);
      json.append(",\"omega\":");
      number(target[slot * 2 + 1]);
      json.append("}}");
      byte[] b = json.toString().getBytes(StandardCharsets.UTF_8);
      writer.message(channel, Math.max(0, time[slot]), b, b.length);
      n++;
      tail = t + 1;
    }
    return n;
  }

  private void number(double x) {
    if (Double.isFinite(x)) {
      json.append(x);
    } else {
      json.append("null"); // JSON has no NaN; a non-finite value is recorded as null
    }
  }

  /** Steps and events written to the file. */
  public long recorded() {
    return writer.messages();
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
