package org.adaptrobot.drivers.motor;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import org.adaptrobot.drivers.pwm.PwmOutput;

/**
 * One channel of a Toshiba TB6612FNG dual H-bridge: PWM plus IN1/IN2 direction lines and the shared
 * STBY line. Truth table (datasheet): IN1/IN2 = H/L forward, L/H reverse, H/H short brake, L/L stop
 * (outputs off, coast); STBY low puts both channels in standby.
 */
public final class MotorDriverTb6612 extends HBridgeChannel {

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

  private final DigitalOutput standby;

  /**
   * @param standby the shared STBY output, or null when STBY is tied high
   */
  public MotorDriverTb6612(Context pi4j, Config config, PwmOutput pwm, DigitalOutput standby) {
    this(
        String.format(
            "tb6612 '%s' (IN1 GPIO %d, IN2 GPIO %d)",
            config.name(), config.in1Pin(), config.in2Pin()),
        pi4j,
        config,
        pwm,
        standby);
  }

  private MotorDriverTb6612(
      String description, Context pi4j, Config config, PwmOutput pwm, DigitalOutput standby) {
    super(
        description,
        pwm,
        Gpio.output(pi4j, description, config.in1Pin()),
        Gpio.output(pi4j, description, config.in2Pin()),
        config.inverted(),
        config.stopMode());
    this.standby = standby;
    coast();
  }

  /** Wakes (true) or sleeps (false) the chip through STBY. */
  public void enable(boolean on) {
    if (standby != null) {
      Gpio.set(standby, description, on);
    }
  }

  @Override
  protected void applyBrake() {
    Gpio.set(in1, description, true);
    Gpio.set(in2, description, true);
    pwm.setDuty(1.0);
  }

  @Override
  protected void applyCoast() {
    Gpio.set(in1, description, false);
    Gpio.set(in2, description, false);
    pwm.setDuty(0.0);
  }
}
