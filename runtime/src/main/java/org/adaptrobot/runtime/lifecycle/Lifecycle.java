package org.adaptrobot.runtime.lifecycle;

import java.lang.invoke.VarHandle;

/**
 * The lifecycle state machine with its e-stop latch. Allowed transitions: UNCONFIGURED → INACTIVE
 * (configure), INACTIVE → ACTIVE (activate, refused while the e-stop is latched), ACTIVE → INACTIVE
 * (deactivate, or any fault), any → FINALIZED (shutdown). An e-stop latches, drops ACTIVE to
 * INACTIVE, and only an explicit reset clears it. Methods are called by the loop thread; the state
 * is readable from any thread.
 *
 * <p>The reason of the last transition is kept as a fixed prefix and a detail that already exist (a
 * constant, a device's name, a requester's text) and joined only when {@link #lastReason} is read,
 * so that a transition on the loop thread formats nothing. A sequence number lets readers on other
 * threads see a prefix and detail that belong together.
 */
public final class Lifecycle {

  private volatile LifecycleState state = LifecycleState.UNCONFIGURED;
  private volatile boolean eStopLatched;
  private volatile long reasonVersion;
  private String reasonPrefix = "";
  private String reasonDetail = "created";

  public LifecycleState state() {
    return state;
  }

  public boolean eStopLatched() {
    return eStopLatched;
  }

  /** Why the last transition happened (joined here, on the caller's thread). */
  public String lastReason() {
    while (true) {
      long v = reasonVersion;
      String p = reasonPrefix;
      String d = reasonDetail;
      VarHandle.loadLoadFence();
      if ((v & 1) == 0 && v == reasonVersion) {
        return p.isEmpty() ? d : p + d;
      }
      Thread.onSpinWait();
    }
  }

  /** The fixed part of the last reason (for the loop thread, which wrote it). */
  public String reasonPrefix() {
    return reasonPrefix;
  }

  /** The variable part of the last reason (for the loop thread, which wrote it). */
  public String reasonDetail() {
    return reasonDetail;
  }

  public boolean active() {
    return state == LifecycleState.ACTIVE;
  }

  public void configure() {
    require(LifecycleState.UNCONFIGURED, "configure");
    move(LifecycleState.INACTIVE, "", "configured");
  }

  public void activate() {
    require(LifecycleState.INACTIVE, "activate");
    if (eStopLatched) {
      throw new IllegalStateException("cannot activate: the e-stop is latched; reset it first");
    }
    move(LifecycleState.ACTIVE, "", "activated");
  }

  /** ACTIVE → INACTIVE; no-op when already INACTIVE. */
  public void deactivate(String reason) {
    deactivate("", reason);
  }

  /**
   * ACTIVE → INACTIVE for the reason {@code prefix + detail} (joined only when read); only the
   * reason changes when already INACTIVE.
   */
  public void deactivate(String prefix, String detail) {
    if (state == LifecycleState.INACTIVE) {
      reason(prefix, detail);
      return;
    }
    require(LifecycleState.ACTIVE, "deactivate");
    move(LifecycleState.INACTIVE, prefix, detail);
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
      move(LifecycleState.INACTIVE, "e-stop: ", reason);
    } else {
      reason("e-stop: ", reason);
    }
  }

  /** Clears the e-stop latch; the runtime stays INACTIVE until activated again. */
  public void resetEStop() {
    if (state == LifecycleState.FINALIZED) {
      throw new IllegalStateException("cannot reset the e-stop: the runtime is finalized");
    }
    eStopLatched = false;
    reason("", "e-stop reset");
  }

  /** Any state → FINALIZED. */
  public void shutdown(String reason) {
    move(LifecycleState.FINALIZED, "", reason);
  }

  private void require(LifecycleState expected, String action) {
    if (state != expected) {
      throw new IllegalStateException(
          "cannot " + action + " in state " + state + " (needs " + expected + ")");
    }
  }

  private void move(LifecycleState next, String prefix, String detail) {
    reason(prefix, detail);
    state = next;
  }

  private void reason(String prefix, String detail) {
    reasonVersion++; // odd: being written (one writer: the loop thread)
    VarHandle.storeStoreFence();
    reasonPrefix = prefix;
    reasonDetail = detail == null ? "" : detail;
    reasonVersion++;
  }
}
