package org.adaptrobot.sim.pi4j;

import org.adaptrobot.sim.chips.SimulatedIna219;
import org.adaptrobot.sim.chips.SimulatedMpu6050;
import org.adaptrobot.sim.chips.SimulatedPca9685;

/** A simulated Pi with the reference robot's chips at the example configuration's addresses. */
public final class SimulatedRig implements AutoCloseable {
  public final SimClock clock = new SimClock();
  public final SimulatedPi pi = new SimulatedPi(clock);
  public final SimulatedMpu6050 imu = pi.attach(1, 0x68, new SimulatedMpu6050("imu", 1));
  public final SimulatedIna219 battery = pi.attach(1, 0x40, new SimulatedIna219("battery", 0.1, 2));
  public final SimulatedPca9685 pwm = pi.attach(1, 0x60, new SimulatedPca9685("pwm"));

  @Override
  public void close() {
    pi.close();
  }
}
