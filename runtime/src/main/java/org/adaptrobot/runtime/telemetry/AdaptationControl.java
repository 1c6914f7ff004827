package org.adaptrobot.runtime.telemetry;

/** What remote commands may ask of an adaptation engine; absent when the bundle does not adapt. */
public interface AdaptationControl {

  /** Adapts now, whatever the change detector says. */
  void trigger();

  /** Returns to the meta-trained parameters. */
  void reset();

  /** Allows or forbids adaptation. */
  void enabled(boolean on);

  /**
   * Why this engine refuses an action (trigger, reset, enable, disable), or null when it takes it;
   * a refused action is answered with the reason and not called.
   */
  default String refusal(String action) {
    return null;
  }
}
