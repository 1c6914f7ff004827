package org.adaptrobot.drivers.range;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import com.pi4j.io.gpio.digital.PullResistance;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.DeviceException;

/**
 * HC-SR04 ultrasonic range sensor: a 10 µs pulse on TRIG starts a measurement, ECHO then stays high
 * for the sound's round trip. Nothing here waits for the echo: {@link #trigger} starts a
 * measurement, the echo edges are timed by Pi4J's event thread, and {@link #read} reports the last
 * completed measurement, or "no echo" once the time-out has passed — so a missing or silent sensor
 * can never hang the control loop.
 */
public final class RangeSensorHcSr04 implements AutoCloseable {

  /** Status of a reading. */
  public enum Status {
    /** No measurement completed yet since start. */
    NONE,
    /** A measurement is under way. */
    PENDING,
    /** {@link Reading#distanceMetres} holds a fresh distance. */
    OK,
    /** The echo did not come (or not end) within the time-out: nothing in range, or no sensor. */
    NO_ECHO
  }

  /**
   * @param name configured name
   * @param triggerPin BCM pin wired to TRIG
   * @param echoPin BCM pin wired to ECHO (through a divider to 3.3 V)
   * @param temperatureCelsius air temperature for the speed of sound
   * @param timeoutNanos from the trigger to the end of the echo; the sensor's own limit is ~38 ms
   */
  public record Config(
      String name, int triggerPin, int echoPin, double temperatureCelsius, long timeoutNanos) {
    public static Config of(String name, int triggerPin, int echoPin) {
      return new Config(name, triggerPin, echoPin, 20.0, 40_000_000L);
    }
  }

  /** One reading, overwritten in place. */
  public static final class Reading {
    public Status status = Status.NONE;

    /** Distance to the target, m (valid when {@code status == OK}). */
    public double distanceMetres = Double.NaN;

    /** Clock time when the echo ended (OK) or the time-out was noticed (NO_ECHO), ns. */
    public long timestampNanos = Long.MIN_VALUE;
  }

  private final Config config;
  private final String description;
  private final LongSupplier clock;
  private final DigitalOutput trigger;
  private final DigitalInput echo;
  private final double speedOfSound;
  private final DigitalStateChangeListener listener = e -> echoEdge(e.state() == DigitalState.HIGH);

  private volatile long triggerNanos = Long.MIN_VALUE;
  private volatile long riseNanos = Long.MIN_VALUE;
  private volatile long fallNanos = Long.MIN_VALUE;

  public RangeSensorHcSr04(Context pi4j, Config config, LongSupplier clockNanos) {
    this.config = config;
    this.clock = clockNanos;
    this.description =
        String.format(
            "hcsr04 '%s' (TRIG GPIO %d, ECHO GPIO %d)",
            config.name(), config.triggerPin(), config.echoPin());
    this.speedOfSound = 331.3 + 0.606 * config.temperatureCelsius();
    try {
      trigger =
          pi4j.create(
              DigitalOutput.newConfigBuilder(pi4j)
                  .id("hcsr04-" + config.name() + "-trig")
                  .address(config.triggerPin())
                  .initial(DigitalState.LOW)
                  .shutdown(DigitalState.LOW)
                  .build());
      echo =
          pi4j.create(
              DigitalInput.newConfigBuilder(pi4j)
                  .id("hcsr04-" + config.name() + "-echo")
                  .address(config.echoPin())
                  .pull(PullResistance.PULL_DOWN)
                  .build());
    } catch (RuntimeException e) {
      throw new DeviceException(
          DeviceException.Kind.IO,
          description,
          "cannot open its GPIO lines (" + e.getMessage() + ")",
          e);
    }
    echo.addListener(listener);
  }

  public String description() {
    return description;
  }

  /** Speed of sound used, m/s. */
  public double speedOfSoundMps() {
    return speedOfSound;
  }

  private void echoEdge(boolean high) {
    long now = clock.getAsLong();
    if (triggerNanos == Long.MIN_VALUE) {
      return; // not ours
    }
    if (high) {
      riseNanos = now;
    } else if (riseNanos != Long.MIN_VALUE) {
      fallNanos = now;
    }
  }

  /**
   * Sends the 10 µs trigger pulse. A measurement still under way is abandoned. The pulse is timed
   * with {@code pulseWait}, which spins 10 µs on the robot and is a no-op in lockstep simulation.
   */
  public void trigger(Runnable pulseWait) {
    riseNanos = Long.MIN_VALUE;
    fallNanos = Long.MIN_VALUE;
    try {
      trigger.state(DigitalState.HIGH);
      pulseWait.run();
      triggerNanos = clock.getAsLong();
      trigger.state(DigitalState.LOW);
    } catch (RuntimeException e) {
      throw new DeviceException(
          DeviceException.Kind.IO,
          description,
          "setting TRIG GPIO " + config.triggerPin() + " failed (" + e.getMessage() + ")",
          e);
    }
  }

  /** Spins for the 10 µs trigger pulse on real hardware. */
  public static void spinTenMicroseconds() {
    long end = System.nanoTime() + 10_000;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  /** Reports the state of the current measurement; never waits. */
  public void read(Reading out) {
    long now = clock.getAsLong();
    long t = triggerNanos;
    long rise = riseNanos;
    long fall = fallNanos;
    if (t == Long.MIN_VALUE) {
      out.status = Status.NONE;
      out.distanceMetres = Double.NaN;
      out.timestampNanos = now;
    } else if (rise != Long.MIN_VALUE && fall != Long.MIN_VALUE && fall >= rise) {
      out.status = Status.OK;
      out.distanceMetres = (fall - rise) * 1e-9 * speedOfSound / 2.0;
      out.timestampNanos = fall;
    } else if (now - t > config.timeoutNanos()) {
      out.status = Status.NO_ECHO;
      out.distanceMetres = Double.NaN;
      out.timestampNanos = now;
    } else {
      out.status = Status.PENDING;
    }
  }

  @Override
  public void close() {
    echo.removeListener(listener);
  }
}
