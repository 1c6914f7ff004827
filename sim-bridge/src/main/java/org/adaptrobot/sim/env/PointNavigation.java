package org.adaptrobot.sim.env;

import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.sim.env.TaskDistribution.Parameter;

/**
 * 2D point navigation from the MAML paper (Finn et al. 2017, §5.3): the agent starts at the origin,
 * moves by its action clipped to ±0.1 per axis, and is rewarded −‖s − g‖ for a goal g drawn from
 * U[−0.5, 0.5]² (the task); it observes only its position. Horizon 100. Test goals extend to [−1,
 * 1]².
 */
public final class PointNavigation extends AbstractEnv {

  public static final int HORIZON = 100;

  static TaskDistribution distribution() {
    return new TaskDistribution(
        List.of(
            new Parameter("goal_x", "m", 0.0, -0.5, 0.5, -1.0, 1.0),
            new Parameter("goal_y", "m", 0.0, -0.5, 0.5, -1.0, 1.0)));
  }

  private double x;
  private double y;
  private double goalX;
  private double goalY;

  public PointNavigation() {
    super(
        Box.uniform(2, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY),
        Box.uniform(2, -0.1, 0.1),
        distribution(),
        HORIZON);
  }

  @Override
  protected void applyTask(double[] p) {
    goalX = p[0];
    goalY = p[1];
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
