package org.adaptrobot.sim.env;

/**
 * {@link PointNavigation} for many tasks at once, with state in flat arrays: the same dynamics,
 * reward and horizon as the scalar environment, with one goal per copy, same-step autoreset, and
 * nothing allocated per step. For meta-training where every copy is a task.
 */
public final class PointNavigationVector {

  private final int n;
  private final double[] position;
  private final double[] goal;
  private final int[] steps;

  public PointNavigationVector(int n) {
    this.n = n;
    position = new double[2 * n];
    goal = new double[2 * n];
    steps = new int[n];
  }

  public int size() {
    return n;
  }

  /** Sets copy {@code i}'s goal. */
  public void goal(int i, double x, double y) {
    goal[2 * i] = x;
    goal[2 * i + 1] = y;
  }

  /** Puts every copy back at the origin; observations {@code [n, 2]}. */
  public void reset(double[] observations) {
    java.util.Arrays.fill(position, 0.0);
    java.util.Arrays.fill(steps, 0);
    System.arraycopy(position, 0, observations, 0, 2 * n);
  }

  /**
   * One step of every copy: actions {@code [n, 2]} clipped to ±0.1, observations {@code [n, 2]},
   * rewards {@code [n]}; {@code truncated[i]} marks copies that reached the horizon and were reset.
   */
  public void step(double[] actions, double[] observations, double[] rewards, boolean[] truncated) {
    for (int i = 0; i < n; i++) {
      int k = 2 * i;
      double x = position[k] + clip(actions[k]);
      double y = position[k + 1] + clip(actions[k + 1]);
      double dx = x - goal[k];
      double dy = y - goal[k + 1];
      rewards[i] = -Math.sqrt(dx * dx + dy * dy);
      int s = steps[i] + 1;
      boolean end = s >= PointNavigation.HORIZON;
      truncated[i] = end;
      if (end) {
        x = 0;
        y = 0;
        s = 0;
      }
      position[k] = x;
      position[k + 1] = y;
      steps[i] = s;
      observations[k] = x;
      observations[k + 1] = y;
    }
  }

  private static double clip(double a) {
    return a > 0.1 ? 0.1 : (a >= -0.1 ? a : -0.1);
  }
}
