package org.adaptrobot.runtime.clock;

/** What a real-time clock does when a step ran past one or more deadlines. */
public enum OverrunPolicy {
  /**
   * Skip the missed periods: the next deadline is the first future multiple of the period, so the
   * loop keeps its phase and never bursts.
   */
  SKIP,
  /** Run the missed periods back to back until the loop has caught up. */
  CATCH_UP
}
