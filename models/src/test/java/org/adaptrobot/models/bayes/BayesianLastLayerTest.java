package org.adaptrobot.models.bayes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.junit.jupiter.api.Test;

/**
 * The closed forms behind Bayesian last-layer adaptation: the posterior kept one transition at a
 * time equals batch Bayesian linear regression, forgetting equals the weighted batch solution, and
 * the meta-training gradient of the predictive likelihood equals central finite differences.
 */
class BayesianLastLayerTest {

  static double[] random(SplittableRandom r, int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = scale * r.nextGaussian();
    }
    return v;
  }

  /** Λ₀ = AAᵀ + I for a random A: symmetric positive definite. */
  static double[] spd(SplittableRandom r, int m) {
    double[] a = random(r, m * m, 0.7);
    double[] p = new double[m * m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        double s = i == j ? 1 : 0;
        for (int k = 0; k < m; k++) {
          s += a[i * m + k] * a[j * m + k];
        }
        p[i * m + j] = s;
      }
    }
    return p;
  }

  /** Solves A x = b by Gaussian elimination with partial pivoting (an independent reference). */
  static double[] gauss(double[] a, int n, double[] b, int c) {
    double[] m = a.clone();
    double[] x = b.clone();
    for (int col = 0; col < n; col++) {
      int piv = col;
      for (int i = col + 1; i < n; i++) {
        if (Math.abs(m[i * n + col]) > Math.abs(m[piv * n + col])) {
          piv = i;
        }
      }
      for (int j = 0; j < n; j++) {
        double t = m[col * n + j];
        m[col * n + j] = m[piv * n + j];
        m[piv * n + j] = t;
      }
      for (int j = 0; j < c; j++) {
        double t = x[col * c + j];
        x[col * c + j] = x[piv * c + j];
        x[piv * c + j] = t;
      }
      for (int i = 0; i < n; i++) {
        if (i == col) {
          continue;
        }
        double f = m[i * n + col] / m[col * n + col];
        for (int j = 0; j < n; j++) {
          m[i * n + j] -= f * m[col * n + j];
        }
        for (int j = 0; j < c; j++) {
          x[i * c + j] -= f * x[col * c + j];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < c; j++) {
        x[i * c + j] /= m[i * n + i];
      }
    }
    return x;
  }

  /** Kₙ = (Λ₀ + Σ wᵢφᵢφᵢᵀ)⁻¹ (Λ₀K₀ + Σ wᵢφᵢyᵢᵀ), straight from the definition. */
  static double[] batchMean(
      double[] lambda0, double[] k0, double[] phi, double[] y, double[] weight, int m, int out) {
    double[] lambda = lambda0.clone();
    double[] q = new double[m * out];
    for (int i = 0; i < m; i++) {
      for (int k = 0; k < out; k++) {
        for (int j = 0; j < m; j++) {
          q[i * out + k] += lambda0[i * m + j] * k0[j * out + k];
        }
      }
    }
    for (int s = 0; s < weight.length; s++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
          lambda[i * m + j] += weight[s] * phi[s * m + i] * phi[s * m + j];
        }
        for (int k = 0; k < out; k++) {
          q[i * out + k] += weight[s] * phi[s * m + i] * y[s * out + k];
        }
      }
    }
    return gauss(lambda, m, q, out);
  }

  @Test
  void oneTransitionAtATimeEqualsBatchBayesianLinearRegression() {
    SplittableRandom r = new SplittableRandom(1);
    int m = 6;
    int out = 3;
    int n = 40;
    double[] k0 = random(r, m * out, 1);
    double[] lambda0 = spd(r, m);
    double[] phi = random(r, n * m, 1);
    double[] y = random(r, n * out, 1);
    LastLayerPosterior p = new LastLayerPosterior(k0, lambda0, new double[] {0.1, 0.2, 0.3});
    assertThat(p.mean()).containsExactly(k0, within(1e-12));
    for (int s = 0; s < n; s++) {
      p.update(phi, s * m, y, s * out, 1.0);
    }
    double[] w = new double[n];
    java.util.Arrays.fill(w, 1.0);
    double[] want = batchMean(lambda0, k0, phi, y, w, m, out);
    assertThat(p.mean()).containsExactly(want, within(1e-9));
    // the predictive variance factor s = 1 + φᵀΛₙ⁻¹φ
    double[] pred = new double[out];
    double s = p.predict(phi, 0, pred, 0);
    double[] lambdaInvPhi = gauss(p.precision(), m, java.util.Arrays.copyOf(phi, m), 1);
    double quad = 0;
    for (int i = 0; i < m; i++) {
      quad += phi[i] * lambdaInvPhi[i];
    }
    assertThat(s).isCloseTo(1 + quad, within(1e-9));
  }

  @Test
  void forgettingTowardThePriorEqualsTheWeightedBatchSolution() {
    SplittableRandom r = new SplittableRandom(2);
    int m = 5;
    int out = 2;
    int n = 60;
    double lambda = 0.93;
    double[] k0 = random(r, m * out, 1);
    double[] lambda0 = spd(r, m);
    double[] phi = random(r, n * m, 1);
    double[] y = random(r, n * out, 1);
    LastLayerPosterior p = new LastLayerPosterior(k0, lambda0, new double[] {0.5, 0.5});
    for (int s = 0; s < n; s++) {
      p.update(phi, s * m, y, s * out, lambda);
    }
    double[] w = new double[n];
    for (int s = 0; s < n; s++) {
      w[s] = Math.pow(lambda, n - 1 - s); // the newest transition has weight 1
    }
    assertThat(p.mean()).containsExactly(batchMean(lambda0, k0, phi, y, w, m, out), within(1e-9));
    // keeping a fraction of the data's information scales every weight by it
    p.shrinkTowardPrior(0.25);
    for (int s = 0; s < n; s++) {
      w[s] *= 0.25;
    }
    assertThat(p.mean()).containsExactly(batchMean(lambda0, k0, phi, y, w, m, out), within(1e-9));
    p.reset();
    assertThat(p.mean()).containsExactly(k0, within(1e-12));
  }

  @Test
  void anUpdateAllocatesNothing() {
    SplittableRandom r = new SplittableRandom(3);
    int m = 33;
    int out = 9;
    LastLayerPosterior p =
        new LastLayerPosterior(
            random(r, m * out, 1), spd(r, m), new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1});
    double[] phi = random(r, m, 1);
    double[] y = random(r, out, 1);
    double[] pred = new double[out];
    var threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    for (int i = 0; i < 20_000; i++) {
      p.update(phi, 0, y, 0, 0.99);
      p.predict(phi, 0, pred, 0);
    }
    long id = Thread.currentThread().threadId();
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 5_000; i++) {
      p.update(phi, 0, y, 0, 0.99);
      p.predict(phi, 0, pred, 0);
    }
    assertThat((threads.getThreadAllocatedBytes(id) - before) / 5_000.0).isLessThan(1.0);
  }

  @Test
  void theMetaTrainingGradientMatchesCentralFiniteDifferences() {
    for (boolean withNetwork : new boolean[] {true, false}) {
      SplittableRandom r = new SplittableRandom(withNetwork ? 4 : 5);
      int in = 3;
      int out = 3;
      Mlp net =
          withNetwork
              ? new Mlp(new int[] {in, 5, 4}, new Activation[] {Activation.TANH, Activation.TANH})
              : null;
      BayesianLastLayer model =
          new BayesianLastLayer(net, in, out, new boolean[] {true, false, true});
      double[] theta = new double[model.layout().size()];
      model.initialise(theta, r, 2.0, new double[] {0.3, 0.3, 0.5});
      // move away from the symmetric start: every parameter matters
      for (int i = 0; i < theta.length; i++) {
        theta[i] += 0.2 * r.nextGaussian();
      }
      int n = 6;
      int q = 4;
      double[] xs = random(r, n * in, 1);
      double[] ys = random(r, n * out, 1);
      double[] xq = random(r, q * in, 1);
      double[] yq = random(r, q * out, 1);
      BayesianLastLayer.Workspace w = model.newWorkspace(n, q);
      double[] grad = new double[theta.length];
      double value = model.loss(theta, xs, ys, n, xq, yq, q, grad, w);
      assertThat(value).isFinite();
      double h = 1e-6;
      for (int i = 0; i < theta.length; i++) {
        double keep = theta[i];
        theta[i] = keep + h;
        double up = model.loss(theta, xs, ys, n, xq, yq, q, null, w);
        theta[i] = keep - h;
        double down = model.loss(theta, xs, ys, n, xq, yq, q, null, w);
        theta[i] = keep;
        double numeric = (up - down) / (2 * h);
        assertThat(grad[i])
            .as("%s parameter %d (%s)", withNetwork ? "network" : "linear", i, name(model, i))
            .isCloseTo(numeric, within(1e-6 * Math.max(1, Math.abs(numeric))));
      }
      // and with an empty support: the prior alone
      double[] g0 = new double[theta.length];
      double v0 = model.loss(theta, xs, ys, 0, xq, yq, q, g0, w);
      assertThat(v0).isFinite();
    }
  }

  static String name(BayesianLastLayer model, int i) {
    for (var s : model.layout().slices()) {
      if (i >= s.offset() && i < s.end()) {
        return s.name();
      }
    }
    return "?";
  }

  @Test
  void conditioningOnTheTasksOwnDataBeatsThePrior() {
    // a linear task y = Aᵀx: the posterior after 30 transitions predicts it far better than K₀
    SplittableRandom r = new SplittableRandom(6);
    BayesianLastLayer model = new BayesianLastLayer(null, 2, 1, null);
    double[] theta = new double[model.layout().size()];
    model.initialise(theta, r, 1.0, new double[] {0.01});
    int n = 30;
    double[] xs = random(r, n * 2, 1);
    double[] ys = new double[n];
    double[] xq = random(r, 10 * 2, 1);
    double[] yq = new double[10];
    for (int s = 0; s < n; s++) {
      ys[s] = 2 * xs[2 * s] - xs[2 * s + 1] + 0.5 + 0.1 * r.nextGaussian();
    }
    for (int s = 0; s < 10; s++) {
      yq[s] = 2 * xq[2 * s] - xq[2 * s + 1] + 0.5 + 0.1 * r.nextGaussian();
    }
    BayesianLastLayer.Workspace w = model.newWorkspace(n, 10);
    double prior = model.loss(theta, xs, ys, 0, xq, yq, 10, null, w);
    double posterior = model.loss(theta, xs, ys, n, xq, yq, 10, null, w);
    assertThat(posterior).isLessThan(prior - 10);
  }
}
