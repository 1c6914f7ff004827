package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.adaptrobot.sim.env.PointNavigation;
import org.junit.jupiter.api.Test;

/** MAML-TRPO on the MAML paper's 2D navigation, small. */
class MamlTrpoTest {

  static MamlTrpo.Config small() {
    return small(1);
  }

  static MamlTrpo.Config small(int innerSteps) {
    MamlTrpo.Config c = MamlTrpo.Config.pointNavigation();
    return new MamlTrpo.Config(
        8,
        10,
        c.horizon(),
        c.innerLr(),
        innerSteps,
        c.maxKl(),
        c.cgIterations(),
        c.damping(),
        c.backtracks(),
        c.backtrackRatio(),
        c.gamma(),
        c.lambda(),
        new int[] {32, 32},
        c.activation(),
        c.initialLogStd());
  }

  @Test
  void metaIterationsStayWithinTheKlBoundAreThreadIndependentAndLearn() {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      MamlTrpo one = new MamlTrpo(PointNavigation::new, small(), 2);
      MamlTrpo three = new MamlTrpo(PointNavigation::new, small(), 2);
      for (int i = 0; i < 2; i++) {
        one.iterate(null, 1);
        three.iterate(pool, 3);
      }
      assertThat(three.model().policyParams).containsExactly(one.model().policyParams);
      for (int i = 0; i < 6; i++) {
        three.iterate(pool, 3);
      }
      int accepted = 0;
      for (MamlTrpo.Point p : three.curve()) {
        assertThat(p.kl()).isLessThanOrEqualTo(small().maxKl());
        accepted += p.accepted() ? 1 : 0;
      }
      assertThat(accepted).isGreaterThanOrEqualTo(6);
      var first = three.curve().get(0);
      var last = three.curve().get(three.curve().size() - 1);
      System.out.printf(
          "MAML-TRPO 8 iterations: pre-update %.1f -> %.1f, post-update %.1f -> %.1f%n",
          first.preReturn(), last.preReturn(), first.postReturn(), last.postReturn());
      assertThat(last.postReturn()).isGreaterThan(first.postReturn() + 10);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void twoInnerStepsAreMetaTrainedThroughBoth() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      MamlTrpo one = new MamlTrpo(PointNavigation::new, small(2), 4);
      MamlTrpo two = new MamlTrpo(PointNavigation::new, small(2), 4);
      for (int i = 0; i < 4; i++) {
        one.iterate(null, 1);
        two.iterate(pool, 2);
      }
      assertThat(two.model().policyParams).containsExactly(one.model().policyParams);
      for (MamlTrpo.Point p : two.curve()) {
        assertThat(p.kl()).isLessThanOrEqualTo(small().maxKl());
      }
      // three batches per task: two inner, one post-update
      assertThat(two.curve().get(0).envSteps()).isEqualTo(3L * 8 * 10 * 100);
      assertThat(two.curve().get(3).postReturn()).isGreaterThan(two.curve().get(0).postReturn());
    } finally {
      pool.shutdown();
    }
  }
}
