package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.adaptrobot.sim.env.PointNavigation;
import org.adaptrobot.sim.env.TaskDistribution;
import org.junit.jupiter.api.Test;

/** ProMP on the MAML paper's 2D navigation. */
class ProMpTest {

  static ProMp.Config small() {
    ProMp.Config c = ProMp.Config.pointNavigation();
    return new ProMp.Config(
        8,
        10,
        c.horizon(),
        c.innerLr(),
        c.outerLr(),
        3,
        c.clip(),
        c.klPenalty(),
        c.gamma(),
        c.lambda(),
        new int[] {32, 32},
        c.activation(),
        c.initialLogStd());
  }

  @Test
  void aMetaIterationIsBitIdenticalForAnyThreadCount() {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      ProMp one = new ProMp(PointNavigation::new, small(), 3);
      one.iterate(null, 1);
      one.iterate(null, 1);
      ProMp three = new ProMp(PointNavigation::new, small(), 3);
      three.iterate(pool, 3);
      three.iterate(pool, 3);
      assertThat(three.model().policyParams).containsExactly(one.model().policyParams);
      assertThat(three.curve().get(1).postReturn()).isEqualTo(one.curve().get(1).postReturn());
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aShortSeededRunAdaptsToHeldOutGoalsInOneStep() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      ProMp.Config c = ProMp.Config.pointNavigation();
      ProMp run = new ProMp(PointNavigation::new, c, 1);
      double first = run.iterate(pool, 2).preReturn();
      for (int i = 1; i < 12; i++) {
        run.iterate(pool, 2);
      }
      List<double[]> tasks =
          MetaEval.tasks(PointNavigation::new, TaskDistribution.Split.TRAIN, 20, 99);
      double[][] r =
          MetaEval.adaptation(
              t -> TaskEnvs.fixed(PointNavigation::new, t),
              run.model().policy,
              run.model().policyParams,
              tasks,
              20,
              c.horizon(),
              c.innerLr(),
              1,
              c.gamma(),
              c.lambda(),
              5,
              pool,
              2);
      double[] before = MetaEval.summary(r, 0);
      double[] after = MetaEval.summary(r, 1);
      System.out.printf(
          "ProMP, 12 meta-iterations: first batch %.1f; held-out goals %.1f ± %.1f before, %.1f ±"
              + " %.1f after one step%n",
          first, before[0], before[1], after[0], after[1]);
      assertThat(before[0]).isGreaterThan(first); // meta-training improved the pre-update policy
      int better = 0;
      for (double[] row : r) {
        better += row[1] > row[0] ? 1 : 0;
      }
      assertThat(after[0]).isGreaterThan(before[0]);
      assertThat(better).isGreaterThanOrEqualTo(14); // of 20 held-out goals
    } finally {
      pool.shutdown();
    }
  }
}
