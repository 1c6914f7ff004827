package org.adaptrobot.drivers.pwm;

import com.pi4j.io.pwm.Pwm;

/** One PWM output with a duty cycle in [0, 1]: a PCA9685 channel or a Pi hardware PWM pin. */
@FunctionalInterface
public interface PwmOutput {

  void setDuty(double duty);

  /** Channel {@code ch} of a PCA9685. */
  static PwmOutput of(PwmPca9685 chip, int ch) {
    return duty -> chip.setDuty(ch, duty);
  }

  /** A Pi4J PWM output (the Pi's own PWM); its duty cycle is in percent. */
  static PwmOutput of(Pwm pwm) {
    return duty -> pwm.setDutyCycle((int) Math.round(duty * 100.0));
  }
}
