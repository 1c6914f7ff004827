package org.adaptrobot.runtime.loop;

import org.adaptrobot.runtime.lifecycle.LifecycleState;

/**
 * What the loop reports as it happens: lifecycle transitions and faults. Called on the loop thread,
 * rarely (never in a fault-free steady state); implementations hand the event to another thread
 * (telemetry) without blocking.
 */
public interface RuntimeEvents {

  /** No reporting. */
  RuntimeEvents NONE = new RuntimeEvents() {};

  default void transition(LifecycleState from, LifecycleState to, String reason) {}

  default void fault(String kind, String message) {}

  /** A decision of the adaptation engine (on the adaptation thread, or the loop in lockstep). */
  default void adaptation(org.adaptrobot.runtime.adaptation.AdaptationEvent event) {}
}
