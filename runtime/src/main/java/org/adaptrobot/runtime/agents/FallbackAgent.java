package org.adaptrobot.runtime.agents;

import org.agrona.concurrent.Agent;

/**
 * A background duty cycle ({@link Agent}: start, do work, close) that knows its safe fallback: what
 * to do when one of its duty cycles throws, and when its thread dies of an {@link Error}.
 */
public interface FallbackAgent extends Agent {

  /**
   * Called on the agent's thread after a duty cycle threw {@code failure} (reported and counted
   * already); the agent puts itself back into a safe state. {@code fatal} is true when the thread
   * is about to end (an {@link Error}): nothing of this agent runs again.
   */
  void fallBack(Throwable failure, boolean fatal);
}
