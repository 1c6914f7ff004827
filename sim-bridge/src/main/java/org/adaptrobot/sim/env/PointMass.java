package org.adaptrobot.sim.env;

import java.util.SplittableRandom;

/**
 * A point in the plane that starts at the origin, moves by its action (clipped to ±0.1 per axis)
 * each step and is rewarded −‖s − g‖ for the task's goal g; it observes only its position. The
 * subclasses say how a task places the goal.
 */
abstract class PointMass extends AbstractEnv {

  private double x;
  private double y;
  private double goalX;
  private double goalY;

  PointMass(TaskDistribution tasks, int horizon) {
    super(
        Box.uniform(2, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY),
        Box.uniform(2, -0.1, 0.1),
        tasks,
        horizon);
  }

  /** Places the goal. */
  final void goal(double gx, double gy) {
    goalX = gx;
    goalY = gy;
  }

  @Override
  protected final void resetState(SplittableRandom random) {
    x = 0;
    y = 0;
  }

  @Override
  protected final double simulate(double[] a, SplittableRandom random) {
    x += a[0];
    y += a[1];
    double dx = x - goalX;
    double dy = y - goalY;
    return -Math.sqrt(dx * dx + dy * dy);
  }

  @Override
  protected final void observe(double[] obs, SplittableRandom random) {
    obs[0] = x;
    obs[1] = y;
  }

  @Override
  protected final boolean terminal() {
    return false;
  }
}
