package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.adaptrobot.sim.env.AbstractEnv;
import org.adaptrobot.sim.env.Box;
import org.adaptrobot.sim.env.PointNavigation;
import org.adaptrobot.sim.env.TaskDistribution;
import org.junit.jupiter.api.Test;

/** RL²: the PPO gradient through whole trials, the hidden state's life, learning to adapt. */
class Rl2Test {

  /**
   * A two-armed bandit with a continuous action: one step per episode, reward tanh(2·a·g) where the
   * good arm g = sign(p) is the task; the observation is a constant. Only the previous action and
   * reward tell the arms apart.
   */
  static final class TwoArmedBandit extends AbstractEnv {
    private double arm;

    TwoArmedBandit() {
      super(
          Box.uniform(1, -1, 1),
          Box.uniform(1, -1, 1),
          new TaskDistribution(
              List.of(new TaskDistribution.Parameter("arm", "1", 1, -1, 1, -1, 1))),
          1);
    }

    @Override
    protected void applyTask(double[] p) {
      arm = p[0] >= 0 ? 1 : -1;
    }

    @Override
    protected void resetState(SplittableRandom random) {}

    @Override
    protected double simulate(double[] a, SplittableRandom random) {
      return Math.tanh(2 * a[0] * arm);
    }

    @Override
    protected void observe(double[] obs, SplittableRandom random) {
      obs[0] = 1;
    }

    @Override
    protected boolean terminal() {
      return false;
    }
  }

  static Rl2.Config small() {
    return new Rl2.Config(3, 2, 4, 3, new int[0], -0.4, 1, 3, 1e-3, 0.2, 0.99, 0.95, 1e9);
  }

  @Test
  void thePpoGradientThroughWholeTrialsMatchesFiniteDifferences() {
    Rl2 rl2 = new Rl2(PointNavigation::new, small(), 4);
    double[] theta = rl2.parameters().clone();
    List<double[]> tasks = MetaBatch.trainingTasks(PointNavigation::new, 4, 1, 3);
    List<Rl2.Trial> trials = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      trials.add(rl2.sample(theta, tasks.get(i), 100 + i));
    }
    double[] adv = rl2.advantages(trials);
    // away from θ so that the ratios differ from 1 (inside the clip range: the loss is smooth)
    double[] at = theta.clone();
    SplittableRandom r = new SplittableRandom(8);
    for (int i = 0; i < at.length; i++) {
      at[i] += 0.02 * (2 * r.nextDouble() - 1);
    }
    int[] batch = {0, 1, 2};
    double[] grad = new double[at.length];
    rl2.lossAndGradient(at, trials, adv, batch, grad);
    double[] scratch = new double[at.length];
    double worst =
        FiniteDifferences.assertGradient(
            at, grad, x -> rl2.lossAndGradient(x, trials, adv, batch, scratch), 1e-7, 1e-5);
    assertThat(worst).as("the loss depends on the parameters").isGreaterThan(1e-4);
  }

  @Test
  void theHiddenStateIsCarriedAcrossEpisodesAndStartsAtZeroInEveryTrial() {
    Rl2 rl2 = new Rl2(PointNavigation::new, small(), 5);
    double[] theta = rl2.parameters().clone();
    double[] task = {0.3, -0.2};
    Rl2.Trial first = rl2.sample(theta, task, 1);
    Rl2.Trial second = rl2.sample(theta, task, 2);
    assertThat(first.hiddenNormAtEpisodeStart()[0]).isZero();
    assertThat(first.hiddenNormAtEpisodeStart()[1]).isPositive();
    assertThat(second.hiddenNormAtEpisodeStart()[0]).isZero();
    // the done flag marks the first step of the second episode only
    int in = rl2.inputSize();
    for (int t = 0; t < 8; t++) {
      assertThat(first.inputs()[t][in - 1]).isEqualTo(t == 4 ? 1.0 : 0.0);
    }
    // and the previous reward is fed: at t = 1 it is r_0
    assertThat(first.inputs()[1][in - 2]).isEqualTo(first.rewards()[0]);
  }

  @Test
  void theRecurrentCriticsGradientThroughWholeTrialsMatchesFiniteDifferences() {
    Rl2 rl2 = new Rl2(PointNavigation::new, small().withRecurrentCritic(true), 4);
    double[] theta = rl2.parameters().clone();
    List<double[]> tasks = MetaBatch.trainingTasks(PointNavigation::new, 4, 1, 3);
    List<Rl2.Trial> trials = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      trials.add(rl2.sample(theta, tasks.get(i), 100 + i));
    }
    double[] returns = new double[3 * 8];
    double[] adv = rl2.criticAdvantages(trials, returns);
    assertThat(adv).hasSize(24);
    // the targets: GAE on the critic's own values; a hand computation at the trial's end
    double[][] v = rl2.values(rl2.criticParameters(), trials);
    double last = trials.get(1).rewards()[7] - v[1][7];
    assertThat(returns[8 + 7]).isCloseTo(last + v[1][7], offset(1e-12));
    double[] phi = rl2.criticParameters().clone();
    int[] batch = {0, 2};
    double[] grad = new double[phi.length];
    rl2.criticLossAndGradient(phi, trials, returns, batch, grad);
    double[] scratch = new double[phi.length];
    double worst =
        FiniteDifferences.assertGradient(
            phi,
            grad,
            x -> rl2.criticLossAndGradient(x, trials, returns, batch, scratch),
            1e-7,
            1e-5);
    assertThat(worst).isGreaterThan(1e-4);
  }

  @Test
  void withTheRecurrentCriticTheBanditIsLearnedTooAndRunsAreBitIdenticalAcrossThreads() {
    Rl2.Config c =
        new Rl2.Config(40, 4, 1, 16, new int[0], -0.5, 4, 10, 3e-3, 0.2, 0.99, 0.95, 0.5)
            .withRecurrentCritic(true);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Rl2 rl2 = new Rl2(TwoArmedBandit::new, c, 7);
      Rl2 three = new Rl2(TwoArmedBandit::new, c, 7);
      for (int i = 0; i < 150; i++) {
        rl2.iterate(pool, 1);
        if (i < 3) {
          three.iterate(pool, 3);
        }
        if (i == 2) {
          assertThat(three.parameters()).containsExactly(rl2.parameters());
          assertThat(three.criticParameters()).containsExactly(rl2.criticParameters());
          Rl2 linear = new Rl2(TwoArmedBandit::new, c.withRecurrentCritic(false), 7);
          for (int k = 0; k < 3; k++) {
            linear.iterate(pool, 1);
          }
          assertThat(linear.parameters())
              .as("the critic changes the updates")
              .isNotEqualTo(rl2.parameters());
        }
      }
      List<double[]> tasks =
          MetaEval.tasks(TwoArmedBandit::new, TaskDistribution.Split.TRAIN, 200, 3);
      double[][] r = rl2.evaluate(tasks, 11, pool, 2);
      double first = 0;
      double second = 0;
      for (double[] row : r) {
        first += row[0] / r.length;
        second += row[1] / r.length;
      }
      System.out.printf("RL² bandit, recurrent critic: episode 1 %.3f, 2 %.3f%n", first, second);
      assertThat(second).isGreaterThan(first + 0.3);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void theKlEarlyStopEndsTheEpochsBeforeAStepThatMovesThePolicyTooFar() {
    Rl2.Config twoEpochs =
        new Rl2.Config(3, 2, 4, 3, new int[0], -0.4, 2, 3, 1e-2, 0.2, 0.99, 0.95, 1e9);
    ExecutorService pool = Executors.newFixedThreadPool(1);
    try {
      Rl2 free = new Rl2(PointNavigation::new, twoEpochs, 4);
      free.iterate(pool, 1);
      assertThat(free.earlyStops()).isZero();
      // the first minibatch is at the sampling policy (KL 0) and steps; the second is past any
      // tiny bound and is not taken
      Rl2 bounded = new Rl2(PointNavigation::new, twoEpochs.withTargetKl(1e-12), 4);
      Rl2 oneEpoch =
          new Rl2(
              PointNavigation::new,
              new Rl2.Config(3, 2, 4, 3, new int[0], -0.4, 1, 3, 1e-2, 0.2, 0.99, 0.95, 1e9),
              4);
      bounded.iterate(pool, 1);
      oneEpoch.iterate(pool, 1);
      assertThat(bounded.earlyStops()).isEqualTo(1);
      assertThat(bounded.parameters()).containsExactly(oneEpoch.parameters());
      assertThat(free.parameters()).isNotEqualTo(oneEpoch.parameters());
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aSeededRunOnATwoArmedBanditLearnsToExploitAfterTheFirstEpisode() {
    Rl2.Config c =
        new Rl2.Config(40, 4, 1, 16, new int[0], -0.5, 4, 10, 3e-3, 0.2, 0.99, 0.95, 0.5);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Rl2 rl2 = new Rl2(TwoArmedBandit::new, c, 7);
      for (int i = 0; i < 150; i++) {
        rl2.iterate(pool, 2);
      }
      List<double[]> tasks =
          MetaEval.tasks(TwoArmedBandit::new, TaskDistribution.Split.TRAIN, 200, 3);
      double[][] r = rl2.evaluate(tasks, 11, pool, 2);
      double first = 0;
      double second = 0;
      for (double[] row : r) {
        first += row[0] / r.length;
        second += row[1] / r.length;
      }
      System.out.printf("RL² bandit: episode 1 %.3f, episode 2 %.3f%n", first, second);
      assertThat(second).isGreaterThan(first + 0.3);
      assertThat(second).isGreaterThan(0.5);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void anIterationIsBitIdenticalForAnyThreadCountAndAfterARestore() {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Rl2 one = new Rl2(PointNavigation::new, small(), 9);
      for (int i = 0; i < 3; i++) {
        one.iterate(null, 1);
      }
      Rl2 three = new Rl2(PointNavigation::new, small(), 9);
      three.iterate(pool, 3);
      three.iterate(pool, 3);
      Rl2 resumed = new Rl2(PointNavigation::new, small(), 9);
      resumed.restore(three.state());
      resumed.iterate(pool, 3);
      assertThat(resumed.parameters()).containsExactly(one.parameters());
      assertThat(resumed.curve()).hasSize(3);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aTaskChangeInsideATrialTakesEffectAtItsStepAndStays() {
    // the bandit, 1-step episodes, 12 per trial, a change in every trial
    Rl2.Config c =
        new Rl2.Config(4, 12, 1, 4, new int[0], 0.0, 1, 4, 1e-3, 0.2, 0.99, 0.95, 0.5)
            .withSwitchProbability(1.0);
    Rl2 rl2 = new Rl2(TwoArmedBandit::new, c, 3);
    int flipped = 0;
    for (long seed = 1; seed <= 40; seed++) {
      double[] task = {seed % 2 == 0 ? 0.5 : -0.5};
      Rl2.Trial tr = rl2.sample(rl2.parameters().clone(), task, seed);
      assertThat(tr.switchStep()).isBetween(1, 11);
      double before = Math.signum(task[0]);
      double after = tr.switchedTo()[0] >= 0 ? 1 : -1;
      for (int t = 0; t < 12; t++) {
        double arm = t < tr.switchStep() ? before : after;
        double a = Math.max(-1, Math.min(1, tr.actions()[t]));
        assertThat(tr.rewards()[t]).isEqualTo(Math.tanh(2 * a * arm), offset(1e-12));
      }
      if (after != before) {
        flipped++;
      }
    }
    assertThat(flipped).as("changes that flip the good arm").isBetween(10, 30);
    // without the probability, no change
    Rl2 steady = new Rl2(TwoArmedBandit::new, small(), 3);
    assertThat(steady.sample(steady.parameters().clone(), new double[] {0.5}, 1).switchStep())
        .isEqualTo(-1);
  }

  @Test
  void theRobotsRecurrentBundleComputesTheLearnersPolicyAndItsTrialsFeedTheAppliedAction()
      throws Exception {
    Rl2.Config r = Rl2.Config.robot();
    Rl2.Config c =
        new Rl2.Config(
                2, 1, 100, 8, new int[0], r.initialLogStd(), 1, 1, 1e-3, 0.2, 0.99, 0.97, 0.5)
            .withSwitchProbability(1.0);
    Rl2 rl2 = new Rl2(RobotMetaRl.env(), c, 11);
    Rl2.Trial t = rl2.sample(rl2.parameters().clone(), RobotMetaRl.env().get().task(), 5);
    assertThat(t.switchStep()).as("switch probability 1: the robot changes").isBetween(1, 99);
    int o = 9;
    for (int step = 1; step < 100; step++) {
      double[] x = t.inputs()[step];
      for (int j = 0; j < 2; j++) {
        double a = t.actions()[(step - 1) * 2 + j];
        assertThat(x[o + j])
            .as("the previous action as applied")
            .isEqualTo(Math.max(-1, Math.min(1, a)));
      }
      assertThat(x[o + 2]).isEqualTo(t.rewards()[step - 1]);
      assertThat(x[o + 3]).isZero();
    }
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("rl2-bundle");
    var b =
        RlBundle.exportRecurrent(
            dir.resolve("b"),
            rl2,
            RobotMetaRl.OBS_MEAN,
            RobotMetaRl.OBS_STD,
            RobotMetaRl.RATE_HZ,
            org.adaptrobot.models.bundle.RewardSpec.standard(),
            1.0,
            java.util.Map.of(),
            11,
            java.util.Map.of());
    var arch =
        (org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture)
            b.manifest().graphs().get("policy").architecture();
    var exported = arch.build();
    double[] q = b.graph("policy").parameters().values();
    var mine = rl2.network();
    double[] h1 = new double[8];
    double[] h2 = new double[8];
    double[] y1 = new double[2];
    double[] y2 = new double[2];
    var w1 = mine.newWorkspace();
    var w2 = exported.newWorkspace();
    for (int step = 0; step < 100; step++) {
      mine.step(rl2.parameters(), t.inputs()[step], h1, h1, y1, w1);
      exported.step(q, t.inputs()[step], h2, h2, y2, w2);
      assertThat(y2[0]).isCloseTo(y1[0], offset(1e-5));
      assertThat(y2[1]).isCloseTo(y1[1], offset(1e-5));
    }
  }
}
