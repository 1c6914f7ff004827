package org.adaptrobot.drivers;

/**
 * A device that did not do what was asked: no acknowledge, an I/O error, a wrong identity, a value
 * out of range, a timeout. The message names the device, its bus and address or pins, the register
 * and what happened, so a person can find the wire. Drivers throw it; the safety layer decides.
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

  private final Kind kind;
  private final String device;

  public DeviceException(Kind kind, String device, String message, Throwable cause) {
    super(device + ": " + message, cause);
    this.kind = kind;
    this.device = device;
  }

  public DeviceException(Kind kind, String device, String message) {
    this(kind, device, message, null);
  }

  public Kind kind() {
    return kind;
  }

  /** The device description, for example {@code mpu6050 'imu' (I2C bus 1, address 0x68)}. */
  public String device() {
    return device;
  }
}
