package org.adaptrobot.drivers;

/**
 * A driver's view of its device. A device becomes {@link #DEGRADED} on an isolated failure and
 * {@link #FAILED} after {@link HealthTracker#FAILURES_TO_FAIL} consecutive failures; one good
 * transaction makes it {@link #OK} again.
 */
public enum Health {
  /** Not initialised yet: no reading may be trusted. */
  UNINITIALISED,
  OK,
  DEGRADED,
  FAILED
}
