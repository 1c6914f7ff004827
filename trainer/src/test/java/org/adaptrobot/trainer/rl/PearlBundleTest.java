package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.adaptrobot.models.bayes.GaussianPosterior;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.ControllerFactory;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.PointNavigation;
import org.adaptrobot.sim.env.TaskDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEARL on the robot exported as a latent bundle with the factors encoding: the runtime's
 * controller, built from the bundle alone, must act as the trainer's networks do — each step's
 * transition (previous and current observation) through the trainer's encoder into the posterior
 * over the last {@code window} factors, the policy tanh(μ) of the trainer's actor on [observation,
 * posterior mean].
 */
class PearlBundleTest {

  @TempDir Path dir;

  /** The robot's settings, small: 16 robots, one drive each, 60 gradient steps. */
  static Pearl.Config small() {
    Pearl.Config c = Pearl.Config.robot();
    return new Pearl.Config(
        16,
        c.latentSize(),
        new int[] {32, 32},
        new int[] {32, 32},
        c.learningRate(),
        16,
        32,
        32,
        c.klWeight(),
        1,
        2,
        1,
        1,
        60,
        c.tau(),
        c.gamma(),
        c.rewardScale(),
        5_000,
        0,
        true);
  }

  @Test
  void theExportedBundleActsAsTheTrainersNetworksOverADrive() throws Exception {
    Pearl pearl = new Pearl(RobotMetaRl.env(), small(), 3);
    List<double[]> tasks =
        MetaEval.tasks(RobotMetaRl.env(), TaskDistribution.Split.TRAIN, 2, 424242);
    pearl.train(1, 0, tasks, null);
    int window = 25;
    Bundle b =
        RlBundle.exportPearl(
            dir.resolve("pearl"),
            pearl,
            window,
            RobotMetaRl.RATE_HZ,
            RewardSpec.standard(),
            1.0,
            Map.of(),
            3,
            Map.of());
    Manifest m = b.manifest();
    Manifest.LatentSpec l = m.adaptation().latent();
    assertThat(l.factors()).isTrue();
    assertThat(l.window()).isEqualTo(window);
    assertThat(l.updateEvery()).isEqualTo(1);
    assertThat(m.observation().mean()).containsExactly(RobotMetaRl.OBS_MEAN);
    assertThat(m.observation().std()).containsExactly(RobotMetaRl.OBS_STD);
    int o = m.observation().size();
    int z = l.size();
    Env env = TaskEnvs.fixed(RobotMetaRl.env(), tasks.get(1)).get();
    double[] obs = new double[o];
    double[] previous = new double[o];
    double[] state = new double[o + z];
    double[] transition = new double[2 * o];
    double[] mean = new double[z];
    double[] var = new double[z];
    double[] expected = new double[2];
    double[] actual = new double[2];
    GaussianPosterior posterior = new GaussianPosterior(z, window);
    Env.Status st = new Env.Status();
    double worst = 0;
    double moved = 0;
    try (PolicyController c = ControllerFactory.policyController(b, RuntimeConfig.Executor.JAVA)) {
      env.reset(5L, obs);
      for (int t = 0; t < 300; t++) {
        if (t > 0) {
          System.arraycopy(previous, 0, transition, 0, o);
          System.arraycopy(obs, 0, transition, o, o);
          pearl.encoder.factor(pearl.encoderParameters(), transition, mean, var);
          posterior.add(mean, var, 0);
        }
        posterior.posterior(mean, var);
        System.arraycopy(obs, 0, state, 0, o);
        System.arraycopy(mean, 0, state, o, z);
        pearl.agent.mean(state, expected);
        c.compute(obs, actual);
        worst =
            Math.max(
                worst,
                Math.max(Math.abs(actual[0] - expected[0]), Math.abs(actual[1] - expected[1])));
        moved = Math.max(moved, Math.abs(mean[0]));
        System.arraycopy(obs, 0, previous, 0, o);
        env.step(actual, obs, st);
      }
    }
    System.out.printf("PEARL bundle vs trainer over 300 steps: max |Δa| %.2e%n", worst);
    assertThat(moved).as("the posterior moved off the prior").isPositive();
    assertThat(worst).as("float32 weights").isLessThan(1e-4);
  }

  @Test
  void aPearlWhoseEncoderReadsRewardsIsNotExportedToTheRobot() {
    Pearl nav = new Pearl(PointNavigation::new, Pearl.Config.pointNav().tuned(16, 0.1, 0), 1);
    assertThatThrownBy(
            () ->
                RlBundle.exportPearl(
                    dir.resolve("nav"),
                    nav,
                    25,
                    50,
                    RewardSpec.standard(),
                    1.0,
                    Map.of(),
                    1,
                    Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("velocity-tracking observation");
  }
}
