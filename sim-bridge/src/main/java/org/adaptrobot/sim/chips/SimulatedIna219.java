package org.adaptrobot.sim.chips;

import java.util.SplittableRandom;
import org.adaptrobot.sim.pi4j.DeviceFault;
import org.adaptrobot.sim.pi4j.RegisterFile;

/**
 * Register-level INA219 with its datasheet arithmetic (§8.5): shunt voltage in 10 µV steps clipped
 * to the programmed PGA range, bus voltage in 4 mV steps in bits 15..3 with the conversion-ready
 * and overflow flags, Current = Shunt · Cal / 4096 and Power = Current · Bus / 5000 computed in the
 * chip's integers, overflow when those leave 16 bits or the shunt exceeds its range. Configuration
 * 0x399F after reset; bit 15 of the configuration resets the chip.
 */
public final class SimulatedIna219 extends RegisterFile {

  static final int CONFIGURATION = 0x00;
  static final int SHUNT = 0x01;
  static final int BUS = 0x02;
  static final int POWER = 0x03;
  static final int CURRENT = 0x04;
  static final int CALIBRATION = 0x05;

  private final double shuntOhms;
  private final SplittableRandom random;

  /**
   * @param shuntOhms the resistance actually fitted on the simulated board
   */
  public SimulatedIna219(String name, double shuntOhms, long seed) {
    super(name);
    this.shuntOhms = shuntOhms;
    this.random = new SplittableRandom(seed);
    for (int word : new int[] {SHUNT, BUS, POWER, CURRENT}) {
      readOnly(2 * word, 2 * word + 1);
    }
    reset();
  }

  /** 16-bit registers: register n is bytes 2n (MSB) and 2n + 1. */
  @Override
  protected int byteAddress(int register) {
    return (2 * register) & 0xFF;
  }

  /** A 16-bit register's value. */
  public int word(int register) {
    return peekWord(2 * register);
  }

  private void setRegister(int register, int value) {
    setWord(2 * register, value);
  }

  @Override
  protected void reset() {
    java.util.Arrays.fill(registers, (byte) 0);
    setRegister(CONFIGURATION, 0x399F);
  }

  @Override
  protected void written(int register, int value) {
    // RST is bit 15; act once the whole word (MSB at byte 0, then LSB at byte 1) has arrived.
    if (register == 1 && (peek(0) & 0x80) != 0) {
      reset();
    }
  }

  /** Shunt full scale for the programmed PGA setting, V. */
  public double shuntRangeVolts() {
    int pg = (word(CONFIGURATION) >> 11) & 3;
    return 0.04 * (1 << pg);
  }

  public int calibration() {
    return word(CALIBRATION);
  }

  /** Sets the measured bus voltage (V) and current through the shunt (A). */
  public synchronized void measure(double busVolts, double currentAmps) {
    if (!measurementsLive()) {
      return;
    }
    double noise = fault() == DeviceFault.NOISY ? 1e-3 * random.nextGaussian() : 0.0;
    double vShunt = currentAmps * shuntOhms + noise;
    double range = shuntRangeVolts();
    boolean overflow = Math.abs(vShunt) > range;
    vShunt = Math.max(-range, Math.min(range, vShunt));
    int shuntRaw = (int) Math.round(vShunt / 10e-6);
    int busRaw = (int) Math.max(0, Math.min(8191, Math.round(busVolts / 4e-3)));
    long current = (long) shuntRaw * calibration() / 4096;
    long power = Math.abs(current) * busRaw / 5000;
    if (Math.abs(current) > 32767 || power > 65535) {
      overflow = true;
    }
    setRegister(SHUNT, shuntRaw & 0xFFFF);
    setRegister(BUS, (busRaw << 3) | 0x2 | (overflow ? 0x1 : 0));
    setRegister(CURRENT, (int) Math.max(-32768, Math.min(32767, current)) & 0xFFFF);
    setRegister(POWER, (int) Math.min(65535, power));
  }
}
