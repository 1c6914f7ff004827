package org.adaptrobot.drivers.i2c;

import com.pi4j.context.Context;
import com.pi4j.io.i2c.I2C;
import org.adaptrobot.drivers.DeviceException;

/**
 * Register access to one I2C device through Pi4J, translating every failure into a {@link
 * DeviceException} that names the device, bus, address and register. Holds no buffers of its own:
 * callers pass pre-allocated arrays, so reads in the control loop allocate nothing.
 */
public final class I2cRegisters implements AutoCloseable {

  private final I2C i2c;
  private final String description;
  private final int bus;
  private final int address;

  /**
   * Opens the device.
   *
   * @param type chip name for messages, for example {@code mpu6050}
   * @param name configured name, for example {@code imu}
   */
  public I2cRegisters(Context pi4j, String type, String name, int bus, int address) {
    this.bus = bus;
    this.address = address;
    this.description =
        String.format("%s '%s' (I2C bus %d, address 0x%02X)", type, name, bus, address);
    this.readFailure = DeviceException.reusable(description);
    try {
      this.i2c =
          pi4j.create(
              I2C.newConfigBuilder(pi4j)
                  .id(type + "-" + name + "-" + bus + "-" + address)
                  .bus(bus)
                  .device(address)
                  .build());
    } catch (RuntimeException e) {
      throw new DeviceException(
          DeviceException.Kind.IO,
          description,
          "cannot open the I2C device (" + e.getMessage() + ")",
          e);
    }
  }

  private final DeviceException readFailure;

  public String description() {
    return description;
  }

  public int bus() {
    return bus;
  }

  public int address() {
    return address;
  }

  /** Reads one register (0..255); a failure throws this device's reusable exception. */
  public int read(int register) {
    int v;
    try {
      v = i2c.readRegister(register);
    } catch (RuntimeException e) {
      throw readFailure.reuse(
          DeviceException.Kind.IO, "reading register", register, e.getMessage());
    }
    if (v < 0) {
      throw readFailure.reuse(DeviceException.Kind.IO, "reading register", register, null);
    }
    return v & 0xFF;
  }

  /**
   * Reads {@code length} bytes starting at {@code register} (auto-increment burst); allocates
   * nothing, also when it fails (the device's reusable exception).
   */
  public void read(int register, byte[] buffer, int length) {
    int n;
    try {
      n = i2c.readRegister(register, buffer, 0, length);
    } catch (RuntimeException e) {
      throw readFailure.reuse(
          DeviceException.Kind.IO, "burst read from register", register, e.getMessage());
    }
    if (n != length) {
      throw readFailure.reuse(
          DeviceException.Kind.IO, "burst read from register", register, "short read");
    }
  }

  /** Reads a big-endian 16-bit register pair. */
  public int readWord(int register, byte[] scratch) {
    read(register, scratch, 2);
    return ((scratch[0] & 0xFF) << 8) | (scratch[1] & 0xFF);
  }

  public void write(int register, int value) {
    int n;
    try {
      n = i2c.writeRegister(register, (byte) value);
    } catch (RuntimeException e) {
      throw failure("writing 0x" + Integer.toHexString(value & 0xFF) + " to register", register, e);
    }
    if (n < 0) {
      throw failure("writing register", register, null);
    }
  }

  /** Writes {@code length} bytes starting at {@code register}. */
  public void write(int register, byte[] data, int length) {
    int n;
    try {
      n = i2c.writeRegister(register, data, 0, length);
    } catch (RuntimeException e) {
      throw failure("writing " + length + " bytes to register", register, e);
    }
    if (n < 0) {
      throw failure("writing " + length + " bytes to register", register, null);
    }
  }

  /** Writes a big-endian 16-bit register pair. */
  public void writeWord(int register, int value, byte[] scratch) {
    scratch[0] = (byte) (value >> 8);
    scratch[1] = (byte) value;
    write(register, scratch, 2);
  }

  private DeviceException failure(String action, int register, Throwable cause) {
    return new DeviceException(
        DeviceException.Kind.IO,
        description,
        String.format(
            "%s 0x%02X failed%s",
            action,
            register,
            cause == null ? " (no acknowledge)" : " (" + cause.getMessage() + ")"),
        cause);
  }

  @Override
  public void close() {
    i2c.close();
  }
}
