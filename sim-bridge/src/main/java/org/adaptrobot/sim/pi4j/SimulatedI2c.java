package org.adaptrobot.sim.pi4j;

import com.pi4j.io.exception.IOException;
import com.pi4j.io.i2c.I2CBase;
import com.pi4j.io.i2c.I2CBus;
import com.pi4j.io.i2c.I2CConfig;
import com.pi4j.io.i2c.I2CProvider;
import java.nio.charset.Charset;
import java.util.concurrent.Callable;

/**
 * A Pi4J I2C device handle on the simulated bus: transfers go straight to the {@link RegisterFile}
 * at the configured bus and address, with no allocation. An address where no chip sits fails every
 * transfer with "no acknowledge", as on a real bus.
 */
final class SimulatedI2c extends I2CBase<SimulatedI2c.Bus> {

  /** Transfers on one simulated bus run directly, in the caller's thread. */
  static final class Bus implements I2CBus {
    @Override
    public <R> R execute(com.pi4j.io.i2c.I2C i2c, Callable<R> action) {
      try {
        return action.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e.getMessage());
      }
    }
  }

  private final SimulatedPi pi;

  SimulatedI2c(I2CProvider provider, I2CConfig config, SimulatedPi pi) {
    super(provider, config, new Bus());
    this.pi = pi;
  }

  private RegisterFile chip() {
    RegisterFile chip = pi.chip(config.bus(), config.device());
    if (chip == null) {
      throw new IOException(
          String.format(
              "no acknowledge from address 0x%02X on simulated I2C bus %d",
              config.device(), config.bus()));
    }
    return chip;
  }

  @Override
  public int read() {
    return chip().busReadCurrent();
  }

  @Override
  public int read(byte[] buffer, int offset, int length) {
    RegisterFile c = chip();
    for (int i = 0; i < length; i++) {
      buffer[offset + i] = (byte) c.busReadCurrent();
    }
    return length;
  }

  @Override
  public String readString(Charset charset, int length) {
    byte[] b = new byte[length];
    read(b, 0, length);
    return new String(b, charset);
  }

  @Override
  public int write(byte b) {
    // A single byte sets the register pointer.
    chip().busSetPointer(b & 0xFF);
    return 1;
  }

  @Override
  public int write(byte[] data, int offset, int length) {
    if (length == 0) {
      return 0;
    }
    chip().busWriteRegister(data[offset] & 0xFF, data, offset + 1, length - 1);
    return length;
  }

  @Override
  public int write(Charset charset, CharSequence data) {
    byte[] b = data.toString().getBytes(charset);
    return write(b, 0, b.length);
  }

  @Override
  public int writeRegister(int register, byte b) {
    RegisterFile c = chip();
    byte[] one = {b};
    return c.busWriteRegister(register, one, 0, 1);
  }

  @Override
  public int writeRegister(int register, byte[] data, int offset, int length) {
    return chip().busWriteRegister(register, data, offset, length);
  }

  @Override
  public int writeRegister(byte[] register, byte[] data, int offset, int length) {
    return writeRegister(register[0] & 0xFF, data, offset, length);
  }

  @Override
  public int writeRegister(int register, Charset charset, CharSequence data) {
    byte[] b = data.toString().getBytes(charset);
    return writeRegister(register, b, 0, b.length);
  }

  @Override
  public int readRegister(int register) {
    return chip().busReadRegister(register);
  }

  @Override
  public int readRegister(byte[] register, byte[] buffer, int offset, int length) {
    return readRegister(register[0] & 0xFF, buffer, offset, length);
  }

  @Override
  public int readRegister(int register, byte[] buffer, int offset, int length) {
    return chip().busReadBurst(register, buffer, offset, length);
  }

  @Override
  public String readRegisterString(int register, Charset charset, int length) {
    byte[] b = new byte[length];
    readRegister(register, b, 0, length);
    return new String(b, charset);
  }
}
