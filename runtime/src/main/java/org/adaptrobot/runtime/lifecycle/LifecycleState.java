package org.adaptrobot.runtime.lifecycle;

/**
 * The runtime's states, after ros2_control's hardware lifecycle. Commands reach the actuators only
 * in {@link #ACTIVE}.
 */
public enum LifecycleState {
  /** Created; nothing opened yet. */
  UNCONFIGURED,
  /** Devices open and initialised; sensors are read every step, actuators are held safe. */
  INACTIVE,
  /** The controller's actions reach the actuators. */
  ACTIVE,
  /** Shut down: actuators safe, devices closed. Terminal. */
  FINALIZED
}
