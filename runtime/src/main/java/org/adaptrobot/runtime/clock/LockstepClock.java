package org.adaptrobot.runtime.clock;

import org.adaptrobot.drivers.hardware.SimulatedHardware;

/**
 * Simulated time: waiting for the next period advances the simulation by one period, as fast as the
 * machine allows. There are no overruns.
 */
public final class LockstepClock implements LoopClock {

  private final SimulatedHardware simulation;
  private final long periodNanos;

  public LockstepClock(SimulatedHardware simulation, long periodNanos) {
    this.simulation = simulation;
    this.periodNanos = periodNanos;
  }

  @Override
  public long nowNanos() {
    return simulation.clock().getAsLong();
  }

  @Override
  public long periodNanos() {
    return periodNanos;
  }

  @Override
  public void start() {}

  @Override
  public long awaitNextPeriod() {
    simulation.advance(periodNanos * 1e-9);
    return 0;
  }

  @Override
  public long overruns() {
    return 0;
  }

  @Override
  public boolean lastPeriodOverran() {
    return false;
  }
}
