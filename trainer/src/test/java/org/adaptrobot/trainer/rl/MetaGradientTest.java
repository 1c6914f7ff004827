package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.junit.jupiter.api.Test;

/**
 * The meta-gradient through a policy-gradient step on a bandit whose expected return, its gradient
 * and Hessian are known in closed form: s uniform on {−1, 0.5, 2}, a ~ N(w·s + b, σ²), reward −(a −
 * c·s)², so J(θ) = −E[(w s + b − c s)²] − σ².
 */
class MetaGradientTest {

  static final double[] STATES = {-1, 0.5, 2};
  static final double C = 0.7;

  final GaussianPolicy policy =
      new GaussianPolicy(Mlp.of(1, new int[0], 1, Activation.TANH, Activation.IDENTITY), -0.3);
  final int w = policy.layout().slice(policy.meanNetwork().weightName(0)).offset();
  final int b = policy.layout().slice(policy.meanNetwork().biasName(0)).offset();
  final int s = policy.layout().slice(GaussianPolicy.LOG_STD).offset();

  double exactReturn(double[] p) {
    double j = 0;
    for (double x : STATES) {
      double e = p[w] * x + p[b] - C * x;
      j -= e * e / 3;
    }
    return j - Math.exp(2 * p[s]);
  }

  double[] exactGradient(double[] p) {
    double[] g = new double[3];
    for (double x : STATES) {
      double e = p[w] * x + p[b] - C * x;
      g[w] += -2 * e * x / 3;
      g[b] += -2 * e / 3;
    }
    g[s] = -2 * Math.exp(2 * p[s]);
    return g;
  }

  double[] exactHessianTimes(double[] p, double[] v) {
    double es2 = 0;
    double es = 0;
    for (double x : STATES) {
      es2 += x * x / 3;
      es += x / 3;
    }
    double[] h = new double[3];
    h[w] = -2 * es2 * v[w] - 2 * es * v[b];
    h[b] = -2 * es * v[w] - 2 * v[b];
    h[s] = -4 * Math.exp(2 * p[s]) * v[s];
    return h;
  }

  /** N samples under p with advantages against the exact state baseline. */
  record Batch(double[] obs, double[] act, double[] adv) {}

  Batch sample(double[] p, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double sigma = Math.exp(p[s]);
    double[] obs = new double[n];
    double[] act = new double[n];
    double[] adv = new double[n];
    for (int k = 0; k < n; k++) {
      obs[k] = STATES[r.nextInt(3)];
      act[k] = p[w] * obs[k] + p[b] + sigma * Sampler.gaussian(r);
      double e = p[w] * obs[k] + p[b] - C * obs[k];
      double reward = -(act[k] - C * obs[k]) * (act[k] - C * obs[k]);
      adv[k] = reward - (-e * e - sigma * sigma);
    }
    return new Batch(obs, act, adv);
  }

  double[] params() {
    double[] p = new double[3];
    p[w] = 0.2;
    p[b] = -0.4;
    p[s] = -0.3;
    return p;
  }

  @Test
  void theLvcCurvatureIsTheExactHessianOfABandit() {
    double[] p = params();
    Batch batch = sample(p, 400_000, 9);
    double[] v = {0.3, -1.1, 0.7};
    double[] hv =
        new LvcCurvature(policy)
            .hessianVectorProduct(p, batch.obs(), batch.act(), batch.adv(), batch.obs().length, v);
    double[] exact = exactHessianTimes(p, v);
    // the same estimator written out by hand for this linear policy, sample by sample:
    // Â (∇² log π v + ∇ log π (∇ log π · v)), with u = (a − μ)/σ
    int n = batch.obs().length;
    double sigma = Math.exp(p[s]);
    double[] mean = new double[3];
    double[] sq = new double[3];
    for (int k = 0; k < n; k++) {
      double x = batch.obs()[k];
      double u = (batch.act()[k] - p[w] * x - p[b]) / sigma;
      double[] grad = new double[3];
      grad[w] = u / sigma * x;
      grad[b] = u / sigma;
      grad[s] = u * u - 1;
      double[][] hess = new double[3][3];
      hess[w][w] = -x * x / (sigma * sigma);
      hess[w][b] = hess[b][w] = -x / (sigma * sigma);
      hess[b][b] = -1 / (sigma * sigma);
      hess[w][s] = hess[s][w] = -2 * u * x / sigma;
      hess[b][s] = hess[s][b] = -2 * u / sigma;
      hess[s][s] = -2 * u * u;
      double gv = grad[0] * v[0] + grad[1] * v[1] + grad[2] * v[2];
      for (int i = 0; i < 3; i++) {
        double t =
            batch.adv()[k]
                * (hess[i][0] * v[0] + hess[i][1] * v[1] + hess[i][2] * v[2] + grad[i] * gv);
        mean[i] += t / n;
        sq[i] += t * t / n;
      }
    }
    for (int i = 0; i < 3; i++) {
      // the R-operator machinery computes exactly this sum
      assertThat(hv[i]).isCloseTo(mean[i], org.assertj.core.api.Assertions.offset(1e-9));
      // and it estimates the true Hessian without bias: within 4 standard errors
      double se = Math.sqrt((sq[i] - mean[i] * mean[i]) / n);
      assertThat(Math.abs(hv[i] - exact[i]))
          .as("component %d: %.5f vs exact %.5f, standard error %.5f", i, hv[i], exact[i], se)
          .isLessThan(4 * se);
    }
  }

  @Test
  void theMetaGradientMatchesFiniteDifferencesOfTheExactPostUpdateReturn() {
    double alpha = 0.1;
    double[] p = params();
    // the estimate: one inner policy-gradient step from samples, then (I + αĤ) ∇J(θ')
    Batch inner = sample(p, 400_000, 21);
    double[] g = new double[3];
    new PolicyGradient(policy)
        .weightedLogProbGradient(p, inner.obs(), inner.act(), inner.adv(), inner.obs().length, g);
    double[] updated = p.clone();
    for (int i = 0; i < 3; i++) {
      updated[i] += alpha * g[i];
    }
    double[] outer = exactGradient(updated);
    double[] hOuter =
        new LvcCurvature(policy)
            .hessianVectorProduct(
                p, inner.obs(), inner.act(), inner.adv(), inner.obs().length, outer);
    double[] meta = new double[3];
    for (int i = 0; i < 3; i++) {
      meta[i] = outer[i] + alpha * hOuter[i];
    }
    // the truth: central differences of J(θ + α ∇J(θ)), everything exact
    double h = 1e-5;
    for (int i = 0; i < 3; i++) {
      double[] plus = p.clone();
      double[] minus = p.clone();
      plus[i] += h;
      minus[i] -= h;
      double fd = (postUpdate(plus, alpha) - postUpdate(minus, alpha)) / (2 * h);
      assertThat(meta[i])
          .as("component %d: estimate %.5f, finite differences %.5f", i, meta[i], fd)
          .isCloseTo(fd, org.assertj.core.api.Assertions.offset(0.03 * Math.abs(fd) + 0.005));
    }
    // without the term through the sampling distribution the estimate is wrong here
    double[] firstOrderOnly = outer;
    double[] plus = p.clone();
    plus[w] += h;
    double[] minus = p.clone();
    minus[w] -= h;
    double fdW = (postUpdate(plus, alpha) - postUpdate(minus, alpha)) / (2 * h);
    assertThat(Math.abs(firstOrderOnly[w] - fdW)).isGreaterThan(0.05 * Math.abs(fdW));
  }

  double postUpdate(double[] p, double alpha) {
    double[] g = exactGradient(p);
    double[] q = p.clone();
    for (int i = 0; i < 3; i++) {
      q[i] += alpha * g[i];
    }
    return exactReturn(q);
  }

  @Test
  void twoInnerStepsChainTheirCurvaturesInTheRightOrder() {
    // θ1 = θ + α ĝ(θ; D0), θ2 = θ1 + α ĝ(θ1; D1), d J(θ2)/dθ = (I + αH0)(I + αH1) ∇J(θ2)
    double alpha = 0.1;
    double[] p = params();
    Batch d0 = sample(p, 400_000, 31);
    double[] g0 = new double[3];
    new PolicyGradient(policy)
        .weightedLogProbGradient(p, d0.obs(), d0.act(), d0.adv(), d0.obs().length, g0);
    double[] p1 = p.clone();
    for (int i = 0; i < 3; i++) {
      p1[i] += alpha * g0[i];
    }
    Batch d1 = sample(p1, 400_000, 32);
    double[] g1 = new double[3];
    new PolicyGradient(policy)
        .weightedLogProbGradient(p1, d1.obs(), d1.act(), d1.adv(), d1.obs().length, g1);
    double[] p2 = p1.clone();
    for (int i = 0; i < 3; i++) {
      p2[i] += alpha * g1[i];
    }
    double[] v = exactGradient(p2);
    LvcCurvature lvc = new LvcCurvature(policy);
    double[] h1 = lvc.hessianVectorProduct(p1, d1.obs(), d1.act(), d1.adv(), d1.obs().length, v);
    for (int i = 0; i < 3; i++) {
      v[i] += alpha * h1[i];
    }
    double[] h0 = lvc.hessianVectorProduct(p, d0.obs(), d0.act(), d0.adv(), d0.obs().length, v);
    for (int i = 0; i < 3; i++) {
      v[i] += alpha * h0[i];
    }
    double h = 1e-5;
    for (int i = 0; i < 3; i++) {
      double[] plus = p.clone();
      double[] minus = p.clone();
      plus[i] += h;
      minus[i] -= h;
      double fd = (twoSteps(plus, alpha) - twoSteps(minus, alpha)) / (2 * h);
      assertThat(v[i])
          .as("component %d: estimate %.5f, finite differences %.5f", i, v[i], fd)
          .isCloseTo(fd, org.assertj.core.api.Assertions.offset(0.04 * Math.abs(fd) + 0.005));
    }
  }

  double twoSteps(double[] p, double alpha) {
    double[] q = p.clone();
    for (int s2 = 0; s2 < 2; s2++) {
      double[] g = exactGradient(q);
      for (int i = 0; i < 3; i++) {
        q[i] += alpha * g[i];
      }
    }
    return exactReturn(q);
  }

  @Test
  void withTheLogStdHeldFixedInTheInnerStepTheMetaGradientMatchesFiniteDifferences() {
    // θ' = θ + D ĝ with D = diag(α, α, 0): dJ(θ')/dθ = (I + D H)ᵀ ∇J(θ') = ∇J + H (D ∇J). (This
    // bandit's exact Hessian has no mean/log-std cross terms, so it cannot tell H D from D H; the
    // learners use the transpose as derived.)
    double alpha = 0.1;
    double[] d = new double[3];
    d[w] = alpha;
    d[b] = alpha;
    d[s] = 0;
    double[] p = params();
    Batch inner = sample(p, 400_000, 41);
    double[] g = new double[3];
    new PolicyGradient(policy)
        .weightedLogProbGradient(p, inner.obs(), inner.act(), inner.adv(), inner.obs().length, g);
    double[] updated = p.clone();
    for (int i = 0; i < 3; i++) {
      updated[i] += d[i] * g[i];
    }
    double[] outer = exactGradient(updated);
    double[] dOuter = new double[3];
    for (int i = 0; i < 3; i++) {
      dOuter[i] = d[i] * outer[i];
    }
    LvcCurvature lvc = new LvcCurvature(policy);
    double[] h =
        lvc.hessianVectorProduct(
            p, inner.obs(), inner.act(), inner.adv(), inner.obs().length, dOuter);
    double[] meta = new double[3];
    for (int i = 0; i < 3; i++) {
      meta[i] = outer[i] + h[i];
    }
    // the other order, D (H ∇J), for contrast
    double[] hOuter =
        lvc.hessianVectorProduct(
            p, inner.obs(), inner.act(), inner.adv(), inner.obs().length, outer);
    double eps = 1e-5;
    for (int i = 0; i < 3; i++) {
      double[] plus = p.clone();
      double[] minus = p.clone();
      plus[i] += eps;
      minus[i] -= eps;
      double fd = (masked(plus, d) - masked(minus, d)) / (2 * eps);
      assertThat(meta[i])
          .as("component %d: estimate %.5f, finite differences %.5f", i, meta[i], fd)
          .isCloseTo(fd, org.assertj.core.api.Assertions.offset(0.03 * Math.abs(fd) + 0.005));
    }
  }

  double masked(double[] p, double[] d) {
    double[] g = exactGradient(p);
    double[] q = p.clone();
    for (int i = 0; i < 3; i++) {
      q[i] += d[i] * g[i];
    }
    return exactReturn(q);
  }
}
