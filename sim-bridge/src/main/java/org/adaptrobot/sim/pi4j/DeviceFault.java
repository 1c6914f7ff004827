package org.adaptrobot.sim.pi4j;

/** A fault injected into a simulated device. */
public enum DeviceFault {
  /** Behaves per its datasheet. */
  NONE,
  /** Does not acknowledge its address: every transaction fails, as if unplugged. */
  NO_ACKNOWLEDGE,
  /** Acknowledges, but transfers fail with an I/O error (a bad wire, bus noise). */
  IO_ERROR,
  /** Measurement registers freeze at their current values (a hung sensor). */
  STUCK,
  /** Measurements carry extra Gaussian noise (see the chip's noise setting). */
  NOISY
}
