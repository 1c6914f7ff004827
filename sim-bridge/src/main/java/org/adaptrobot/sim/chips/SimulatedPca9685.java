package org.adaptrobot.sim.chips;

import org.adaptrobot.sim.pi4j.RegisterFile;

/**
 * Register-level PCA9685: powers up asleep (MODE1 = 0x11) with PRE_SCALE = 0x1E (200 Hz); PRE_SCALE
 * only accepts writes while SLEEP is set; the register pointer auto-increments only with MODE1.AI;
 * writes to the ALL_LED registers set every channel. The simulation reads each channel's duty cycle
 * and the output frequency; while asleep every output is off.
 */
public final class SimulatedPca9685 extends RegisterFile {

  static final int MODE1 = 0x00;
  static final int MODE2 = 0x01;
  static final int LED0_ON_L = 0x06;
  static final int ALL_LED_ON_L = 0xFA;
  static final int PRE_SCALE = 0xFE;

  public SimulatedPca9685(String name) {
    super(name);
    reset();
  }

  @Override
  protected void reset() {
    java.util.Arrays.fill(registers, (byte) 0);
    set(MODE1, 0x11);
    set(MODE2, 0x04);
    for (int ch = 0; ch < 16; ch++) {
      set(LED0_ON_L + 4 * ch + 3, 0x10); // LEDn_OFF_H full off
    }
    set(ALL_LED_ON_L + 3, 0x10);
    set(PRE_SCALE, 0x1E);
  }

  private int prescaleBeforeWrite = 0x1E;

  @Override
  protected boolean autoIncrement() {
    return (peek(MODE1) & 0x20) != 0;
  }

  @Override
  protected void written(int register, int value) {
    if (register == PRE_SCALE) {
      if ((peek(MODE1) & 0x10) == 0) {
        set(PRE_SCALE, prescaleBeforeWrite); // ignored unless asleep (datasheet §7.3.5)
      } else {
        prescaleBeforeWrite = value;
      }
    } else if (register >= ALL_LED_ON_L && register <= ALL_LED_ON_L + 3) {
      int offset = register - ALL_LED_ON_L;
      for (int ch = 0; ch < 16; ch++) {
        set(LED0_ON_L + 4 * ch + offset, value);
      }
    } else if (register == MODE1 && (value & 0x80) != 0) {
      set(MODE1, value & ~0x80); // RESTART clears itself
    }
  }

  public boolean asleep() {
    return (peek(MODE1) & 0x10) != 0;
  }

  public int prescale() {
    return peek(PRE_SCALE);
  }

  /** Output frequency with the 25 MHz internal oscillator, Hz. */
  public double frequencyHz() {
    return 25_000_000.0 / (4096.0 * (prescale() + 1));
  }

  /** Fraction of each period channel {@code ch} is high, in [0, 1]. */
  public double duty(int ch) {
    if (asleep()) {
      return 0.0;
    }
    int base = LED0_ON_L + 4 * ch;
    int onL = peek(base);
    int onH = peek(base + 1);
    int offL = peek(base + 2);
    int offH = peek(base + 3);
    if ((offH & 0x10) != 0) {
      return 0.0; // full off wins
    }
    if ((onH & 0x10) != 0) {
      return 1.0;
    }
    int on = ((onH & 0x0F) << 8) | onL;
    int off = ((offH & 0x0F) << 8) | offL;
    int high = Math.floorMod(off - on, 4096);
    return high / 4096.0;
  }
}
