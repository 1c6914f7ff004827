package org.adaptrobot.runtime.targets;

import java.util.concurrent.atomic.AtomicReference;

/**
 * What the robot is asked to do: a velocity command or a waypoint. Written by any thread (remote
 * commands, the demo's script), read by the control loop without locking: each command is an
 * immutable value swapped in atomically, stamped with the loop time at which it arrived so that the
 * safety layer can time it out.
 */
public final class Targets {

  /**
   * A velocity command.
   *
   * @param forwardSpeed m/s
   * @param yawRate rad/s
   * @param stampNanos loop time at which it was set
   * @param held true for a standing command that does not time out (a local script)
   */
  public record Velocity(double forwardSpeed, double yawRate, long stampNanos, boolean held) {
    public Velocity(double forwardSpeed, double yawRate, long stampNanos) {
      this(forwardSpeed, yawRate, stampNanos, false);
    }
  }

  /**
   * A waypoint in the odometry frame.
   *
   * @param x m
   * @param y m
   * @param stampNanos loop time at which it was set
   */
  public record Waypoint(double x, double y, long stampNanos) {}

  private final AtomicReference<Velocity> velocity = new AtomicReference<>(new Velocity(0, 0, 0));
  private final AtomicReference<Waypoint> waypoint = new AtomicReference<>();
  private volatile long loopNanos;

  /** Called by the loop each step: the time commands are stamped with. */
  public void loopTime(long nanos) {
    loopNanos = nanos;
  }

  /** Sets a velocity command; refuses non-finite values. */
  public void velocity(double forwardSpeed, double yawRate) {
    if (!Double.isFinite(forwardSpeed) || !Double.isFinite(yawRate)) {
      throw new IllegalArgumentException(
          "velocity target must be finite, got v = " + forwardSpeed + ", ω = " + yawRate);
    }
    velocity.set(new Velocity(forwardSpeed, yawRate, loopNanos));
  }

  /**
   * Sets a velocity command that stays in force without being repeated (for a local script or the
   * command line, not for remote commands, which must keep arriving).
   */
  public void hold(double forwardSpeed, double yawRate) {
    if (!Double.isFinite(forwardSpeed) || !Double.isFinite(yawRate)) {
      throw new IllegalArgumentException(
          "velocity target must be finite, got v = " + forwardSpeed + ", ω = " + yawRate);
    }
    velocity.set(new Velocity(forwardSpeed, yawRate, loopNanos, true));
  }

  public Velocity velocity() {
    return velocity.get();
  }

  /** Sets a waypoint; refuses non-finite values. */
  public void waypoint(double x, double y) {
    if (!Double.isFinite(x) || !Double.isFinite(y)) {
      throw new IllegalArgumentException("waypoint must be finite, got (" + x + ", " + y + ")");
    }
    waypoint.set(new Waypoint(x, y, loopNanos));
  }

  /** The current waypoint, or null. */
  public Waypoint waypoint() {
    return waypoint.get();
  }

  public void clearWaypoint() {
    waypoint.set(null);
  }
}
