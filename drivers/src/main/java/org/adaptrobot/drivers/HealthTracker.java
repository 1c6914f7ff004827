package org.adaptrobot.drivers;

/** Counts a device's consecutive failures and derives its {@link Health}; lock-free reads. */
public final class HealthTracker {

  /** Consecutive failures after which a device is considered failed. */
  public static final int FAILURES_TO_FAIL = 3;

  private volatile Health health = Health.UNINITIALISED;
  private int consecutiveFailures;
  private long totalFailures;

  public Health health() {
    return health;
  }

  public long totalFailures() {
    return totalFailures;
  }

  public void succeeded() {
    consecutiveFailures = 0;
    health = Health.OK;
  }

  public void failed() {
    consecutiveFailures++;
    totalFailures++;
    health = consecutiveFailures >= FAILURES_TO_FAIL ? Health.FAILED : Health.DEGRADED;
  }

  /** Back to uninitialised, for example after a re-initialisation failed. */
  public void reset() {
    consecutiveFailures = 0;
    health = Health.UNINITIALISED;
  }
}
