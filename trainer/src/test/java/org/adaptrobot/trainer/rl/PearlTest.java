package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.sim.env.PointNavigation;
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
