package org.adaptrobot.drivers.encoder;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeEvent;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import com.pi4j.io.gpio.digital.PullResistance;
import java.lang.invoke.VarHandle;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.DeviceException;

/**
 * A quadrature encoder on two GPIO lines, decoded 4x (every edge of A and B counts). Edges arrive
 * on Pi4J's event thread and are published to the control thread through a sequence lock, so
 * reading never blocks and allocates nothing.
 *
 * <p>Forward is A leading B: AB = 00 → 10 → 11 → 01 → 00. A transition that changes both lines at
 * once means an edge was missed; it is counted as an error and moves nothing. A line that toggles
 * back within the glitch interval is a glitch: the state machine cancels its counts, and its edges
 * are kept out of the speed estimate. Speed comes from the time between edges at low speed (when
 * fewer than {@code highSpeedCounts} edges fell in the last read interval, decaying towards zero
 * while no edge comes) and from the count difference over the read interval at high speed.
 */
public final class QuadratureEncoder implements AutoCloseable {

  /**
   * @param name configured name
   * @param pinA BCM pin of channel A
   * @param pinB BCM pin of channel B
   * @param countsPerRevolution edges per output-shaft revolution with 4x decoding
   * @param inverted count the other way
   * @param glitchNanos edges on one line closer than this are a glitch
   * @param highSpeedCounts at or above this many edges per read, use the count difference
   * @param stopTimeoutNanos no edge for this long means standing still
   */
  public record Config(
      String name,
      int pinA,
      int pinB,
      int countsPerRevolution,
      boolean inverted,
      long glitchNanos,
      int highSpeedCounts,
      long stopTimeoutNanos) {
    public Config {
      if (countsPerRevolution <= 0) {
        throw new IllegalArgumentException(
            "encoder '"
                + name
                + "': counts per revolution must be positive, got "
                + countsPerRevolution);
      }
      if (pinA == pinB) {
        throw new IllegalArgumentException(
            "encoder '" + name + "': A and B use the same GPIO " + pinA);
      }
    }

    public static Config of(String name, int pinA, int pinB, int countsPerRevolution) {
      return new Config(name, pinA, pinB, countsPerRevolution, false, 20_000, 4, 200_000_000);
    }
  }

  /** One reading, overwritten in place. */
  public static final class Reading {
    /** Signed edge count since start. */
    public long count;

    /** Shaft angle since start, rad. */
    public double positionRad;

    /** Shaft speed, rad/s. */
    public double velocityRadps;

    /** Clock time of the read, ns. */
    public long timestampNanos = Long.MIN_VALUE;

    /** Clock time of the newest edge, ns (Long.MIN_VALUE before the first). */
    public long lastEdgeNanos = Long.MIN_VALUE;

    /** Transitions that skipped a state (missed edges). */
    public long errors;

    /** Edges rejected as glitches. */
    public long glitches;
  }

  // ±1 for the transitions (previous << 2 | next) of the forward / reverse Gray sequence, 0 for
  // no change, 2 for an impossible double change.
  private static final int[] STEP = new int[16];

  static {
    int[] forward = {0b00, 0b10, 0b11, 0b01};
    java.util.Arrays.fill(STEP, 2);
    for (int s = 0; s < 4; s++) {
      STEP[(s << 2) | s] = 0;
    }
    for (int k = 0; k < 4; k++) {
      int a = forward[k];
      int b = forward[(k + 1) % 4];
      STEP[(a << 2) | b] = 1;
      STEP[(b << 2) | a] = -1;
    }
  }

  private final Config config;
  private final String description;
  private final LongSupplier clock;
  private final DigitalInput lineA;
  private final DigitalInput lineB;
  private final double radiansPerCount;

  // Written only by the edge thread, under the sequence lock.
  private volatile long sequence;
  private int state;
  private long count;
  private long lastEdgeNanos = Long.MIN_VALUE;
  private long edgePeriodNanos; // time between the last two counted edges
  private int lastDirection;
  private long errors;
  private long glitches;
  private final long[] lineLastEdge = {Long.MIN_VALUE, Long.MIN_VALUE};

  private final DigitalStateChangeListener listenerA = e -> edge(0, e);
  private final DigitalStateChangeListener listenerB = e -> edge(1, e);

  // Reader state (control thread only).
  private long readCount;
  private long readNanos = Long.MIN_VALUE;

  public QuadratureEncoder(Context pi4j, Config config, LongSupplier clockNanos) {
    this.config = config;
    this.clock = clockNanos;
    this.description =
        String.format(
            "encoder '%s' (A GPIO %d, B GPIO %d)", config.name(), config.pinA(), config.pinB());
    this.radiansPerCount = 2 * Math.PI / config.countsPerRevolution();
    this.lineA = input(pi4j, config.pinA());
    this.lineB = input(pi4j, config.pinB());
    this.state = (lineA.isHigh() ? 2 : 0) | (lineB.isHigh() ? 1 : 0);
    lineA.addListener(listenerA);
    lineB.addListener(listenerB);
  }

  private DigitalInput input(Context pi4j, int pin) {
    try {
      return pi4j.create(
          DigitalInput.newConfigBuilder(pi4j)
              .id("encoder-" + config.name() + "-" + pin)
              .address(pin)
              .pull(PullResistance.PULL_UP)
              .build());
    } catch (RuntimeException e) {
      throw new DeviceException(
          DeviceException.Kind.IO,
          description,
          "cannot open GPIO " + pin + " as an input (" + e.getMessage() + ")",
          e);
    }
  }

  public String description() {
    return description;
  }

  @SuppressWarnings("rawtypes")
  private void edge(int line, DigitalStateChangeEvent event) {
    long now = clock.getAsLong();
    // The edge's own line from the event, the other line's level read now: a missed edge on the
    // other line then shows up as a double change instead of a wrong count.
    boolean high = event.state() == DigitalState.HIGH;
    boolean other = (line == 0 ? lineB : lineA).isHigh();
    int next = line == 0 ? (high ? 2 : 0) | (other ? 1 : 0) : (other ? 2 : 0) | (high ? 1 : 0);
    long s = sequence;
    sequence = s + 1;
    VarHandle.storeStoreFence();
    int step = STEP[(state << 2) | next];
    if (step == 2) {
      errors++;
    } else if (step != 0) {
      int signed = config.inverted() ? -step : step;
      count += signed;
      boolean glitch =
          lineLastEdge[line] != Long.MIN_VALUE && now - lineLastEdge[line] < config.glitchNanos();
      if (glitch) {
        glitches++;
      } else {
        if (lastEdgeNanos != Long.MIN_VALUE && signed == lastDirection) {
          edgePeriodNanos = now - lastEdgeNanos;
        } else {
          edgePeriodNanos = 0; // first edge, or a reversal: no period yet
        }
        lastEdgeNanos = now;
        lastDirection = signed;
      }
      lineLastEdge[line] = now;
    }
    state = next;
    sequence = s + 2;
  }

  /** Reads count, position and speed into {@code out}; never blocks, allocates nothing. */
  public void read(Reading out) {
    long c;
    long lastEdge;
    long period;
    int direction;
    long err;
    long gl;
    while (true) {
      long s1 = sequence;
      if ((s1 & 1) != 0) {
        Thread.onSpinWait();
        continue;
      }
      c = count;
      lastEdge = lastEdgeNanos;
      period = edgePeriodNanos;
      direction = lastDirection;
      err = errors;
      gl = glitches;
      VarHandle.loadLoadFence();
      if (sequence == s1) {
        break;
      }
    }
    long now = clock.getAsLong();
    double countsPerSecond;
    long delta = c - readCount;
    if (readNanos != Long.MIN_VALUE
        && Math.abs(delta) >= config.highSpeedCounts()
        && now > readNanos) {
      countsPerSecond = delta * 1e9 / (now - readNanos);
    } else if (lastEdge == Long.MIN_VALUE
        || now - lastEdge > config.stopTimeoutNanos()
        || period <= 0) {
      countsPerSecond = 0.0;
    } else {
      // One count per period, but no faster than the time already waited for the next edge allows.
      long waited = now - lastEdge;
      countsPerSecond = direction * 1e9 / Math.max(period, waited);
    }
    readCount = c;
    readNanos = now;
    out.count = c;
    out.positionRad = c * radiansPerCount;
    out.velocityRadps = countsPerSecond * radiansPerCount;
    out.timestampNanos = now;
    out.lastEdgeNanos = lastEdge;
    out.errors = err;
    out.glitches = gl;
  }

  @Override
  public void close() {
    lineA.removeListener(listenerA);
    lineB.removeListener(listenerB);
  }
}
