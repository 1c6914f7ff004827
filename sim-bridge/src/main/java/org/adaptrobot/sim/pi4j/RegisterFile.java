package org.adaptrobot.sim.pi4j;

import com.pi4j.io.exception.IOException;

/**
 * A simulated I2C chip: 256 eight-bit registers with reset values and read-only registers, a
 * register pointer, and burst transfers that auto-increment the pointer (when the chip does).
 * Subclasses model their datasheet's side effects in {@link #written}. Faults make transactions
 * fail or freeze measurements.
 */
public abstract class RegisterFile {

  protected final byte[] registers = new byte[256];
  private final boolean[] readOnly = new boolean[256];
  private final String name;
  private int pointer;
  private volatile DeviceFault fault = DeviceFault.NONE;

  // Thrown again and again while a fault lasts: made once, so a failing transfer allocates nothing
  // (as the driver's read path promises the control loop).
  private final IOException noAcknowledge;
  private final IOException ioError;

  protected RegisterFile(String name) {
    this.name = name;
    this.noAcknowledge = new IOException(name + ": no acknowledge");
    this.ioError = new IOException(name + ": I/O error during transfer");
  }

  public String name() {
    return name;
  }

  public DeviceFault fault() {
    return fault;
  }

  public void fault(DeviceFault f) {
    this.fault = f;
  }

  /** Marks registers the bus cannot write. */
  protected final void readOnly(int... regs) {
    for (int r : regs) {
      readOnly[r] = true;
    }
  }

  /** Power-on register values. */
  protected abstract void reset();

  /** Called after the bus wrote {@code value} to {@code register}. */
  protected void written(int register, int value) {}

  /** True when burst transfers advance the register pointer. */
  protected boolean autoIncrement() {
    return true;
  }

  /**
   * Byte offset of a register address in {@link #registers}. Chips with 16-bit registers (INA219)
   * map register n to bytes 2n and 2n + 1, most significant first.
   */
  protected int byteAddress(int register) {
    return register & 0xFF;
  }

  /** Whether measurement registers may be updated (not while the chip is stuck). */
  protected final boolean measurementsLive() {
    return fault != DeviceFault.STUCK;
  }

  final void checkTransfer() {
    switch (fault) {
      case NO_ACKNOWLEDGE -> throw noAcknowledge;
      case IO_ERROR -> throw ioError;
      default -> {}
    }
  }

  final int readAt(int register) {
    return registers[register & 0xFF] & 0xFF;
  }

  final synchronized int busReadRegister(int register) {
    checkTransfer();
    pointer = byteAddress(register);
    return readAt(pointer);
  }

  final synchronized int busReadBurst(int register, byte[] out, int offset, int length) {
    checkTransfer();
    pointer = byteAddress(register);
    for (int i = 0; i < length; i++) {
      out[offset + i] = registers[pointer];
      if (autoIncrement()) {
        pointer = (pointer + 1) & 0xFF;
      }
    }
    return length;
  }

  /** A plain read (no register address): the register at the current pointer. */
  final synchronized int busReadCurrent() {
    checkTransfer();
    return registers[pointer] & 0xFF;
  }

  final synchronized void busSetPointer(int register) {
    checkTransfer();
    pointer = byteAddress(register);
  }

  final synchronized int busWriteRegister(int register, byte[] data, int offset, int length) {
    checkTransfer();
    pointer = byteAddress(register);
    for (int i = 0; i < length; i++) {
      int r = pointer;
      if (!readOnly[r]) {
        registers[r] = data[offset + i];
        written(r, data[offset + i] & 0xFF);
      }
      if (autoIncrement()) {
        pointer = (pointer + 1) & 0xFF;
      }
    }
    return length;
  }

  /** Register value as the simulation sees it. */
  public synchronized int peek(int register) {
    return registers[register & 0xFF] & 0xFF;
  }

  /** Big-endian 16-bit value of a register pair. */
  public synchronized int peekWord(int register) {
    return (peek(register) << 8) | peek(register + 1);
  }

  /** Sets a register from the simulation side (measurement registers). */
  protected final void set(int register, int value) {
    registers[register & 0xFF] = (byte) value;
  }

  /** Sets a big-endian 16-bit register pair from the simulation side. */
  protected final void setWord(int register, int value) {
    registers[register & 0xFF] = (byte) (value >> 8);
    registers[(register + 1) & 0xFF] = (byte) value;
  }
}
