package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.SplittableRandom;
import org.adaptrobot.sim.env.Pendulum;
import org.junit.jupiter.api.Test;

/** SAC's parts against closed forms and numerics, and a short seeded pendulum run. */
class SacTest {

  /** The standard normal density. */
  static double phi(double x) {
    return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  }

  @Test
  void theSquashedLogProbabilityIsTheDensityOfTanhOfTheGaussian() {
    double mu = 0.4;
    double logStd = Math.log(0.7);
    double sigma = 0.7;
    // the density of a = tanh(u), u ~ N(mu, sigma²), as the probability of a small interval around
    // a (Simpson's rule on the Gaussian over the interval's preimage) divided by its width
    double total = 0;
    double h = 1e-4;
    for (double a : new double[] {-0.95, -0.5, 0.0, 0.3, 0.8, 0.99}) {
      double u0 = 0.5 * Math.log((1 + a - h) / (1 - a + h));
      double u1 = 0.5 * Math.log((1 + a + h) / (1 - a - h));
      double um = 0.5 * (u0 + u1);
      double mass =
          (u1 - u0)
              / 6
              * (phi((u0 - mu) / sigma) + 4 * phi((um - mu) / sigma) + phi((u1 - mu) / sigma))
              / sigma;
      double numeric = mass / (2 * h);
      double u = 0.5 * Math.log((1 + a) / (1 - a));
      double eps = (u - mu) / sigma;
      double lp =
          SoftActorCritic.squashedLogProb(
              new double[] {mu}, new double[] {logStd}, new double[] {eps}, 0, 1);
      assertThat(Math.exp(lp)).as("a = %s", a).isCloseTo(numeric, offset(1e-6 * (1 + numeric)));
    }
    // and it integrates to 1 over (−1, 1)
    int m = 200_000;
    for (int i = 0; i < m; i++) {
      double a = -1 + (i + 0.5) * 2.0 / m;
      double u = 0.5 * Math.log((1 + a) / (1 - a));
      double lp =
          SoftActorCritic.squashedLogProb(
              new double[] {mu}, new double[] {logStd}, new double[] {(u - mu) / sigma}, 0, 1);
      total += Math.exp(lp) * 2.0 / m;
    }
    assertThat(total).isCloseTo(1.0, offset(1e-3));
  }

  @Test
  void theSoftBellmanTargetOnAHandComputedCase() {
    // r + γ (min(Q1′, Q2′) − α log π) = 1 + 0.9 (2 − 0.5·(−1)) = 3.25
    assertThat(SoftActorCritic.softTarget(1, false, 0.9, 2, 3, 0.5, -1))
        .isCloseTo(3.25, offset(1e-12));
    assertThat(SoftActorCritic.softTarget(1, false, 0.9, 3, 2, 0.5, -1))
        .isCloseTo(3.25, offset(1e-12));
    // a terminal transition has no future
    assertThat(SoftActorCritic.softTarget(1, true, 0.9, 2, 3, 0.5, -1)).isEqualTo(1.0);
  }

  @Test
  void theActorsReparameterisedGradientMatchesFiniteDifferences() {
    Sac.Config c = new Sac.Config(1000, new int[] {8}, 1e-3, 1000, 6, 0.005, 0.99, 10, 0.3, 0, 0);
    Sac sac = new Sac(Pendulum::new, c, 3);
    SplittableRandom r = new SplittableRandom(5);
    double[] obs = {0.3, -0.2, 0.5};
    double[] next = {0.2, -0.1, 0.4};
    for (int i = 0; i < 20; i++) {
      obs[0] = Math.cos(i);
      obs[1] = Math.sin(i);
      sac.buffer.add(obs, new double[] {r.nextDouble() - 0.5}, -r.nextDouble(), next, false);
    }
    SoftActorCritic.Batch b = sac.agent.new Batch(6);
    sac.buffer.sample(6, r, b.s, b.a, b.r, b.s2, b.term);
    for (int k = 0; k < b.eps.length; k++) {
      b.eps[k] = 2 * r.nextDouble() - 1;
    }
    double[] theta = sac.agent.actorParams.clone();
    double[] grad = new double[theta.length];
    double[] logPi = new double[6];
    sac.agent.actorLoss(theta, b, 0.3, logPi, grad);
    double[] scratch = new double[theta.length];
    double worst =
        FiniteDifferences.assertGradient(
            theta, grad, x -> sac.agent.actorLoss(x, b, 0.3, logPi, scratch), 1e-6, 1e-4);
    assertThat(worst).isGreaterThan(1e-4);
  }

  @Test
  void theCriticsStateGradientMatchesFiniteDifferences() {
    // what trains PEARL's encoder: d(both critics' losses)/d(state), the latent being part of it
    SoftActorCritic agent = new SoftActorCritic(4, 2, new int[] {8}, 1e-3, 0.005, 0.99, 0.3, 7);
    SoftActorCritic.Batch b = agent.new Batch(5);
    SplittableRandom r = new SplittableRandom(11);
    for (int k = 0; k < b.s.length; k++) {
      b.s[k] = 2 * r.nextDouble() - 1;
    }
    for (int k = 0; k < b.a.length; k++) {
      b.a[k] = 2 * r.nextDouble() - 1;
    }
    for (int i = 0; i < b.n; i++) {
      b.y[i] = r.nextDouble() - 0.5;
    }
    double[][] before = {agent.qParams[0].clone(), agent.qParams[1].clone()};
    agent.criticStep(b, true);
    double[] grad = b.stateGrad.clone();
    double[] states = b.s.clone();
    double worst =
        FiniteDifferences.assertGradient(
            states,
            grad,
            x -> {
              System.arraycopy(x, 0, b.s, 0, x.length);
              return agent.criticLoss(before, b);
            },
            1e-7,
            1e-4);
    assertThat(worst).isGreaterThan(1e-3);
    assertThat(agent.qParams[0]).isNotEqualTo(before[0]); // and the critics took their step
  }

  @Test
  void theReplayBufferKeepsTheNewestTransitionsAndSamplesWhatItHolds() {
    ReplayBuffer buf = new ReplayBuffer(3, 1, 1);
    for (int i = 0; i < 5; i++) {
      buf.add(new double[] {i}, new double[] {10 + i}, 100 + i, new double[] {i + 1}, i == 4);
    }
    assertThat(buf.size()).isEqualTo(3);
    double[] s = new double[50];
    double[] a = new double[50];
    double[] r = new double[50];
    double[] s2 = new double[50];
    boolean[] done = new boolean[50];
    buf.sample(50, new SplittableRandom(1), s, a, r, s2, done);
    for (int i = 0; i < 50; i++) {
      assertThat(s[i]).isIn(2.0, 3.0, 4.0); // 0 and 1 were overwritten
      assertThat(a[i]).isEqualTo(10 + s[i]);
      assertThat(r[i]).isEqualTo(100 + s[i]);
      assertThat(s2[i]).isEqualTo(s[i] + 1);
      assertThat(done[i]).isEqualTo(s[i] == 4.0);
    }
  }

  @Test
  void aSeededShortRunLearnsToSwingThePendulumUp() {
    Sac sac = new Sac(Pendulum::new, Sac.Config.pendulum(3000), 1);
    double before = sac.evaluate(5, 99);
    sac.run(null);
    double after = sac.evaluate(5, 99);
    System.out.printf("SAC pendulum, 3000 steps: %.1f -> %.1f%n", before, after);
    assertThat(after).isGreaterThan(before + 300);
    assertThat(after).isGreaterThan(-600);
  }
}
