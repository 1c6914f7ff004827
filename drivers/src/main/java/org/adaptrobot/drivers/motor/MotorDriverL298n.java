package org.adaptrobot.drivers.motor;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.pwm.PwmOutput;

/**
 * One channel of an ST L298N dual full bridge: PWM on ENA/ENB plus IN1/IN2. Truth table
 * (datasheet): EN high with IN1 ≠ IN2 drives, EN high with IN1 = IN2 is a fast motor stop (brake),
 * EN low lets the motor run free (coast).
 */
public final class MotorDriverL298n implements MotorDriver {

  /**
   * @param name configured name
   * @param in1Pin BCM pin of IN1 (or IN3)
   * @param in2Pin BCM pin of IN2 (or IN4)
   * @param inverted swap directions
   * @param stopMode what a zero command does
   */
  public record Config(String name, int in1Pin, int in2Pin, boolean inverted, StopMode stopMode) {}

  private final Config config;
  private final String description;
  private final PwmOutput enable;
  private final DigitalOutput in1;
  private final DigitalOutput in2;
  private double last;

  public MotorDriverL298n(Context pi4j, Config config, PwmOutput enable) {
    this.config = config;
    this.description =
        String.format(
            "l298n '%s' (IN1 GPIO %d, IN2 GPIO %d)",
            config.name(), config.in1Pin(), config.in2Pin());
    this.enable = enable;
    this.in1 = Gpio.output(pi4j, description, config.in1Pin());
    this.in2 = Gpio.output(pi4j, description, config.in2Pin());
    coast();
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
    enable.setDuty(Math.abs(u));
    last = u;
  }

  @Override
  public void brake() {
    Gpio.set(in1, description, false);
    Gpio.set(in2, description, false);
    enable.setDuty(1.0);
    last = 0.0;
  }

  @Override
  public void coast() {
    enable.setDuty(0.0);
    last = 0.0;
  }

  @Override
  public double lastCommand() {
    return last;
  }
}
