package org.adaptrobot.drivers.motor;

/**
 * One H-bridge channel driving a DC motor. Commands are signed fractions of the supply voltage in
 * [−1, 1]; anything else (including NaN) is refused with a {@link
 * org.adaptrobot.drivers.DeviceException} so that the safety layer, not the driver, decides.
 */
public interface MotorDriver {

  /** Drives with duty |u| in the direction of sign(u); 0 applies the configured stop mode. */
  void command(double u);

  /** Short brake: both motor terminals tied, the motor stops quickly. */
  void brake();

  /** Coast: outputs open, the motor spins down freely. */
  void coast();

  /** The last accepted command, in [−1, 1]. */
  double lastCommand();

  /** What {@code command(0)} does. */
  enum StopMode {
    BRAKE,
    COAST
  }
}
