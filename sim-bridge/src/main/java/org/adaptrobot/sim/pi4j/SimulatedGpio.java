package org.adaptrobot.sim.pi4j;

import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalInputBase;
import com.pi4j.io.gpio.digital.DigitalInputConfig;
import com.pi4j.io.gpio.digital.DigitalInputProvider;
import com.pi4j.io.gpio.digital.DigitalInputProviderBase;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalOutputBase;
import com.pi4j.io.gpio.digital.DigitalOutputConfig;
import com.pi4j.io.gpio.digital.DigitalOutputProvider;
import com.pi4j.io.gpio.digital.DigitalOutputProviderBase;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeEvent;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import com.pi4j.io.pwm.Pwm;
import com.pi4j.io.pwm.PwmBase;
import com.pi4j.io.pwm.PwmConfig;
import com.pi4j.io.pwm.PwmProvider;
import com.pi4j.io.pwm.PwmProviderBase;

/** Pi4J GPIO and PWM providers whose pins are driven and read by the simulation. */
final class SimulatedGpio {

  private SimulatedGpio() {}

  /** An input pin whose level the simulation sets; edges reach listeners in the caller's thread. */
  static final class Input extends DigitalInputBase {
    private volatile DigitalState state = DigitalState.LOW;

    // Events are immutable: one per level, made once, so an edge allocates nothing.
    @SuppressWarnings("rawtypes")
    private final DigitalStateChangeEvent high;

    @SuppressWarnings("rawtypes")
    private final DigitalStateChangeEvent low;

    @SuppressWarnings({"unchecked", "rawtypes"})
    Input(DigitalInputProvider provider, DigitalInputConfig config) {
      super(provider, config);
      high = new DigitalStateChangeEvent(this, DigitalState.HIGH);
      low = new DigitalStateChangeEvent(this, DigitalState.LOW);
    }

    @Override
    public DigitalState state() {
      return state;
    }

    /** Drives the pin; a change of level is dispatched to listeners as an edge. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void drive(DigitalState level) {
      drive(level, true);
    }

    void drive(DigitalState level, boolean notify) {
      if (level != state) {
        state = level;
        if (notify) {
          @SuppressWarnings("rawtypes")
          DigitalStateChangeEvent event = level == DigitalState.HIGH ? high : low;
          for (DigitalStateChangeListener l : listeners) {
            l.onDigitalStateChange(event);
          }
        }
      }
    }

    // Listeners kept here rather than in Pi4J's event manager, whose dispatch allocates per event;
    // an array copied on change is iterated without allocation, like the kernel's edge queue.
    private volatile DigitalStateChangeListener[] listeners = new DigitalStateChangeListener[0];

    @Override
    public synchronized DigitalInput addListener(DigitalStateChangeListener... added) {
      DigitalStateChangeListener[] next =
          java.util.Arrays.copyOf(listeners, listeners.length + added.length);
      System.arraycopy(added, 0, next, listeners.length, added.length);
      listeners = next;
      return this;
    }

    @Override
    public synchronized DigitalInput removeListener(DigitalStateChangeListener... removed) {
      java.util.List<DigitalStateChangeListener> keep =
          new java.util.ArrayList<>(java.util.List.of(listeners));
      keep.removeAll(java.util.List.of(removed));
      listeners = keep.toArray(new DigitalStateChangeListener[0]);
      return this;
    }

    @Override
    public boolean hasListenersOrBindings() {
      return listeners.length > 0;
    }
  }

  /** An output pin whose level the simulation reads. */
  static final class Output extends DigitalOutputBase {
    Output(DigitalOutputProvider provider, DigitalOutputConfig config) {
      super(provider, config);
    }
  }

  /** A hardware-PWM pin whose duty cycle the simulation reads. */
  static final class HardwarePwm extends PwmBase {
    HardwarePwm(PwmProvider provider, PwmConfig config) {
      super(provider, config);
    }

    @Override
    public Pwm on() {
      onState = true;
      return this;
    }

    @Override
    public Pwm off() {
      onState = false;
      return this;
    }

    /** Duty cycle in [0, 1] (0 while off). */
    double duty() {
      Integer d = dutyCycle;
      return onState && d != null ? Math.max(0, Math.min(100, d)) / 100.0 : 0.0;
    }
  }

  static final class InputProvider extends DigitalInputProviderBase {
    private final SimulatedPi pi;

    InputProvider(SimulatedPi pi) {
      super("sim-digital-input", "Simulated digital input");
      this.pi = pi;
    }

    @Override
    public int getPriority() {
      return 1000;
    }

    @Override
    public DigitalInput create(DigitalInputConfig config) {
      Input in = new Input(this, config);
      pi.registerInput(config.address(), in);
      return in;
    }
  }

  static final class OutputProvider extends DigitalOutputProviderBase {
    private final SimulatedPi pi;

    OutputProvider(SimulatedPi pi) {
      super("sim-digital-output", "Simulated digital output");
      this.pi = pi;
    }

    @Override
    public int getPriority() {
      return 1000;
    }

    @Override
    public DigitalOutput create(DigitalOutputConfig config) {
      Output out = new Output(this, config);
      pi.registerOutput(config.address(), out);
      return out;
    }
  }

  static final class PwmOutputProvider extends PwmProviderBase {
    private final SimulatedPi pi;

    PwmOutputProvider(SimulatedPi pi) {
      super("sim-pwm", "Simulated hardware PWM");
      this.pi = pi;
    }

    @Override
    public int getPriority() {
      return 1000;
    }

    @Override
    public Pwm create(PwmConfig config) {
      HardwarePwm pwm = new HardwarePwm(this, config);
      pi.registerPwm(config.address(), pwm);
      return pwm;
    }
  }
}
