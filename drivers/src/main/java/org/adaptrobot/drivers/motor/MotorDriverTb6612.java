package org.adaptrobot.drivers.motor;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.pwm.PwmOutput;

/**
 * One channel of a Toshiba TB6612FNG dual H-bridge: PWM plus IN1/IN2 direction lines and the shared
 * STBY line. Truth table (datasheet): IN1/IN2 = H/L forward, L/H reverse, H/H short brake, L/L stop
 * (outputs off, coast); STBY low puts both channels in standby.
 */
public final class MotorDriverTb6612 implements MotorDriver {

  /**
   * @param name configured name, for example {@code left}
   * @param in1Pin BCM pin of IN1
   * @param in2Pin BCM pin of IN2
   * @param standbyPin BCM pin of STBY (shared by both channels; -1 if tied high)
   * @param inverted swap directions (motor wired the other way round)
   * @param stopMode what a zero command does
   */
  public record Config(
      String name, int in1Pin, int in2Pin, int standbyPin, boolean inverted, StopMode stopMode) {}

  private final Config config;
  private final String description;
  private final PwmOutput pwm;
  private final DigitalOutput in1;
  private final DigitalOutput in2;
  private final DigitalOutput standby;
  private double last;

  /**
   * @param standby the shared STBY output, or null when STBY is tied high
   */
  public MotorDriverTb6612(Context pi4j, Config config, PwmOutput pwm, DigitalOutput standby) {
    this.config = config;
    this.description =
        String.format(
            "tb6612 '%s' (IN1 GPIO %d, IN2 GPIO %d)",
            config.name(), config.in1Pin(), config.in2Pin());
    this.pwm = pwm;
    this.in1 = Gpio.output(pi4j, description, config.in1Pin());
    this.in2 = Gpio.output(pi4j, description, config.in2Pin());
    this.standby = standby;
    coast();
  }

  public String description() {
    return description;
  }

  /** Wakes (true) or sleeps (false) the chip through STBY. */
  public void enable(boolean on) {
    if (standby != null) {
      Gpio.set(standby, description, on);
    }
  }

  @Override
  public void command(double u) {
    if (!(u >= -1.0 && u <= 1.0)) {
      throw new DeviceException(
          DeviceException.Kind.INVALID_COMMAND,
          description,
          "motor command must be in [-1, 1], got " + u);
    }
    if (u == 0.0) {
      if (config.stopMode() == StopMode.BRAKE) {
        brake();
      } else {
        coast();
      }
      return;
    }
    boolean forward = (u > 0) != config.inverted();
    Gpio.set(in1, description, forward);
    Gpio.set(in2, description, !forward);
    pwm.setDuty(Math.abs(u));
    last = u;
  }

  @Override
  public void brake() {
    Gpio.set(in1, description, true);
    Gpio.set(in2, description, true);
    pwm.setDuty(1.0);
    last = 0.0;
  }

  @Override
  public void coast() {
    Gpio.set(in1, description, false);
    Gpio.set(in2, description, false);
    pwm.setDuty(0.0);
    last = 0.0;
  }

  @Override
  public double lastCommand() {
    return last;
  }
}
