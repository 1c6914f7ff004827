package org.adaptrobot.runtime.lifecycle;

/**
 * The lifecycle state machine with its e-stop latch. Allowed transitions: UNCONFIGURED → INACTIVE
 * (configure), INACTIVE → ACTIVE (activate, refused while the e-stop is latched), ACTIVE → INACTIVE
 * (deactivate, or any fault), any → FINALIZED (shutdown). An e-stop latches, drops ACTIVE to
 * INACTIVE, and only an explicit reset clears it. Methods are called by the loop thread; the state
 * is readable from any thread.
 */
public final class Lifecycle {

  private volatile LifecycleState state = LifecycleState.UNCONFIGURED;
  private volatile boolean eStopLatched;
  private volatile String lastReason = "created";

  public LifecycleState state() {
    return state;
  }

  public boolean eStopLatched() {
    return eStopLatched;
  }

  /** Why the last transition happened. */
  public String lastReason() {
    return lastReason;
  }

  public boolean active() {
    return state == LifecycleState.ACTIVE;
  }

  public void configure() {
    require(LifecycleState.UNCONFIGURED, "configure");
    move(LifecycleState.INACTIVE, "configured");
  }

  public void activate() {
    require(LifecycleState.INACTIVE, "activate");
    if (eStopLatched) {
      throw new IllegalStateException("cannot activate: the e-stop is latched; reset it first");
    }
    move(LifecycleState.ACTIVE, "activated");
  }

  /** ACTIVE → INACTIVE; no-op when already INACTIVE. */
  public void deactivate(String reason) {
    if (state == LifecycleState.INACTIVE) {
      lastReason = reason;
      return;
    }
    require(LifecycleState.ACTIVE, "deactivate");
    move(LifecycleState.INACTIVE, reason);
  }

  /**
   * Latches the e-stop; an ACTIVE runtime drops to INACTIVE. Allowed in any state but FINALIZED.
   */
  public void eStop(String reason) {
    if (state == LifecycleState.FINALIZED) {
      return;
    }
    eStopLatched = true;
    if (state == LifecycleState.ACTIVE) {
      move(LifecycleState.INACTIVE, "e-stop: " + reason);
    } else {
      lastReason = "e-stop: " + reason;
    }
  }

  /** Clears the e-stop latch; the runtime stays INACTIVE until activated again. */
  public void resetEStop() {
    if (state == LifecycleState.FINALIZED) {
      throw new IllegalStateException("cannot reset the e-stop: the runtime is finalized");
    }
    eStopLatched = false;
    lastReason = "e-stop reset";
  }

  /** Any state → FINALIZED. */
  public void shutdown(String reason) {
    move(LifecycleState.FINALIZED, reason);
  }

  private void require(LifecycleState expected, String action) {
    if (state != expected) {
      throw new IllegalStateException(
          "cannot " + action + " in state " + state + " (needs " + expected + ")");
    }
  }

  private void move(LifecycleState next, String reason) {
    state = next;
    lastReason = reason;
  }
}
