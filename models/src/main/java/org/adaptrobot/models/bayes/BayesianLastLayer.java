package org.adaptrobot.models.bayes;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.models.nn.ParameterLayout;

/**
 * A model whose last layer is Bayesian linear regression on learned features (ALPaCA, Harrison,
 * Sharma and Pavone 2018): φ(x) = [f_θ(x), 1] from a feature network, y = Kᵀφ(x) + ε with the
 * matrix-normal prior K ~ MN(K₀, Λ₀⁻¹, Σ), Σ = diag(σ²). Meta-training learns θ, K₀, Λ₀ = L₀L₀ᵀ +
 * εI and log σ² by maximising the posterior predictive likelihood of held-out (query) transitions
 * after conditioning on a support set — exactly what the robot does at run time with {@link
 * LastLayerPosterior}, so the features are learned for the closed-form adaptation they get.
 *
 * <p>For one task, with support features Φ (n × m) and targets Y, and a query (φⱼ, yⱼ):
 *
 * <pre>
 *   Λₙ = Λ₀ + ΦᵀΦ,   Q = ΦᵀY + Λ₀K₀,   Kₙ = Λₙ⁻¹Q,   rⱼ = yⱼ − Kₙᵀφⱼ,   sⱼ = 1 + φⱼᵀΛₙ⁻¹φⱼ
 *   loss = (1/q) Σⱼ ½ [ D log sⱼ + Σₖ log σₖ² + (1/sⱼ) Σₖ rⱼₖ²/σₖ² + D log 2π ]
 * </pre>
 *
 * over the D monitored outputs (outputs defined as unchanging, such as set-points, are left out).
 * The gradient is exact: through the posterior (dΛ⁻¹ = −Λ⁻¹ dΛ Λ⁻¹), the prior's factor and the
 * feature network's backward pass; {@code BayesianLastLayerTest} checks it against central finite
 * differences.
 *
 * <p>A model without a feature network uses the inputs themselves (φ = [x, 1]): Bayesian linear
 * regression, which with forgetting is recursive least squares on a linear model.
 */
public final class BayesianLastLayer {

  public static final String PRIOR_MEAN = "bll.prior_mean";
  public static final String PRIOR_PRECISION_FACTOR = "bll.prior_precision_factor";
  public static final String LOG_NOISE = "bll.log_noise";

  /** ε in Λ₀ = L₀L₀ᵀ + εI: keeps the prior precision positive definite whatever L₀ becomes. */
  public static final double PRECISION_FLOOR = 1e-4;

  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private final Mlp network;
  private final int inputs;
  private final int d;
  private final int m;
  private final int out;
  private final boolean[] monitored;
  private final int monitoredCount;
  private final ParameterLayout layout;
  private final int meanOff;
  private final int factorOff;
  private final int noiseOff;

  /**
   * @param network the feature network (its outputs are the features before the constant), or null
   *     for the inputs themselves
   * @param inputs input size
   * @param outputs output size
   * @param monitored which outputs the likelihood covers (null: all)
   */
  public BayesianLastLayer(Mlp network, int inputs, int outputs, boolean[] monitored) {
    if (network != null && network.inputSize() != inputs) {
      throw new IllegalArgumentException(
          "the feature network takes " + network.inputSize() + " inputs, not " + inputs);
    }
    this.network = network;
    this.inputs = inputs;
    this.d = network == null ? inputs : network.outputSize();
    this.m = d + 1;
    this.out = outputs;
    this.monitored = new boolean[outputs];
    int count = 0;
    for (int k = 0; k < outputs; k++) {
      this.monitored[k] = monitored == null || monitored[k];
      count += this.monitored[k] ? 1 : 0;
    }
    if (count == 0) {
      throw new IllegalArgumentException("no output is monitored");
    }
    this.monitoredCount = count;
    ParameterLayout.Builder b = ParameterLayout.builder();
    if (network != null) {
      b.addAll(network.layout());
    }
    b.add(PRIOR_MEAN, m, out);
    b.add(PRIOR_PRECISION_FACTOR, m, m);
    b.add(LOG_NOISE, out);
    this.layout = b.build();
    this.meanOff = layout.slice(PRIOR_MEAN).offset();
    this.factorOff = layout.slice(PRIOR_PRECISION_FACTOR).offset();
    this.noiseOff = layout.slice(LOG_NOISE).offset();
  }

  public ParameterLayout layout() {
    return layout;
  }

  /** Features m = feature-network outputs (or inputs) + 1. */
  public int features() {
    return m;
  }

  public int inputSize() {
    return inputs;
  }

  public int outputSize() {
    return out;
  }

  /** The feature network, or null. */
  public Mlp network() {
    return network;
  }

  public boolean monitored(int output) {
    return monitored[output];
  }

  /**
   * Initial meta-parameters: the network's own initialisation, K₀ = 0, Λ₀ = {@code precision}·I, σ²
   * = {@code noiseVariance}.
   */
  public void initialise(
      double[] theta, SplittableRandom random, double precision, double[] noiseVariance) {
    Arrays.fill(theta, 0);
    if (network != null) {
      network.initialise(theta, random);
    }
    double l = Math.sqrt(Math.max(precision - PRECISION_FLOOR, 1e-12));
    for (int i = 0; i < m; i++) {
      theta[factorOff + i * m + i] = l;
    }
    for (int k = 0; k < out; k++) {
      theta[noiseOff + k] = Math.log(noiseVariance[k]);
    }
  }

  /** K₀ (m × outputs) from the meta-parameters. */
  public double[] priorMean(double[] theta) {
    return Arrays.copyOfRange(theta, meanOff, meanOff + m * out);
  }

  /** Λ₀ = L₀L₀ᵀ + εI (m × m) from the meta-parameters (L₀: the lower triangle of its slice). */
  public double[] priorPrecision(double[] theta) {
    double[] p = new double[m * m];
    priorPrecision(theta, p);
    return p;
  }

  private void priorPrecision(double[] theta, double[] p) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j <= i; j++) {
        double s = 0;
        for (int k = 0; k <= j; k++) {
          s += theta[factorOff + i * m + k] * theta[factorOff + j * m + k];
        }
        p[i * m + j] = s;
        p[j * m + i] = s;
      }
      p[i * m + i] += PRECISION_FLOOR;
    }
  }

  /** σ² per output from the meta-parameters. */
  public double[] noiseVariance(double[] theta) {
    double[] v = new double[out];
    for (int k = 0; k < out; k++) {
      v[k] = Math.exp(theta[noiseOff + k]);
    }
    return v;
  }

  /** Buffers for support and query sets of up to the given sizes. */
  public final class Workspace {
    final int maxRows;
    final ModelTape tape;
    final double[] x;
    final double[] phi;
    final double[] dPhi;
    final double[] dFeatures;
    final double[] lambda0 = new double[m * m];
    final double[] lambdaN = new double[m * m];
    final double[] factor = new double[m * m];
    final double[] p = new double[m * m];
    final double[] q = new double[m * out];
    final double[] k = new double[m * out];
    final double[] gK = new double[m * out];
    final double[] gP = new double[m * m];
    final double[] gLambda = new double[m * m];
    final double[] gLambda0 = new double[m * m];
    final double[] gQ = new double[m * out];
    final double[] tmp = new double[m * m];
    final double[] column = new double[m];
    final double[] pPhi = new double[m];
    final double[] r = new double[out];
    final double[] g = new double[out];

    Workspace(int maxRows) {
      this.maxRows = maxRows;
      this.tape = network == null ? null : network.newTape(maxRows);
      this.x = new double[maxRows * inputs];
      this.phi = new double[maxRows * m];
      this.dPhi = new double[maxRows * m];
      this.dFeatures = new double[maxRows * d];
    }
  }

  public Workspace newWorkspace(int maxSupport, int maxQuery) {
    return new Workspace(Math.max(1, maxSupport + maxQuery));
  }

  /** φ = [f(x), 1] for a batch into {@code phi} (batch × m). */
  public void features(double[] theta, double[] x, int batch, double[] phi, ModelTape tape) {
    if (network == null) {
      for (int s = 0; s < batch; s++) {
        System.arraycopy(x, s * inputs, phi, s * m, inputs);
        phi[s * m + d] = 1;
      }
      return;
    }
    double[] f = network.forward(theta, x, batch, tape);
    for (int s = 0; s < batch; s++) {
      System.arraycopy(f, s * d, phi, s * m, d);
      phi[s * m + d] = 1;
    }
  }

  /**
   * The mean negative log predictive density (nats per query point) of the query targets after
   * conditioning on the support, and, if {@code grad} is not null, its gradient added to it.
   *
   * @param xs support inputs, n × inputs (n may be 0)
   * @param ys support targets, n × outputs
   * @param xq query inputs, q × inputs (q ≥ 1)
   * @param yq query targets, q × outputs
   */
  public double loss(
      double[] theta,
      double[] xs,
      double[] ys,
      int n,
      double[] xq,
      double[] yq,
      int q,
      double[] grad,
      Workspace w) {
    if (q < 1 || n + q > w.maxRows) {
      throw new IllegalArgumentException(
          "support " + n + " + query " + q + " exceeds the workspace (" + w.maxRows + ")");
    }
    System.arraycopy(xs, 0, w.x, 0, n * inputs);
    System.arraycopy(xq, 0, w.x, n * inputs, q * inputs);
    features(theta, w.x, n + q, w.phi, w.tape);
    double[] phi = w.phi;
    priorPrecision(theta, w.lambda0);
    // Λₙ = Λ₀ + ΦᵀΦ,   Q = ΦᵀY + Λ₀K₀
    System.arraycopy(w.lambda0, 0, w.lambdaN, 0, m * m);
    Arrays.fill(w.q, 0);
    for (int i = 0; i < m; i++) {
      for (int k = 0; k < out; k++) {
        double s = 0;
        for (int j = 0; j < m; j++) {
          s += w.lambda0[i * m + j] * theta[meanOff + j * out + k];
        }
        w.q[i * out + k] = s;
      }
    }
    for (int s = 0; s < n; s++) {
      int ps = s * m;
      for (int i = 0; i < m; i++) {
        double pi = phi[ps + i];
        for (int j = 0; j < m; j++) {
          w.lambdaN[i * m + j] += pi * phi[ps + j];
        }
        for (int k = 0; k < out; k++) {
          w.q[i * out + k] += pi * ys[s * out + k];
        }
      }
    }
    if (!DenseLinearAlgebra.cholesky(w.lambdaN, m, w.factor)) {
      return Double.NaN;
    }
    DenseLinearAlgebra.inverse(w.factor, m, w.p, w.column);
    for (int i = 0; i < m; i++) {
      for (int k = 0; k < out; k++) {
        double s = 0;
        for (int j = 0; j < m; j++) {
          s += w.p[i * m + j] * w.q[j * out + k];
        }
        w.k[i * out + k] = s;
      }
    }
    double logDetNoise = 0;
    for (int k = 0; k < out; k++) {
      if (monitored[k]) {
        logDetNoise += theta[noiseOff + k];
      }
    }
    boolean wantGrad = grad != null;
    if (wantGrad) {
      Arrays.fill(w.gK, 0);
      Arrays.fill(w.gP, 0);
      Arrays.fill(w.dPhi, 0, (n + q) * m, 0);
    }
    double total = 0;
    double inv = 1.0 / q;
    for (int j = 0; j < q; j++) {
      int pj = (n + j) * m;
      // P φ, s = 1 + φᵀPφ
      double quad = 0;
      for (int i = 0; i < m; i++) {
        double v = 0;
        for (int l = 0; l < m; l++) {
          v += w.p[i * m + l] * phi[pj + l];
        }
        w.pPhi[i] = v;
        quad += phi[pj + i] * v;
      }
      double sj = 1 + quad;
      double weighted = 0;
      for (int k = 0; k < out; k++) {
        if (!monitored[k]) {
          w.r[k] = 0;
          continue;
        }
        double pred = 0;
        for (int i = 0; i < m; i++) {
          pred += w.k[i * out + k] * phi[pj + i];
        }
        double rk = yq[j * out + k] - pred;
        w.r[k] = rk;
        weighted += rk * rk / Math.exp(theta[noiseOff + k]);
      }
      total +=
          0.5
              * (monitoredCount * Math.log(sj)
                  + logDetNoise
                  + weighted / sj
                  + monitoredCount * LOG_2PI);
      if (!wantGrad) {
        continue;
      }
      // dL/dr = r/(s σ²), dL/ds = D/(2s) − weighted/(2s²), dL/dlogσ² = ½ − r²/(2 s σ²)
      double hj = inv * (monitoredCount / (2 * sj) - weighted / (2 * sj * sj));
      for (int k = 0; k < out; k++) {
        if (!monitored[k]) {
          w.g[k] = 0;
          continue;
        }
        double s2 = Math.exp(theta[noiseOff + k]);
        w.g[k] = inv * w.r[k] / (sj * s2);
        grad[noiseOff + k] += inv * (0.5 - w.r[k] * w.r[k] / (2 * sj * s2));
      }
      // the query's own features: −Kₙ g + 2h Pφ
      for (int i = 0; i < m; i++) {
        double v = 2 * hj * w.pPhi[i];
        for (int k = 0; k < out; k++) {
          v -= w.k[i * out + k] * w.g[k];
        }
        w.dPhi[pj + i] += v;
        // G_K −= φ gᵀ ; G_P += h φφᵀ
        double pi = phi[pj + i];
        for (int k = 0; k < out; k++) {
          w.gK[i * out + k] -= pi * w.g[k];
        }
        for (int l = 0; l < m; l++) {
          w.gP[i * m + l] += hj * pi * phi[pj + l];
        }
      }
    }
    total *= inv;
    if (!wantGrad) {
      return total;
    }
    // Kₙ = P Q: G_P += G_K Qᵀ, dL/dQ = P G_K
    for (int i = 0; i < m; i++) {
      for (int l = 0; l < m; l++) {
        double s = 0;
        for (int k = 0; k < out; k++) {
          s += w.gK[i * out + k] * w.q[l * out + k];
        }
        w.gP[i * m + l] += s;
      }
      for (int k = 0; k < out; k++) {
        double s = 0;
        for (int l = 0; l < m; l++) {
          s += w.p[i * m + l] * w.gK[l * out + k];
        }
        w.gQ[i * out + k] = s;
      }
    }
    // P = Λₙ⁻¹: dL/dΛₙ = −P G_P P
    for (int i = 0; i < m; i++) {
      for (int l = 0; l < m; l++) {
        double s = 0;
        for (int k = 0; k < m; k++) {
          s += w.gP[i * m + k] * w.p[k * m + l];
        }
        w.tmp[i * m + l] = s;
      }
    }
    for (int i = 0; i < m; i++) {
      for (int l = 0; l < m; l++) {
        double s = 0;
        for (int k = 0; k < m; k++) {
          s += w.p[i * m + k] * w.tmp[k * m + l];
        }
        w.gLambda[i * m + l] = -s;
      }
    }
    // support features: Λₙ = Λ₀ + ΦᵀΦ → Φ (G + Gᵀ); Q = ΦᵀY + Λ₀K₀ → Y (dL/dQ)ᵀ
    for (int s = 0; s < n; s++) {
      int ps = s * m;
      for (int i = 0; i < m; i++) {
        double v = 0;
        for (int l = 0; l < m; l++) {
          v += phi[ps + l] * (w.gLambda[l * m + i] + w.gLambda[i * m + l]);
        }
        for (int k = 0; k < out; k++) {
          v += ys[s * out + k] * w.gQ[i * out + k];
        }
        w.dPhi[ps + i] += v;
      }
    }
    // the prior: dL/dΛ₀ = dL/dΛₙ + dL/dQ K₀ᵀ; dL/dK₀ = Λ₀ dL/dQ
    for (int i = 0; i < m; i++) {
      for (int l = 0; l < m; l++) {
        double s = w.gLambda[i * m + l];
        for (int k = 0; k < out; k++) {
          s += w.gQ[i * out + k] * theta[meanOff + l * out + k];
        }
        w.gLambda0[i * m + l] = s;
      }
      for (int k = 0; k < out; k++) {
        double s = 0;
        for (int l = 0; l < m; l++) {
          s += w.lambda0[i * m + l] * w.gQ[l * out + k];
        }
        grad[meanOff + i * out + k] += s;
      }
    }
    // Λ₀ = L₀L₀ᵀ + εI: dL/dL₀ = (G + Gᵀ) L₀, lower triangle
    for (int i = 0; i < m; i++) {
      for (int j = 0; j <= i; j++) {
        double s = 0;
        for (int k = 0; k < m; k++) {
          // L₀[k][j] is zero above the diagonal (k < j)
          if (k >= j) {
            s += (w.gLambda0[i * m + k] + w.gLambda0[k * m + i]) * theta[factorOff + k * m + j];
          }
        }
        grad[factorOff + i * m + j] += s;
      }
    }
    // the feature network, through the non-constant features
    if (network != null) {
      for (int s = 0; s < n + q; s++) {
        System.arraycopy(w.dPhi, s * m, w.dFeatures, s * d, d);
      }
      network.backward(theta, w.tape, w.dFeatures, grad, null);
    }
    return total;
  }
}
