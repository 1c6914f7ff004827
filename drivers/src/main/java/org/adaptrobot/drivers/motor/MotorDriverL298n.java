package org.adaptrobot.drivers.motor;

import com.pi4j.context.Context;
import org.adaptrobot.drivers.pwm.PwmOutput;

/**
 * One channel of an ST L298N dual full bridge: PWM on ENA/ENB plus IN1/IN2. Truth table
 * (datasheet): EN high with IN1 ≠ IN2 drives, EN high with IN1 = IN2 is a fast motor stop (brake),
 * EN low lets the motor run free (coast).
 */
public final class MotorDriverL298n extends HBridgeChannel {

  /**
   * @param name configured name
   * @param in1Pin BCM pin of IN1 (or IN3)
   * @param in2Pin BCM pin of IN2 (or IN4)
   * @param inverted swap directions
   * @param stopMode what a zero command does
   */
  public record Config(String name, int in1Pin, int in2Pin, boolean inverted, StopMode stopMode) {}

  public MotorDriverL298n(Context pi4j, Config config, PwmOutput enable) {
    this(
        String.format(
            "l298n '%s' (IN1 GPIO %d, IN2 GPIO %d)",
            config.name(), config.in1Pin(), config.in2Pin()),
        pi4j,
        config,
        enable);
  }

  private MotorDriverL298n(String description, Context pi4j, Config config, PwmOutput enable) {
    super(
        description,
        enable,
        Gpio.output(pi4j, description, config.in1Pin()),
        Gpio.output(pi4j, description, config.in2Pin()),
        config.inverted(),
        config.stopMode());
    coast();
  }

  @Override
  protected void applyBrake() {
    Gpio.set(in1, description, false);
    Gpio.set(in2, description, false);
    pwm.setDuty(1.0);
  }

  @Override
  protected void applyCoast() {
    pwm.setDuty(0.0);
  }
}
