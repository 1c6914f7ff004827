package org.adaptrobot.drivers.pwm;

import com.pi4j.context.Context;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.Health;
import org.adaptrobot.drivers.HealthTracker;
import org.adaptrobot.drivers.i2c.I2cRegisters;

/**
 * NXP PCA9685 16-channel, 12-bit PWM controller on I2C. The output frequency is set through the
 * prescaler, prescale = round(25 MHz / (4096 · f)) − 1 (datasheet §7.3.5), which may only be
 * written while the oscillator sleeps; then the chip is restarted with register auto-increment.
 */
public final class PwmPca9685 implements AutoCloseable {

  public static final double OSCILLATOR_HZ = 25_000_000.0;
  static final int MODE1 = 0x00;
  static final int MODE2 = 0x01;
  static final int LED0_ON_L = 0x06;
  static final int ALL_LED_OFF_H = 0xFD;
  static final int PRE_SCALE = 0xFE;
  static final int MODE1_RESTART = 0x80;
  static final int MODE1_AUTO_INCREMENT = 0x20;
  static final int MODE1_SLEEP = 0x10;
  static final int MODE2_TOTEM_POLE = 0x04;
  static final int FULL = 0x10; // bit 4 of LEDn_ON_H / LEDn_OFF_H
  public static final int CHANNELS = 16;

  /**
   * Configuration.
   *
   * @param name configured name
   * @param bus I2C bus
   * @param address 0x40..0x7F per the A0-A5 pins (0x70 is the all-call address)
   * @param frequencyHz PWM frequency, 24..1526 Hz with the internal oscillator
   */
  public record Config(String name, int bus, int address, double frequencyHz) {
    public Config {
      if (address < 0x40 || address > 0x7F || address == 0x70) {
        throw new IllegalArgumentException(
            "PCA9685 address must be 0x40..0x7F and not the all-call 0x70, got 0x"
                + Integer.toHexString(address));
      }
      prescale(frequencyHz);
    }
  }

  /**
   * Prescaler for a frequency, per the datasheet formula; throws when the frequency is out of the
   * chip's range (prescale 3..255).
   */
  public static int prescale(double frequencyHz) {
    long p = Math.round(OSCILLATOR_HZ / (4096.0 * frequencyHz)) - 1;
    if (!(frequencyHz > 0) || p < 3 || p > 255) {
      throw new IllegalArgumentException(
          String.format(
              "PWM frequency %.1f Hz is outside the PCA9685's range (about %.0f..%.0f Hz)",
              frequencyHz, OSCILLATOR_HZ / (4096.0 * 256), OSCILLATOR_HZ / (4096.0 * 4)));
    }
    return (int) p;
  }

  /** The frequency a prescaler value actually produces. */
  public static double frequencyOf(int prescale) {
    return OSCILLATOR_HZ / (4096.0 * (prescale + 1));
  }

  private final Config config;
  private final I2cRegisters regs;
  private final HealthTracker health = new HealthTracker();
  private final byte[] channel = new byte[4];

  public PwmPca9685(Context pi4j, Config config) {
    this.config = config;
    this.regs = new I2cRegisters(pi4j, "pca9685", config.name(), config.bus(), config.address());
  }

  public String description() {
    return regs.description();
  }

  public Health health() {
    return health.health();
  }

  /**
   * Puts every output off, sets the prescaler (sleep, write, wake, wait 500 µs, restart) and
   * enables register auto-increment. The chip has no identity register; reading the prescaler back
   * checks that a PCA9685 answered.
   */
  public void initialise() {
    try {
      int prescale = prescale(config.frequencyHz());
      regs.write(ALL_LED_OFF_H, FULL);
      regs.write(MODE2, MODE2_TOTEM_POLE);
      int mode1 = regs.read(MODE1) & ~MODE1_RESTART;
      regs.write(MODE1, (mode1 & ~MODE1_RESTART) | MODE1_SLEEP);
      regs.write(PRE_SCALE, prescale);
      regs.write(MODE1, mode1 & ~MODE1_SLEEP);
      sleepMicros(500); // oscillator start-up, datasheet §7.3.1.1
      regs.write(MODE1, (mode1 & ~MODE1_SLEEP) | MODE1_RESTART | MODE1_AUTO_INCREMENT);
      int readBack = regs.read(PRE_SCALE);
      if (readBack != prescale) {
        throw new DeviceException(
            DeviceException.Kind.IDENTITY,
            regs.description(),
            String.format(
                "PRE_SCALE (0x%02X) reads back %d after writing %d: not a PCA9685?",
                PRE_SCALE, readBack, prescale));
      }
      health.succeeded();
    } catch (DeviceException e) {
      health.reset();
      throw e;
    }
  }

  private static void sleepMicros(long micros) {
    long end = System.nanoTime() + micros * 1000;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  /** The frequency the chip produces after {@link #initialise}, Hz. */
  public double actualFrequencyHz() {
    return frequencyOf(prescale(config.frequencyHz()));
  }

  /**
   * Sets one channel's duty cycle in [0, 1]: 0 and 1 use the full-off and full-on bits, values in
   * between the nearest of 4096 steps. Writes the four channel registers in one transaction.
   */
  public void setDuty(int ch, double duty) {
    if (ch < 0 || ch >= CHANNELS) {
      throw new DeviceException(
          DeviceException.Kind.INVALID_COMMAND,
          regs.description(),
          "channel " + ch + " does not exist (0..15)");
    }
    if (!(duty >= 0.0 && duty <= 1.0)) {
      throw new DeviceException(
          DeviceException.Kind.INVALID_COMMAND,
          regs.description(),
          "duty cycle for channel " + ch + " must be in [0, 1], got " + duty);
    }
    int off = (int) Math.round(duty * 4096.0);
    int onH = 0;
    int offH;
    int offL;
    if (off >= 4096) {
      onH = FULL;
      offH = 0;
      offL = 0;
    } else if (off <= 0) {
      offH = FULL;
      offL = 0;
    } else {
      offH = (off >> 8) & 0x0F;
      offL = off & 0xFF;
    }
    channel[0] = 0; // ON_L: pulses start at count 0
    channel[1] = (byte) onH;
    channel[2] = (byte) offL;
    channel[3] = (byte) offH;
    try {
      regs.write(LED0_ON_L + 4 * ch, channel, 4);
      health.succeeded();
    } catch (DeviceException e) {
      health.failed();
      throw e;
    }
  }

  /** Turns every channel off at once (ALL_LED_OFF_H full-off bit). */
  public void allOff() {
    try {
      regs.write(ALL_LED_OFF_H, FULL);
      health.succeeded();
    } catch (DeviceException e) {
      health.failed();
      throw e;
    }
  }

  @Override
  public void close() {
    regs.close();
  }
}
