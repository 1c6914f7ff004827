package org.adaptrobot.drivers.motor;

import com.pi4j.io.gpio.digital.DigitalOutput;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.pwm.PwmOutput;

/**
 * What every H-bridge channel shares: a PWM output and two direction lines, a polarity, and what a
 * zero command does. Chips differ only in how they brake and coast.
 */
abstract class HBridgeChannel implements MotorDriver {

  protected final String description;
  protected final PwmOutput pwm;
  protected final DigitalOutput in1;
  protected final DigitalOutput in2;
  private final boolean inverted;
  private final StopMode stopMode;
  private double last;

  HBridgeChannel(
      String description,
      PwmOutput pwm,
      DigitalOutput in1,
      DigitalOutput in2,
      boolean inverted,
      StopMode stopMode) {
    this.description = description;
    this.pwm = pwm;
    this.in1 = in1;
    this.in2 = in2;
    this.inverted = inverted;
    this.stopMode = stopMode;
  }

  public String description() {
    return description;
  }

  @Override
  public final void command(double u) {
    if (!(u >= -1.0 && u <= 1.0)) {
      throw new DeviceException(
          DeviceException.Kind.INVALID_COMMAND,
          description,
          "motor command must be in [-1, 1], got " + u);
    }
    if (u == 0.0) {
      if (stopMode == StopMode.BRAKE) {
        brake();
      } else {
        coast();
      }
      return;
    }
    boolean forward = (u > 0) != inverted;
    Gpio.set(in1, description, forward);
    Gpio.set(in2, description, !forward);
    pwm.setDuty(Math.abs(u));
    last = u;
  }

  @Override
  public final void brake() {
    applyBrake();
    last = 0.0;
  }

  @Override
  public final void coast() {
    applyCoast();
    last = 0.0;
  }

  /** Puts the chip's outputs in short brake. */
  protected abstract void applyBrake();

  /** Opens the chip's outputs. */
  protected abstract void applyCoast();

  @Override
  public double lastCommand() {
    return last;
  }
}
