package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.sim.env.CartPole;
import org.junit.jupiter.api.Test;

/** The reinforcement-learning core against closed forms, hand computations and itself. */
class RlCoreTest {

  @Test
  void gaeMatchesAHandComputedCase() {
    RolloutBuffer b = new RolloutBuffer(4, 1, 1, 1);
    double[] r = {1, 2, 3, 4};
    double[] v = {0.5, 1, 1.5, 2};
    System.arraycopy(r, 0, b.rewards, 0, 4);
    System.arraycopy(v, 0, b.values, 0, 4);
    b.terminated[1] = true; // the first episode ends after step 1
    b.truncated[3] = true; // the second is cut by the time limit after step 3
    b.bootstrap[3] = 10; // V of its last observation
    b.lastValues[0] = 7; // not used: the batch ends with an episode end
    b.computeGae(0.9, 0.8);
    // by hand: A3 = 4 + 0.9·10 − 2 = 11; A2 = (3 + 0.9·2 − 1.5) + 0.72·11 = 11.22;
    // A1 = 2 − 1 = 1 (terminated); A0 = (1 + 0.9·1 − 0.5) + 0.72·1 = 2.12
    assertThat(b.advantages).containsExactly(new double[] {2.12, 1.0, 11.22, 11.0}, within(1e-12));
    assertThat(b.returns).containsExactly(new double[] {2.62, 2.0, 12.72, 13.0}, within(1e-12));
    // without an episode end the last step bootstraps from the next observation's value
    RolloutBuffer c = new RolloutBuffer(2, 1, 1, 1);
    c.rewards[0] = 1;
    c.rewards[1] = 1;
    c.lastValues[0] = 5;
    c.computeGae(0.5, 1.0);
    assertThat(c.advantages)
        .containsExactly(new double[] {1 + 0.5 * (1 + 0.5 * 5), 3.5}, within(1e-12));
  }

  @Test
  void thePolicyGradientEstimateMatchesTheExactGradientOfABandit() {
    // a contextual bandit: s uniform on {−1, 0.5, 2}, a ~ N(w·s + b, σ²), reward −(a − c·s)²;
    // J = −E[(w s + b − c s)²] − σ², so ∂J/∂w = −2E[(ws + b − cs)s], ∂J/∂b = −2E[ws + b − cs],
    // ∂J/∂log σ = −2σ²
    double[] states = {-1, 0.5, 2};
    double c = 0.7;
    GaussianPolicy policy =
        new GaussianPolicy(Mlp.of(1, new int[0], 1, Activation.TANH, Activation.IDENTITY), -0.3);
    double[] p = new double[policy.layout().size()];
    int wAt = policy.layout().slice(policy.meanNetwork().weightName(0)).offset();
    int bAt = policy.layout().slice(policy.meanNetwork().biasName(0)).offset();
    int sAt = policy.layout().slice(GaussianPolicy.LOG_STD).offset();
    p[wAt] = 0.2;
    p[bAt] = -0.4;
    p[sAt] = -0.3;
    double sigma = Math.exp(p[sAt]);
    double ew = 0;
    double eb = 0;
    for (double s : states) {
      double e = p[wAt] * s + p[bAt] - c * s;
      ew += -2 * e * s / 3;
      eb += -2 * e / 3;
    }
    double[] exact = new double[3];
    exact[wAt] = ew;
    exact[bAt] = eb;
    exact[sAt] = -2 * sigma * sigma;
    int n = 400_000;
    double[] obs = new double[n];
    double[] act = new double[n];
    double[] rew = new double[n];
    SplittableRandom rng = new SplittableRandom(5);
    for (int k = 0; k < n; k++) {
      obs[k] = states[rng.nextInt(3)];
      act[k] = p[wAt] * obs[k] + p[bAt] + sigma * Sampler.gaussian(rng);
      rew[k] = -(act[k] - c * obs[k]) * (act[k] - c * obs[k]);
    }
    double[] g = new double[3];
    new PolicyGradient(policy).weightedLogProbGradient(p, obs, act, rew, n, g);
    // the standard error of each component from the per-sample terms
    double[] sq = new double[3];
    for (int k = 0; k < n; k++) {
      double mu = p[wAt] * obs[k] + p[bAt];
      double u = (act[k] - mu) / sigma;
      double dmu = u / sigma;
      double[] term = new double[3];
      term[wAt] = rew[k] * dmu * obs[k];
      term[bAt] = rew[k] * dmu;
      term[sAt] = rew[k] * (u * u - 1);
      for (int i = 0; i < 3; i++) {
        sq[i] += term[i] * term[i];
      }
    }
    for (int i = 0; i < 3; i++) {
      double se = Math.sqrt((sq[i] / n - g[i] * g[i]) / n);
      assertThat(Math.abs(g[i] - exact[i]))
          .as("component %d: estimate %.5f, exact %.5f, standard error %.5f", i, g[i], exact[i], se)
          .isLessThan(4 * se);
      assertThat(se).isLessThan(0.05 * Math.abs(exact[i]) + 0.01); // tight enough to mean something
    }
  }

  @Test
  void theFisherVectorProductIsTheMeanKlsSecondDerivative() {
    GaussianPolicy policy =
        new GaussianPolicy(
            Mlp.of(3, new int[] {16}, 2, Activation.TANH, Activation.IDENTITY), -0.5);
    double[] p = new double[policy.layout().size()];
    SplittableRandom r = new SplittableRandom(3);
    policy.initialise(p, r);
    int n = 50;
    double[] obs = new double[n * 3];
    for (int i = 0; i < obs.length; i++) {
      obs[i] = 2 * r.nextDouble() - 1;
    }
    double[] v = new double[p.length];
    double[] u = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      v[i] = 2 * r.nextDouble() - 1;
      u[i] = 2 * r.nextDouble() - 1;
    }
    PolicyGradient pg = new PolicyGradient(policy);
    double[] out0 = pg.forward(p, obs, n).clone();
    pg.forward(p, obs, n);
    double[] fv = pg.fisherVectorProduct(p, v, n, 0);
    double[] fu = pg.fisherVectorProduct(p, u, n, 0);
    double eps = 1e-3;
    double[] q = p.clone();
    for (int i = 0; i < q.length; i++) {
      q[i] += eps * v[i];
    }
    double kl = PolicyGradient.meanKl(out0, pg.forward(q, obs, n), n, 2);
    double vfv = Trpo.dot(v, fv);
    assertThat(kl / (0.5 * eps * eps * vfv)).isCloseTo(1.0, within(5e-3));
    assertThat(Trpo.dot(u, fv)).isCloseTo(Trpo.dot(v, fu), within(1e-9 * Math.abs(vfv)));
  }

  private static PpoRun.Config cartPole(long steps) {
    return new PpoRun.Config(
        8,
        32,
        steps,
        new int[] {64, 64},
        Activation.TANH,
        0.0,
        false,
        new Ppo.Settings(20, 256, 1e-3, true, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.98, 0.8),
        0,
        5);
  }

  @Test
  void aTrpoStepStaysWithinItsKlBoundAndImprovesTheSurrogate() {
    ActorCritic ac = new ActorCritic(4, 1, new int[] {32}, Activation.TANH, 0.0, false, 4);
    Sampler sampler = new Sampler(CartPole::new, 8, ac.policy, null, null, 4, null, 1);
    RolloutBuffer buf = new RolloutBuffer(128, 8, 4, 1);
    Trpo.Settings settings = new Trpo.Settings(0.01, 10, 0.1, 10, 0.8, 0, 64, 1e-3, 0.99, 0.97);
    Trpo trpo = new Trpo(ac, settings);
    LinearFeatureBaseline baseline = new LinearFeatureBaseline();
    SplittableRandom shuffle = new SplittableRandom(1);
    PolicyGradient pg = new PolicyGradient(ac.policy);
    int accepted = 0;
    for (int it = 0; it < 5; it++) {
      sampler.collect(ac.policyParams, ac.valueParams, buf);
      baseline.fit(buf, settings.gamma());
      baseline.apply(buf);
      buf.computeGae(settings.gamma(), settings.lambda());
      double[] before = pg.forward(ac.policyParams, buf.obs, buf.size()).clone();
      Trpo.Stats st = trpo.step(buf, shuffle);
      double kl =
          PolicyGradient.meanKl(
              before, pg.forward(ac.policyParams, buf.obs, buf.size()), buf.size(), 1);
      assertThat(kl).isLessThanOrEqualTo(settings.maxKl());
      if (st.accepted()) {
        accepted++;
        assertThat(st.surrogateAfter()).isPositive();
        assertThat(kl).isCloseTo(st.kl(), within(1e-12)).isPositive();
      } else {
        assertThat(kl).isZero();
      }
    }
    assertThat(accepted).isGreaterThanOrEqualTo(4);
  }

  @Test
  void samplingAndPpoAreBitIdenticalForAnyThreadCount() {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      PpoRun one = new PpoRun(CartPole::new, cartPole(2048), 11);
      one.run(null, 1, null);
      PpoRun three = new PpoRun(CartPole::new, cartPole(2048), 11);
      three.run(pool, 3, null);
      assertThat(three.model().policyParams).containsExactly(one.model().policyParams);
      assertThat(three.model().valueParams).containsExactly(one.model().valueParams);
      assertThat(three.curve().get(7).trainReturn()).isEqualTo(one.curve().get(7).trainReturn());
      PpoRun other = new PpoRun(CartPole::new, cartPole(2048), 12);
      other.run(null, 1, null);
      assertThat(other.model().policyParams).isNotEqualTo(one.model().policyParams);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void ppoLearnsTheCartPoleInTwentyThousandSteps() {
    PpoRun run =
        new PpoRun(
            CartPole::new,
            new PpoRun.Config(
                8,
                32,
                20_480,
                new int[] {64, 64},
                Activation.TANH,
                0.0,
                false,
                cartPole(0).ppo(),
                1000,
                5),
            1);
    var curve = run.run(null, 1, null);
    double first = curve.get(0).trainReturn();
    double eval = curve.get(curve.size() - 1).evalReturn();
    System.out.printf(
        "PPO cart-pole: first batch's episodes %.1f, after 20k steps %.1f%n", first, eval);
    // the schedules decay over these 20k steps; the 100k-step anchor (500) is RlFigures' to show
    assertThat(eval).isGreaterThanOrEqualTo(250);
    assertThat(first).isLessThan(100);
  }

  @Test
  void theLinearBaselineRecoversReturnsThatAreLinearInItsFeatures() {
    RolloutBuffer b = new RolloutBuffer(1, 200, 2, 1);
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < 200; i++) {
      double x = 2 * r.nextDouble() - 1;
      double y = 2 * r.nextDouble() - 1;
      b.obs[2 * i] = x;
      b.obs[2 * i + 1] = y;
      b.episodeStep[i] = r.nextInt(100);
      b.rewards[i] = 3 * x - y * y + 0.5 * b.episodeStep[i] / 100.0 + 2;
      b.terminated[i] = true; // one-step episodes: the return is the reward
    }
    LinearFeatureBaseline baseline = new LinearFeatureBaseline();
    baseline.fit(b, 0.99);
    baseline.apply(b);
    for (int i = 0; i < 200; i++) {
      assertThat(b.values[i]).isCloseTo(b.rewards[i], within(1e-4));
    }
  }
}
