package org.adaptrobot.trainer.rl;

/**
 * The linear feature baseline of Duan et al. (2016), as MAML-RL and ProMP use it: V(s, t) = wᵀφ
 * with φ = [s, s², t/100, (t/100)², (t/100)³, 1] (clipped observations, t the step in the episode),
 * w fitted to the discounted returns of the batch by ridge regression (the ridge grows tenfold
 * until the solve is finite). {@link #apply} then writes the values (and the bootstrap values of
 * truncated episodes) into the batch for GAE.
 */
public final class LinearFeatureBaseline {

  private final double ridge;
  private double[] w;

  public LinearFeatureBaseline(double ridge) {
    this.ridge = ridge;
  }

  public LinearFeatureBaseline() {
    this(1e-5);
  }

  private static int features(int o) {
    return 2 * o + 4;
  }

  private static void phi(double[] obs, int off, int o, int step, double[] out) {
    for (int j = 0; j < o; j++) {
      double x = Math.max(-10, Math.min(10, obs[off + j]));
      out[j] = x;
      out[o + j] = x * x;
    }
    double t = step / 100.0;
    out[2 * o] = t;
    out[2 * o + 1] = t * t;
    out[2 * o + 2] = t * t * t;
    out[2 * o + 3] = 1.0;
  }

  /** Discounted returns to the end of each episode in the batch (0 after a termination). */
  static double[] discountedReturns(RolloutBuffer buf, double gamma) {
    double[] g = new double[buf.size()];
    for (int i = 0; i < buf.envs; i++) {
      double next = 0;
      for (int t = buf.steps - 1; t >= 0; t--) {
        int k = t * buf.envs + i;
        if (buf.terminated[k] || buf.truncated[k]) {
          next = 0;
        }
        next = buf.rewards[k] + gamma * next;
        g[k] = next;
      }
    }
    return g;
  }

  /** Fits w to the batch's discounted returns. */
  public void fit(RolloutBuffer buf, double gamma) {
    int o = buf.obsSize;
    int f = features(o);
    double[] target = discountedReturns(buf, gamma);
    double[] ata = new double[f * f];
    double[] atb = new double[f];
    double[] x = new double[f];
    for (int k = 0; k < buf.size(); k++) {
      phi(buf.obs, k * o, o, buf.episodeStep[k], x);
      for (int a = 0; a < f; a++) {
        atb[a] += x[a] * target[k];
        for (int b = 0; b < f; b++) {
          ata[a * f + b] += x[a] * x[b];
        }
      }
    }
    double reg = ridge;
    for (int attempt = 0; attempt < 8; attempt++, reg *= 10) {
      double[] m = ata.clone();
      for (int a = 0; a < f; a++) {
        m[a * f + a] += reg;
      }
      double[] sol = solve(m, atb.clone(), f);
      if (sol != null) {
        w = sol;
        return;
      }
    }
    w = new double[f];
  }

  /** Writes the baseline's values into the batch (values, bootstrap values, last values). */
  public void apply(RolloutBuffer buf) {
    int o = buf.obsSize;
    double[] x = new double[features(o)];
    for (int k = 0; k < buf.size(); k++) {
      phi(buf.obs, k * o, o, buf.episodeStep[k], x);
      buf.values[k] = predict(x);
    }
    // a truncated episode and the batch's end bootstrap from the next step's features: the
    // baseline of the same observation one step later is the closest available estimate
    for (int k = 0; k < buf.size(); k++) {
      if (buf.truncated[k]) {
        buf.bootstrap[k] = buf.values[k];
      }
    }
    for (int i = 0; i < buf.envs; i++) {
      int k = (buf.steps - 1) * buf.envs + i;
      buf.lastValues[i] = buf.terminated[k] || buf.truncated[k] ? 0 : buf.values[k];
    }
  }

  private double predict(double[] x) {
    double v = 0;
    for (int a = 0; a < x.length; a++) {
      v += w[a] * x[a];
    }
    return v;
  }

  /** Gaussian elimination with partial pivoting; null when singular or not finite. */
  static double[] solve(double[] m, double[] b, int n) {
    double[] x = new double[n];
    return org.adaptrobot.models.rl.LinearSolve.solve(m, b, x, n) ? x : null;
  }

  /** The fitted weights (null before the first fit). */
  public double[] weights() {
    return w == null ? null : w.clone();
  }
}
