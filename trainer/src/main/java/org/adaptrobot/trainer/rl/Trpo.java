package org.adaptrobot.trainer.rl;

import java.util.SplittableRandom;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.optim.Adam;

/**
 * Trust-region policy optimisation (Schulman et al. 2015): the natural-gradient direction x ≈ F⁻¹g
 * by conjugate gradient on exact Fisher-vector products, the largest step along it with ½ xᵀFx·β² =
 * δ, then a backtracking line search that accepts the first step whose mean KL is within δ and
 * whose surrogate improved (none: the policy is kept). The value network is fitted separately (Adam
 * on the returns); with {@code valueEpochs} 0 it is left alone (a fitted baseline gives the values
 * instead).
 */
public final class Trpo {

  /** Hyper-parameters. */
  public record Settings(
      double maxKl,
      int cgIterations,
      double damping,
      int backtracks,
      double backtrackRatio,
      int valueEpochs,
      int valueMinibatch,
      double valueLearningRate,
      double gamma,
      double lambda) {
    public static Settings defaults() {
      return new Settings(0.01, 10, 0.1, 10, 0.8, 5, 64, 1e-3, 0.99, 0.95);
    }
  }

  /** What one step did. */
  public record Stats(
      double surrogateBefore, double surrogateAfter, double kl, int backtracks, boolean accepted) {}

  private final ActorCritic ac;
  private final Settings s;
  private final PolicyGradient pg;
  private final Adam valueAdam;

  public Trpo(ActorCritic ac, Settings s) {
    this.ac = ac;
    this.s = s;
    this.pg = new PolicyGradient(ac.policy);
    this.valueAdam = new Adam(ac.valueParams.length, s.valueLearningRate());
  }

  /** One TRPO step on a batch whose advantages and returns are computed. */
  public Stats step(RolloutBuffer buf, SplittableRandom shuffle) {
    int n = buf.size();
    int d = buf.actSize;
    double[] adv = normalised(buf.advantages, n);
    double[] theta = ac.policyParams.clone();
    double[] outOld = pg.forward(theta, buf.obs, n).clone();
    double[] logpOld = PolicyGradient.logProbs(outOld, buf.actions, n, d);
    double[] g = new double[theta.length];
    pg.weightedLogProbGradient(theta, buf.obs, buf.actions, adv, n, g);
    pg.forward(theta, buf.obs, n); // the tape at θ for the Fisher-vector products
    double[] x = conjugateGradient(theta, g, n);
    double[] fx = pg.fisherVectorProduct(theta, x, n, s.damping());
    double xFx = dot(x, fx);
    Stats result;
    if (!(xFx > 0)) {
      result = new Stats(0, 0, 0, 0, false);
    } else {
      double beta = Math.sqrt(2 * s.maxKl() / xFx);
      double expected = beta * dot(g, x);
      double frac = 1.0;
      result = null;
      for (int k = 0; k <= s.backtracks(); k++) {
        double[] candidate = theta.clone();
        for (int i = 0; i < candidate.length; i++) {
          candidate[i] += frac * beta * x[i];
        }
        double[] outNew = pg.forward(candidate, buf.obs, n);
        double kl = PolicyGradient.meanKl(outOld, outNew, n, d);
        double[] logpNew = PolicyGradient.logProbs(outNew, buf.actions, n, d);
        double surrogate = 0;
        for (int b = 0; b < n; b++) {
          surrogate += Math.exp(logpNew[b] - logpOld[b]) * adv[b];
        }
        surrogate /= n;
        if (kl <= s.maxKl() && surrogate > 0 && Double.isFinite(surrogate)) {
          System.arraycopy(candidate, 0, ac.policyParams, 0, candidate.length);
          result = new Stats(0, surrogate, kl, k, true);
          break;
        }
        frac *= s.backtrackRatio();
      }
      if (result == null) {
        result = new Stats(0, 0, 0, s.backtracks(), false);
      }
      assert expected >= 0;
    }
    fitValue(buf, shuffle);
    return result;
  }

  /** Solves F x = g with {@code cgIterations} conjugate-gradient steps from x = 0. */
  double[] conjugateGradient(double[] theta, double[] g, int n) {
    double[] x = new double[g.length];
    double[] r = g.clone();
    double[] p = g.clone();
    double rr = dot(r, r);
    for (int it = 0; it < s.cgIterations() && rr > 1e-12; it++) {
      double[] fp = pg.fisherVectorProduct(theta, p, n, s.damping());
      double alpha = rr / dot(p, fp);
      for (int i = 0; i < x.length; i++) {
        x[i] += alpha * p[i];
        r[i] -= alpha * fp[i];
      }
      double next = dot(r, r);
      double betaCg = next / rr;
      for (int i = 0; i < p.length; i++) {
        p[i] = r[i] + betaCg * p[i];
      }
      rr = next;
    }
    return x;
  }

  private void fitValue(RolloutBuffer buf, SplittableRandom shuffle) {
    if (s.valueEpochs() == 0) {
      return;
    }
    Mlp value = ac.value;
    int n = buf.size();
    int o = buf.obsSize;
    int mb = Math.min(s.valueMinibatch(), n);
    Mlp.Tape tape = value.newTape(mb);
    double[] x = new double[mb * o];
    double[] gOut = new double[mb];
    double[] grad = new double[ac.valueParams.length];
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int e = 0; e < s.valueEpochs(); e++) {
      for (int i = n - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int start = 0; start + mb <= n; start += mb) {
        for (int b = 0; b < mb; b++) {
          System.arraycopy(buf.obs, order[start + b] * o, x, b * o, o);
        }
        double[] v = value.forward(ac.valueParams, x, mb, tape);
        for (int b = 0; b < mb; b++) {
          gOut[b] = 2 * (v[b] - buf.returns[order[start + b]]) / mb;
        }
        java.util.Arrays.fill(grad, 0);
        value.backward(ac.valueParams, tape, gOut, grad, null);
        valueAdam.step(ac.valueParams, grad);
      }
    }
  }

  static double[] normalised(double[] a, int n) {
    double mean = 0;
    for (int i = 0; i < n; i++) {
      mean += a[i];
    }
    mean /= n;
    double var = 0;
    for (int i = 0; i < n; i++) {
      var += (a[i] - mean) * (a[i] - mean);
    }
    double std = Math.sqrt(var / Math.max(1, n - 1)) + 1e-8;
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = (a[i] - mean) / std;
    }
    return out;
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
