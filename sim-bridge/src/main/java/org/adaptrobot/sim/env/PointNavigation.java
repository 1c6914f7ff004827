package org.adaptrobot.sim.env;

import java.util.List;
import org.adaptrobot.sim.env.TaskDistribution.Parameter;

/**
 * 2D point navigation from the MAML paper (Finn et al. 2017, §5.3): the agent starts at the origin,
 * moves by its action clipped to ±0.1 per axis, and is rewarded −‖s − g‖ for a goal g drawn from
 * U[−0.5, 0.5]² (the task); it observes only its position. Horizon 100. Test goals extend to [−1,
 * 1]².
 */
public final class PointNavigation extends PointMass {

  public static final int HORIZON = 100;

  static TaskDistribution distribution() {
    return new TaskDistribution(
        List.of(
            new Parameter("goal_x", "m", 0.0, -0.5, 0.5, -1.0, 1.0),
            new Parameter("goal_y", "m", 0.0, -0.5, 0.5, -1.0, 1.0)));
  }

  public PointNavigation() {
    super(distribution(), HORIZON);
  }

  @Override
  protected void applyTask(double[] p) {
    goal(p[0], p[1]);
  }
}
