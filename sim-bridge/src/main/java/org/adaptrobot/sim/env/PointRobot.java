package org.adaptrobot.sim.env;

import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.sim.env.TaskDistribution.Parameter;

/**
 * PEARL's 2D point robot (Rakelly et al. 2019, §6.1, its point-robot navigation): the agent starts
 * at the origin, moves by its action clipped to ±0.1 per axis and is rewarded −‖s − g‖ for a goal g
 * on the upper half of the unit circle, g = (cos θ, sin θ) with the angle θ drawn from U[0, π] (the
 * task); it observes only its position. Horizon 20: about ten steps to reach the goal, so an
 * episode is mostly motion and what a few transitions show is the goal's direction. Unlike {@link
 * PointNavigation} (MAML's: goals anywhere in a square, 100 steps), the origin is equally far from
 * every goal, so nothing is learned about the task without moving.
 */
public final class PointRobot extends AbstractEnv {

  public static final int HORIZON = 20;

  static TaskDistribution distribution() {
    return new TaskDistribution(
        List.of(new Parameter("goal_angle", "rad", Math.PI / 2, 0.0, Math.PI, 0.0, Math.PI)));
  }

  private double x;
  private double y;
  private double goalX;
  private double goalY;

  public PointRobot() {
    super(
        Box.uniform(2, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY),
        Box.uniform(2, -0.1, 0.1),
        distribution(),
        HORIZON);
  }

  @Override
  protected void applyTask(double[] p) {
    goalX = Math.cos(p[0]);
    goalY = Math.sin(p[0]);
  }

  @Override
  protected void resetState(SplittableRandom random) {
    x = 0;
    y = 0;
  }

  @Override
  protected double simulate(double[] a, SplittableRandom random) {
    x += a[0];
    y += a[1];
    double dx = x - goalX;
    double dy = y - goalY;
    return -Math.sqrt(dx * dx + dy * dy);
  }

  @Override
  protected void observe(double[] obs, SplittableRandom random) {
    obs[0] = x;
    obs[1] = y;
  }

  @Override
  protected boolean terminal() {
    return false;
  }
}
