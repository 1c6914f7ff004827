package org.adaptrobot.runtime.loop;

import org.adaptrobot.runtime.agents.FallbackAgent;

/**
 * The agent that takes the control loop's events out of its ring, turns them into words and hands
 * them on ({@link ControlLoop#dispatchEvents}), so that the loop never formats or waits.
 */
public final class LoopEventDispatcher implements FallbackAgent {

  private final ControlLoop loop;

  public LoopEventDispatcher(ControlLoop loop) {
    this.loop = loop;
  }

  @Override
  public String roleName() {
    return "loop-events";
  }

  @Override
  public int doWork() {
    return loop.dispatchEvents();
  }

  /** A receiver threw: the event it was given is gone (counted by the supervisor); go on. */
  @Override
  public void fallBack(Throwable failure, boolean fatal) {}
}
