package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.PointNavigation;
import org.adaptrobot.sim.env.PointRobot;
import org.adaptrobot.sim.env.TaskDistribution;
import org.junit.jupiter.api.Test;

/**
 * PEARL's harness on 2D navigation: its oracle (the same SAC, tasks, buffers and schedule, told the
 * goal) learns to reach held-out goals, PEARL's three evaluations run, and the measure of how much
 * of the task a posterior holds is right on closed-form cases.
 */
class PearlTest {

  static Pearl.Config small() {
    Pearl.Config c = Pearl.Config.pointNav();
    return new Pearl.Config(
        20,
        c.latentSize(),
        new int[] {32, 32},
        new int[] {32, 32},
        1e-3,
        8,
        32,
        32,
        c.klWeight(),
        2,
        4,
        1,
        1,
        400,
        c.tau(),
        c.gamma(),
        c.rewardScale(),
        20_000,
        0,
        false);
  }

  @Test
  void theOracleInTheSameHarnessLearnsToReachHeldOutGoals() {
    List<double[]> goals =
        MetaEval.tasks(PointNavigation::new, TaskDistribution.Split.TRAIN, 10, 424242);
    Pearl oracle = Pearl.oracle(PointNavigation::new, small(), 1);
    double before = oracle.evaluate(goals, 5)[1];
    List<Pearl.Point> curve = oracle.train(8, 8, goals, null);
    Pearl.Point last = curve.getLast();
    System.out.printf(
        "PEARL harness, oracle told the goal: %.1f before, %.1f after %d env steps (%.0f s)%n",
        before, last.posteriorReturn(), last.envSteps(), last.seconds());
    assertThat(last.posteriorReturn()).isGreaterThan(-20.0); // staying at the start: about −38
    assertThat(last.posteriorReturn()).isGreaterThan(before + 15);
    assertThat(last.taskR2()).as("the oracle's latent is the goal").isCloseTo(1.0, offset(1e-9));
    assertThat(last.posteriorStd()).isZero();
    assertThat(last.meanSpread()).as("goals in U[−0.5, 0.5]²: std 0.29").isBetween(0.2, 0.4);
  }

  @Test
  void pearlsThreeEvaluationsRunOnEveryGoal() {
    List<double[]> goals =
        MetaEval.tasks(PointNavigation::new, TaskDistribution.Split.TRAIN, 6, 424242);
    Pearl pearl = new Pearl(PointNavigation::new, small(), 2);
    List<Pearl.Point> curve = pearl.train(1, 1, goals, null);
    Pearl.Point p = curve.getFirst();
    assertThat(p.envSteps()).isEqualTo(20L * 2 * 100 + 4L * 2 * 100);
    for (double r : new double[] {p.priorReturn(), p.posteriorReturn(), p.onlineReturn()}) {
      assertThat(r).isFinite().isNegative();
    }
    assertThat(p.taskR2()).isBetween(0.0, 1.0);
    assertThat(p.posteriorStd()).isPositive();
    assertThat(p.meanSpread()).isPositive();
    // the same seed evaluates the same way
    assertThat(pearl.evaluate(goals, 3)).containsExactly(pearl.evaluate(goals, 3));
  }

  /**
   * PEARL's point robot with small networks, 80 iterations (~70k env steps, about 25 s): on 40
   * held-out goals the first episode runs with z drawn from the prior; the posterior of its first
   * five transitions alone steers the next episode to the goal's direction. The control takes the
   * posterior of five transitions seen on another goal: same encoder, same amount of context, no
   * information about this goal.
   */
  @Test
  void aSeededShortRunInfersTheGoalDirectionFromFiveTransitions() {
    Pearl.Config c =
        new Pearl.Config(
            20,
            5,
            new int[] {32, 32},
            new int[] {32, 32},
            1e-3,
            8,
            32,
            32,
            0.1,
            10,
            4,
            5,
            5,
            100,
            0.005,
            0.9,
            10,
            20_000,
            0,
            false);
    Pearl pearl = new Pearl(PointRobot::new, c, 1);
    pearl.train(80, 0, List.of(), null);
    List<double[]> goals = MetaEval.tasks(PointRobot::new, TaskDistribution.Split.TRAIN, 40, 7);
    int n = goals.size();
    int k = 5;
    List<double[][]> contexts = new ArrayList<>();
    double[] priorError = new double[n];
    double[] priorReturn = new double[n];
    for (int t = 0; t < n; t++) {
      Env env = new PointRobot();
      env.task(goals.get(t));
      SplittableRandom r = new SplittableRandom(100 + t);
      double[] z = new double[pearl.latentSize()];
      for (int j = 0; j < z.length; j++) {
        z[j] = GaussianPolicy.standardNormal(r);
      }
      List<double[]> seen = new ArrayList<>();
      priorReturn[t] = pearl.episode(env, r.nextLong(), z, seen, null);
      priorError[t] = directionError(seen, goals.get(t)[0]);
      contexts.add(seen.subList(0, k).toArray(new double[0][]));
    }
    double[] inferred = new double[n];
    double[] inferredReturn = new double[n];
    double[] control = new double[n];
    for (int t = 0; t < n; t++) {
      inferred[t] = steeredError(pearl, goals.get(t), contexts.get(t), inferredReturn, t);
      control[t] = steeredError(pearl, goals.get(t), contexts.get((t + n / 2) % n), null, t);
    }
    double mInferred = median(inferred);
    double mControl = median(control);
    double mPrior = median(priorError);
    double before = Arrays.stream(priorReturn).average().orElseThrow();
    double after = Arrays.stream(inferredReturn).average().orElseThrow();
    System.out.printf(
        "PEARL, point robot, 80 iterations: median direction error %.2f rad with the posterior of"
            + " %d transitions of the goal, %.2f with %d of another goal, %.2f with z from the"
            + " prior; return %.1f -> %.1f (oracle about -5)%n",
        mInferred, k, mControl, k, mPrior, before, after);
    assertThat(mInferred).isLessThan(0.35);
    assertThat(mControl).isGreaterThan(2 * mInferred);
    assertThat(mPrior).isGreaterThan(2 * mInferred);
    assertThat(after).isGreaterThan(before + 4);
  }

  /** The direction error of an episode whose z is the posterior mean of this context. */
  private static double steeredError(
      Pearl pearl, double[] goal, double[][] context, double[] returns, int t) {
    int size = pearl.transitionSize();
    double[] flat = new double[context.length * size];
    for (int i = 0; i < context.length; i++) {
      System.arraycopy(context[i], 0, flat, i * size, size);
    }
    double[] mean =
        pearl
            .encoder
            .sample(
                pearl.encoder.parameters(), flat, context.length, new double[pearl.latentSize()])
            .mean()
            .clone();
    Env env = new PointRobot();
    env.task(goal);
    List<double[]> seen = new ArrayList<>();
    double ret = pearl.episode(env, 55L + t, mean, seen, null);
    if (returns != null) {
      returns[t] = ret;
    }
    return directionError(seen, goal[0]);
  }

  /** |angle of where the episode ended − the goal's angle| (the observation is the position). */
  private static double directionError(List<double[]> transitions, double goalAngle) {
    double[] last = transitions.getLast();
    double x = last[last.length - 2];
    double y = last[last.length - 1];
    double e = Math.abs(Math.atan2(y, x) - goalAngle);
    return Math.min(e, 2 * Math.PI - e);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return 0.5 * (s[s.length / 2] + s[(s.length - 1) / 2]);
  }

  @Test
  void theTaskR2IsOneForALinearMapAndNearZeroForNoise() {
    SplittableRandom r = new SplittableRandom(4);
    double[][] x = new double[200][];
    List<double[]> exact = new ArrayList<>();
    List<double[]> noise = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      x[i] = new double[] {r.nextDouble(), r.nextDouble(), r.nextDouble()};
      exact.add(new double[] {2 * x[i][0] - x[i][2] + 0.5, -x[i][1]});
      noise.add(new double[] {r.nextDouble(), r.nextDouble()});
    }
    assertThat(Pearl.linearR2(x, exact)).isCloseTo(1.0, offset(1e-6));
    assertThat(Pearl.linearR2(x, noise)).isBetween(0.0, 0.08);
  }
}
