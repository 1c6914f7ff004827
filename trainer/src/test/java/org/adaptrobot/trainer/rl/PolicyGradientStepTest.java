package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.rl.PolicyGradientStep;
import org.adaptrobot.sim.env.DiffDriveEnv;
import org.adaptrobot.sim.env.PointNavigation;
import org.junit.jupiter.api.Test;

/** The robot's inner step (models) is the trainer's (TaskBatch) on the same rollouts. */
class PolicyGradientStepTest {

  @Test
  void theRobotsInnerStepIsTheTrainersOnTheSameRollouts() {
    check(
        TaskEnvs.fixed(PointNavigation::new, new double[] {0.3, -0.2}), 2, new int[] {16, 16}, 20);
    check(RobotMetaRl.taskEnv(DiffDriveEnv.distribution().nominal()), 9, new int[] {16}, 50);
  }

  private static void check(
      java.util.function.Supplier<org.adaptrobot.sim.env.Env> env,
      int obsSize,
      int[] hidden,
      int horizon) {
    int[] sizes = new int[hidden.length + 2];
    sizes[0] = obsSize;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = 2;
    Activation[] acts = new Activation[sizes.length - 1];
    Arrays.fill(acts, Activation.TANH);
    acts[acts.length - 1] = Activation.IDENTITY;
    GaussianPolicy policy = new GaussianPolicy(new Mlp(sizes, acts), -0.5);
    double[] theta = new double[policy.layout().size()];
    policy.initialise(theta, new java.util.SplittableRandom(5));
    int rollouts = 6;
    TaskBatch batch = TaskBatch.sample(env, policy, theta, rollouts, horizon, 0.99, 1.0, 77);
    double[] expected = batch.adapt(policy, theta, 0.1);

    // the same rollouts again, with their rewards (TaskBatch keeps only advantages)
    Sampler sampler = new Sampler(env, rollouts, policy, null, null, 77, null, 1);
    RolloutBuffer buf = new RolloutBuffer(horizon, rollouts, obsSize, 2);
    sampler.collect(theta, null, buf);
    assertThat(buf.actions).containsExactly(batch.actions());

    PolicyGradientStep step = new PolicyGradientStep(policy, horizon, rollouts);
    double[] alpha = new double[theta.length];
    Arrays.fill(alpha, 0.1);
    double[] grad = new double[theta.length];
    double[] next = new double[theta.length];
    double meanReturn = step.step(theta, buf.obs, buf.actions, buf.rewards, alpha, grad, next);
    assertThat(meanReturn).isCloseTo(batch.meanReturn(), within(1e-9));
    for (int k = 0; k < step.size(); k++) {
      assertThat(step.advantages()[k]).isCloseTo(batch.advantages()[k], within(1e-9));
    }
    for (int i = 0; i < theta.length; i++) {
      assertThat(next[i]).isCloseTo(expected[i], within(1e-9)); // the solves sum in another order
    }
    assertThat(Arrays.equals(next, theta)).isFalse();
  }
}
