package org.adaptrobot.runtime.clock;

import org.adaptrobot.drivers.hardware.SimulatedHardware;

/**
 * The simulated robot at wall-clock pace: each period advances the simulation by one period and
 * then waits for the real-time deadline, so the whole stack runs as it would on the robot, timing
 * included. The loop's time line is the simulation's (the drivers stamp readings with it).
 */
public final class PacedSimulationClock implements LoopClock {

  private final SimulatedHardware simulation;
  private final RealTimeClock wall;

  public PacedSimulationClock(SimulatedHardware simulation, RealTimeClock wall) {
    this.simulation = simulation;
    this.wall = wall;
  }

  @Override
  public long nowNanos() {
    return simulation.clock().getAsLong();
  }

  @Override
  public long periodNanos() {
    return wall.periodNanos();
  }

  @Override
  public void start() {
    wall.start();
  }

  @Override
  public long awaitNextPeriod() {
    simulation.advance(wall.periodNanos() * 1e-9);
    return wall.awaitNextPeriod();
  }

  @Override
  public long overruns() {
    return wall.overruns();
  }

  @Override
  public boolean lastPeriodOverran() {
    return wall.lastPeriodOverran();
  }
}
