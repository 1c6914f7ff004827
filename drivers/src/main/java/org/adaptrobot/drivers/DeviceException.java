package org.adaptrobot.drivers;

import java.util.Locale;

/**
 * A device that did not do what was asked: no acknowledge, an I/O error, a wrong identity, a value
 * out of range, a timeout. The message names the device, its bus and address or pins, the register
 * and what happened, so a person can find the wire. Drivers throw it; the safety layer decides.
 *
 * <p>A driver's read path, which the control loop runs every period, throws a {@linkplain #reusable
 * pre-allocated} instance instead of a new one, so that a flapping sensor costs no allocation: it
 * carries no stack trace, its fields are overwritten by each failure, and its message is formatted
 * only when someone reads it (the loop copies the fields instead).
 */
public final class DeviceException extends RuntimeException {

  /** What went wrong, for code that reacts differently (retry an I/O error, not an identity). */
  public enum Kind {
    IO,
    IDENTITY,
    CONFIGURATION,
    TIMEOUT,
    INVALID_COMMAND
  }

  private Kind kind;
  private final String device;
  private final boolean reusable;
  private String action;
  private int register = -1;
  private String causeText;

  public DeviceException(Kind kind, String device, String message, Throwable cause) {
    super(device + ": " + message, cause);
    this.kind = kind;
    this.device = device;
    this.reusable = false;
    this.action = message;
  }

  public DeviceException(Kind kind, String device, String message) {
    this(kind, device, message, null);
  }

  private DeviceException(String device) {
    super(null, null, false, false);
    this.kind = Kind.IO;
    this.device = device;
    this.reusable = true;
    this.action = "";
  }

  /**
   * A pre-allocated exception for one device, to be {@linkplain #reuse filled in} and thrown by the
   * one thread that does that device's I/O.
   */
  public static DeviceException reusable(String device) {
    return new DeviceException(device);
  }

  /**
   * Fills in a {@linkplain #reusable reusable} exception (no allocation) and returns it.
   *
   * @param action what was being done, a constant ("reading register")
   * @param register the register, or −1
   * @param cause the cause's text (not copied), or null for "no acknowledge"
   */
  public DeviceException reuse(Kind k, String action, int register, String cause) {
    if (!reusable) {
      throw new IllegalStateException("only a reusable DeviceException can be reused");
    }
    this.kind = k;
    this.action = action;
    this.register = register;
    this.causeText = cause;
    return this;
  }

  @Override
  public String getMessage() {
    if (!reusable) {
      return super.getMessage();
    }
    return device
        + ": "
        + action
        + (register >= 0 ? String.format(Locale.ROOT, " 0x%02X", register) : "")
        + " failed ("
        + (causeText == null ? "no acknowledge" : causeText)
        + ")";
  }

  public Kind kind() {
    return kind;
  }

  /** The device description, for example {@code mpu6050 'imu' (I2C bus 1, address 0x68)}. */
  public String device() {
    return device;
  }

  /** What failed: the action of a reusable exception, else the message after the device. */
  public String action() {
    return action;
  }

  /** The register involved, or −1. */
  public int register() {
    return register;
  }

  /** The cause in words, or null (a reusable exception: "no acknowledge"; else in the message). */
  public String causeText() {
    return reusable ? (causeText == null ? "no acknowledge" : causeText) : null;
  }
}
