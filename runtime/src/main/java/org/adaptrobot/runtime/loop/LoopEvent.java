package org.adaptrobot.runtime.loop;

import java.util.Locale;
import org.adaptrobot.runtime.lifecycle.LifecycleState;

/**
 * One event the control loop reports: a pre-allocated slot of {@link LoopEventRing} that the loop
 * fills with references it already holds (constants, a device's name, a requester's text) and
 * numbers, and that the event dispatcher turns into words on its own thread ({@link #message}). The
 * loop never formats a message.
 */
public final class LoopEvent {

  /** A lifecycle transition or a fault. */
  public enum Type {
    TRANSITION,
    FAULT
  }

  /** How the slot's fields make a message. */
  public enum Code {
    /** {@code text1 + text2}. */
    TEXT,
    /**
     * A device error: {@code text1} device, {@code text2} what failed, {@code number1} register (or
     * −1), {@code text3} the cause.
     */
    DEVICE,
    /**
     * {@code text1} sensor, {@code number1} age ns ({@link Long#MAX_VALUE}: missing), {@code
     * number2} limit ns.
     */
    STALE_SENSOR,
    /** {@code decimal1} time-out, s. */
    COMMAND_TIMEOUT,
    /** {@code number1} overruns in a row. */
    WATCHDOG,
    /**
     * {@code from} the state, {@code number1} 1 when the e-stop is latched, 2 when inhibited,
     * {@code text1} the inhibit.
     */
    ACTIVATE_REFUSED,
    /** {@code number1} e-stop requests whose reasons could not be kept. */
    E_STOPS_UNREPORTED
  }

  long timeNanos;
  Type type;
  Code code;
  LifecycleState from;
  LifecycleState to;
  String kind;
  String text1;
  String text2;
  String text3;
  long number1;
  long number2;
  double decimal1;

  void clear() {
    code = Code.TEXT;
    from = null;
    to = null;
    kind = null;
    text1 = null;
    text2 = null;
    text3 = null;
    number1 = 0;
    number2 = 0;
    decimal1 = 0;
  }

  public Type type() {
    return type;
  }

  public LifecycleState from() {
    return from;
  }

  public LifecycleState to() {
    return to;
  }

  /** The fault's kind ({@code sensor_error}, {@code e-stop}, ...), null for transitions. */
  public String kind() {
    return kind;
  }

  /** Loop time of the event, ns. */
  public long timeNanos() {
    return timeNanos;
  }

  /** The event in words (allocates: call it off the loop thread). */
  public String message() {
    return switch (code) {
      case TEXT -> text2 == null ? String.valueOf(text1) : text1 + text2;
      case DEVICE ->
          number1 >= 0
              ? String.format(Locale.ROOT, "%s: %s 0x%02X failed: %s", text1, text2, number1, text3)
              : text1 + ": " + text2 + (text3 == null ? "" : ": " + text3);
      case STALE_SENSOR ->
          text1
              + " reading is "
              + (number1 == Long.MAX_VALUE ? "missing" : (number1 / 1_000_000) + " ms old")
              + " (limit "
              + Math.round(number2 / 1e6)
              + " ms)";
      case COMMAND_TIMEOUT -> "no velocity command for " + decimal1 + " s: stopping";
      case WATCHDOG -> number1 + " overruns in a row";
      case ACTIVATE_REFUSED ->
          "activate refused in state "
              + from
              + (number1 == 1
                  ? " with the e-stop latched"
                  : number1 == 2 ? " while inhibited: " + text1 : "");
      case E_STOPS_UNREPORTED ->
          number1
              + " e-stop requests arrived faster than they could be reported one by one;"
              + " each was latched and counted";
    };
  }

  /** Copies another slot (for a consumer that keeps events). */
  void copyFrom(LoopEvent o) {
    timeNanos = o.timeNanos;
    type = o.type;
    code = o.code;
    from = o.from;
    to = o.to;
    kind = o.kind;
    text1 = o.text1;
    text2 = o.text2;
    text3 = o.text3;
    number1 = o.number1;
    number2 = o.number2;
    decimal1 = o.decimal1;
  }

  @Override
  public String toString() {
    return type == Type.TRANSITION
        ? from + " -> " + to + ": " + message()
        : kind + ": " + message();
  }
}
