package org.adaptrobot.drivers.hardware;

import com.pi4j.context.Context;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.LongSupplier;

/**
 * A simulated robot behind a Pi4J context, advanced in lockstep: what {@code robot run --sim}
 * drives instead of real hardware. The runtime finds an implementation through {@link
 * ServiceLoader} (the sim-bridge module provides one), so a robot that ships without the simulator
 * simply has none.
 */
public interface SimulatedHardware extends AutoCloseable {

  /** The Pi4J context to open the drivers on. */
  Context context();

  /** Simulated time, ns. */
  LongSupplier clock();

  /** Advances simulated time by {@code seconds}. */
  void advance(double seconds);

  /** Named scenario parameters (battery, payload, friction, motor factors) for the physics. */
  void set(String parameter, double value);

  /**
   * Injects a fault into a device by its configured name ({@code imu}, {@code battery}, {@code
   * pwm}): {@code none}, {@code no_acknowledge}, {@code io_error}, {@code stuck} or {@code noisy}.
   */
  void fault(String device, String fault);

  /**
   * The simulation's ground truth: {@code forward_speed} (m/s), {@code yaw_rate} (rad/s), {@code
   * x}, {@code y} (m), {@code heading} (rad), {@code battery_volts}, {@code motor_duty_left|right}
   * (signed duty the motor sees, 0 unless driven) and {@code motor_braking_left|right} (1 when the
   * bridge shorts the motor, else 0).
   */
  double truth(String quantity);

  @Override
  void close();

  /** Makes simulated hardware for a description. */
  interface Provider {
    SimulatedHardware create(RobotHardware hardware, long seed);
  }

  /** The first provider on the class path, if any. */
  static Optional<Provider> provider() {
    return ServiceLoader.load(Provider.class).findFirst();
  }
}
