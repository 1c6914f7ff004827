package org.adaptrobot.runtime.adaptation;

import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.telemetry.AdaptationControl;

/**
 * What adapts a bundle on the robot, as the runtime sees it: a step listener that takes every
 * transition from the loop (allocation-free, never waiting), passes the step on to the next
 * listener (telemetry), answers remote adaptation commands, and stops its threads on close. The
 * gradient-step engine ({@link AdaptationFeed}) and the closed-form Bayesian last layer ({@link
 * BayesianLastLayerFeed}) are the two kinds.
 */
public interface OnRobotAdaptation extends ControlLoop.StepListener, AutoCloseable {

  /** Chains another listener after this one. */
  void then(ControlLoop.StepListener next);

  /** What remote commands may ask of it. */
  AdaptationControl control();

  @Override
  void close();
}
