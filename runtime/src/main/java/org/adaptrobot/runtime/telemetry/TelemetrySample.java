package org.adaptrobot.runtime.telemetry;

import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;

/** One periodic telemetry sample, copied from the loop in place (no allocation). */
final class TelemetrySample {
  long timeNanos;
  long steps;
  int state;
  boolean eStop;
  double forwardSpeed;
  double yawRate;
  double targetSpeed;
  double targetYawRate;
  double actionLeft;
  double actionRight;
  double batteryVolts;
  double batteryAmps;
  double x;
  double y;
  double heading;
  long overruns;
  long faults;
  long interventions;
  boolean recurrent;
  double hiddenNorm;
  double hiddenChange;
  long hiddenResets;
  boolean latent;
  double latentShift;
  String latentShiftMeasure;

  void copyFrom(ControlLoop loop, long now, double[] scratchAction) {
    timeNanos = now;
    steps = loop.steps();
    state = loop.lifecycle().state().ordinal();
    eStop = loop.lifecycle().eStopLatched();
    var s = loop.state();
    forwardSpeed = s.forwardSpeed;
    yawRate = s.yawRate;
    var t = loop.effectiveTarget();
    targetSpeed = t.forwardSpeed();
    targetYawRate = t.yawRate();
    loop.appliedAction(scratchAction);
    actionLeft = scratchAction[0];
    actionRight = scratchAction[1];
    batteryVolts = s.batteryVolts;
    batteryAmps = s.batteryAmps;
    x = s.x;
    y = s.y;
    heading = s.heading;
    var m = loop.metrics();
    overruns = m.get(Counter.OVERRUNS);
    faults = m.get(Counter.FAULTS);
    interventions =
        m.get(Counter.CLAMPED_TO_BOUNDS)
            + m.get(Counter.RATE_LIMITED)
            + m.get(Counter.NON_FINITE_ACTION)
            + m.get(Counter.COMMAND_TIMEOUT);
    var r = loop.recurrent();
    recurrent = r != null;
    if (recurrent) {
      hiddenNorm = r.hiddenNorm();
      hiddenChange = r.hiddenChange();
      hiddenResets = r.resets();
      latent = org.adaptrobot.runtime.control.RecurrentPolicy.LATENT.equals(r.kind());
      latentShift = r.shift();
      latentShiftMeasure = r.shiftMeasure();
    }
  }
}
