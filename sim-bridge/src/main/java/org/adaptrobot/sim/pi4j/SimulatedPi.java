package org.adaptrobot.sim.pi4j;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.i2c.I2C;
import com.pi4j.io.i2c.I2CConfig;
import com.pi4j.io.i2c.I2CProviderBase;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A simulated Raspberry Pi: I2C buses holding simulated chips, GPIO pins and hardware-PWM pins,
 * exposed through ordinary Pi4J providers in an ordinary Pi4J context, so drivers run unchanged.
 * The simulation places chips on buses, drives input pins, and reads output pins and PWM duty.
 */
public final class SimulatedPi implements AutoCloseable {

  private final SimClock clock;

  /** Chips by bus * 128 + address; an array, so a transfer's lookup allocates nothing. */
  private final java.util.concurrent.atomic.AtomicReferenceArray<RegisterFile> chips =
      new java.util.concurrent.atomic.AtomicReferenceArray<>(MAX_BUSES * 128);

  private static final int MAX_BUSES = 32;
  private final Map<Integer, SimulatedGpio.Input> inputs = new ConcurrentHashMap<>();
  private final Map<Integer, SimulatedGpio.Output> outputs = new ConcurrentHashMap<>();
  private final Map<Integer, SimulatedGpio.HardwarePwm> pwms = new ConcurrentHashMap<>();
  private final Map<Integer, DigitalState> pendingInputLevels = new ConcurrentHashMap<>();
  private final Context context;

  public SimulatedPi(SimClock clock) {
    this.clock = clock;
    SimulatedPi pi = this;
    I2CProviderBase i2c =
        new I2CProviderBase("sim-i2c", "Simulated I2C") {
          @Override
          public int getPriority() {
            return 1000;
          }

          @Override
          public I2C create(I2CConfig config) {
            return new SimulatedI2c(this, config, pi);
          }
        };
    this.context =
        Pi4J.newContextBuilder()
            .noAutoDetect()
            .add(
                i2c,
                new SimulatedGpio.InputProvider(this),
                new SimulatedGpio.OutputProvider(this),
                new SimulatedGpio.PwmOutputProvider(this))
            .build();
  }

  /** The Pi4J context to hand to drivers. */
  public Context context() {
    return context;
  }

  public SimClock clock() {
    return clock;
  }

  /** Places a chip at an address of a bus (replacing any there). */
  public <T extends RegisterFile> T attach(int bus, int address, T chip) {
    chips.set(key(bus, address), chip);
    return chip;
  }

  /** Removes the chip at an address, as if unplugged. */
  public void detach(int bus, int address) {
    chips.set(key(bus, address), null);
  }

  RegisterFile chip(int bus, int address) {
    if (bus < 0 || bus >= MAX_BUSES || address < 0 || address > 127) {
      return null;
    }
    return chips.get(key(bus, address));
  }

  private RegisterFile acknowledged(int bus, int address) {
    RegisterFile c = chip(bus, address);
    if (c == null) {
      throw new com.pi4j.io.exception.IOException(
          String.format(
              "no acknowledge from address 0x%02X on simulated I2C bus %d", address, bus));
    }
    return c;
  }

  /**
   * One I2C read as a bus master would do it: {@code register} < 0 reads at the chip's register
   * pointer, otherwise a burst from that register (what the hardware-in-the-loop bridge forwards).
   *
   * @throws com.pi4j.io.exception.IOException no acknowledge, or the chip's injected fault
   */
  public int i2cRead(int bus, int address, int register, byte[] buffer, int offset, int length) {
    RegisterFile c = acknowledged(bus, address);
    if (register < 0) {
      for (int i = 0; i < length; i++) {
        buffer[offset + i] = (byte) c.busReadCurrent();
      }
      return length;
    }
    if (length == 1) {
      buffer[offset] = (byte) c.busReadRegister(register); // as a single-register read
      return 1;
    }
    return c.busReadBurst(register, buffer, offset, length);
  }

  /**
   * One I2C write: {@code register} < 0 sends {@code data} as the whole transfer (one byte sets the
   * pointer; more write from the register their first byte names), otherwise writes the data from
   * that register.
   */
  public void i2cWrite(int bus, int address, int register, byte[] data, int offset, int length) {
    RegisterFile c = acknowledged(bus, address);
    if (register >= 0) {
      c.busWriteRegister(register, data, offset, length);
    } else if (length == 1) {
      c.busSetPointer(data[offset] & 0xFF);
    } else if (length > 1) {
      c.busWriteRegister(data[offset] & 0xFF, data, offset + 1, length - 1);
    }
  }

  private static int key(int bus, int address) {
    if (bus < 0 || bus >= MAX_BUSES || address < 0 || address > 127) {
      throw new IllegalArgumentException(
          "simulated I2C has buses 0.."
              + (MAX_BUSES - 1)
              + " and addresses 0..127, got bus "
              + bus
              + ", address "
              + address);
    }
    return bus * 128 + address;
  }

  void registerInput(int pin, SimulatedGpio.Input in) {
    inputs.put(pin, in);
    DigitalState pending = pendingInputLevels.remove(pin);
    if (pending != null) {
      in.drive(pending);
    }
  }

  void registerOutput(int pin, SimulatedGpio.Output out) {
    outputs.put(pin, out);
    java.util.List<java.util.function.Consumer<Boolean>> watchers = outputWatchers.get(pin);
    if (watchers != null) {
      for (java.util.function.Consumer<Boolean> w : watchers) {
        out.addListener(e -> w.accept(e.state() == DigitalState.HIGH));
      }
    }
  }

  private final Map<Integer, java.util.List<java.util.function.Consumer<Boolean>>> outputWatchers =
      new ConcurrentHashMap<>();

  /**
   * Calls {@code watcher} with the new level whenever the output pin changes, from the moment a
   * driver opens the pin (or now, if it is open).
   */
  public void watchOutput(int pin, java.util.function.Consumer<Boolean> watcher) {
    outputWatchers
        .computeIfAbsent(pin, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
        .add(watcher);
    SimulatedGpio.Output out = outputs.get(pin);
    if (out != null) {
      out.addListener(e -> watcher.accept(e.state() == DigitalState.HIGH));
    }
  }

  void registerPwm(int pin, SimulatedGpio.HardwarePwm pwm) {
    pwms.put(pin, pwm);
  }

  /** Drives an input pin; listeners see the edge now, in this thread. */
  public void driveInput(int pin, boolean high) {
    driveInput(pin, high, true);
  }

  /**
   * Drives an input pin. With {@code notify} false the level changes but no edge event reaches
   * listeners: an edge the Pi missed.
   */
  public void driveInput(int pin, boolean high, boolean notify) {
    DigitalState level = high ? DigitalState.HIGH : DigitalState.LOW;
    SimulatedGpio.Input in = inputs.get(pin);
    if (in == null) {
      pendingInputLevels.put(pin, level); // level at the moment a driver opens the pin
    } else {
      in.drive(level, notify);
    }
  }

  /** Level of an output pin (false when no driver opened it). */
  public boolean output(int pin) {
    SimulatedGpio.Output out = outputs.get(pin);
    return out != null && out.state() == DigitalState.HIGH;
  }

  /** The Pi4J output object of a pin, for listeners (null before a driver opened it). */
  public com.pi4j.io.gpio.digital.DigitalOutput outputPin(int pin) {
    return outputs.get(pin);
  }

  /** Duty cycle of a hardware-PWM pin in [0, 1] (0 when unused). */
  public double hardwarePwmDuty(int pin) {
    SimulatedGpio.HardwarePwm p = pwms.get(pin);
    return p == null ? 0.0 : p.duty();
  }

  @Override
  public void close() {
    context.shutdown();
  }
}
