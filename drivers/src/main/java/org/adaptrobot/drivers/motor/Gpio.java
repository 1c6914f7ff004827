package org.adaptrobot.drivers.motor;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import org.adaptrobot.drivers.DeviceException;

/** Pi4J GPIO outputs with errors that name the device and the pin. */
public final class Gpio {
  private Gpio() {}

  /** Opens a BCM pin as an output, low at start and at shutdown. */
  public static DigitalOutput output(Context pi4j, String description, int pin) {
    try {
      return pi4j.create(
          DigitalOutput.newConfigBuilder(pi4j)
              .id(description.replaceAll("[^A-Za-z0-9]+", "-") + "-" + pin)
              .address(pin)
              .initial(DigitalState.LOW)
              .shutdown(DigitalState.LOW)
              .build());
    } catch (RuntimeException e) {
      throw new DeviceException(
          DeviceException.Kind.IO,
          description,
          "cannot open GPIO " + pin + " as an output (" + e.getMessage() + ")",
          e);
    }
  }

  /** Sets an output; a failure names the device and pin. */
  public static void set(DigitalOutput out, String description, boolean high) {
    try {
      out.state(high ? DigitalState.HIGH : DigitalState.LOW);
    } catch (RuntimeException e) {
      throw new DeviceException(
          DeviceException.Kind.IO,
          description,
          "setting GPIO " + out.address() + " failed (" + e.getMessage() + ")",
          e);
    }
  }
}
