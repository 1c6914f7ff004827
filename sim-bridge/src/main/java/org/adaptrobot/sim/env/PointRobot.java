package org.adaptrobot.sim.env;

import java.util.List;
import org.adaptrobot.sim.env.TaskDistribution.Parameter;

/**
 * PEARL's 2D point robot (Rakelly et al. 2019, its point-robot navigation): the agent starts at the
 * origin, moves by its action clipped to ±0.1 per axis and is rewarded −‖s − g‖ for a goal g on the
 * upper half of the unit circle, g = (cos θ, sin θ) with the angle θ drawn from U[0, π] (the task);
 * it observes only its position. Horizon 20: about ten steps to reach the goal, so an episode is
 * mostly motion and what a few transitions show is the goal's direction. Unlike {@link
 * PointNavigation} (MAML's: goals anywhere in a square, 100 steps), the origin is equally far from
 * every goal, so nothing is learned about the task without moving.
 */
public final class PointRobot extends PointMass {

  public static final int HORIZON = 20;

  static TaskDistribution distribution() {
    return new TaskDistribution(
        List.of(new Parameter("goal_angle", "rad", Math.PI / 2, 0.0, Math.PI, 0.0, Math.PI)));
  }

  public PointRobot() {
    super(distribution(), HORIZON);
  }

  @Override
  protected void applyTask(double[] p) {
    goal(Math.cos(p[0]), Math.sin(p[0]));
  }
}
