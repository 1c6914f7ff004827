package org.adaptrobot.trainer.rl;

import java.util.SplittableRandom;
import org.adaptrobot.models.bayes.GaussianPosterior;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.ModelTape;

/**
 * PEARL's inference network (Rakelly et al. 2019): an MLP maps each transition (s, a, r, s′) of a
 * task's context to a diagonal Gaussian factor N(μ_k, v_k) (v_k = softplus of its second half, at
 * least {@link org.adaptrobot.models.bayes.GaussianPosterior#MIN_VARIANCE}); the posterior over the
 * latent task variable z is their product — precision P = Σ 1/v_k, mean μ = (Σ μ_k/v_k)/P — which
 * does not depend on the transitions' order. {@link #sample} draws z = μ + P^{-½}ε and its KL to
 * the unit prior; {@link #backward} takes dL/dz and dL/dKL back to the network's parameters through
 * the product (the reparameterisation that lets the critic's loss train the encoder).
 */
public final class PearlEncoder {

  private final int transitionSize;
  private final int z;
  private final Mlp net;
  private final double[] params;
  private final ModelTape rowTape;

  /** The forward pass of one context, kept for {@link #backward}. */
  public static final class Pass {
    final int n;
    final ModelTape tape;
    final double[] out;
    final double[] mu;
    final double[] var;
    final double[] postMean;
    final double[] postVar;
    final double[] eps;
    final double[] zSample;
    double kl;

    Pass(int n, int z, ModelTape tape) {
      this.n = n;
      this.tape = tape;
      out = new double[n * 2 * z];
      mu = new double[n * z];
      var = new double[n * z];
      postMean = new double[z];
      postVar = new double[z];
      eps = new double[z];
      zSample = new double[z];
    }

    /** The sampled latent. */
    public double[] z() {
      return zSample;
    }

    /** The posterior's mean. */
    public double[] mean() {
      return postMean;
    }

    /** The posterior's variance. */
    public double[] variance() {
      return postVar;
    }

    /** KL(posterior ‖ N(0, I)). */
    public double kl() {
      return kl;
    }
  }

  public PearlEncoder(int transitionSize, int latentSize, int[] hidden, long seed) {
    this.transitionSize = transitionSize;
    this.z = latentSize;
    this.net = Mlp.of(transitionSize, hidden, 2 * latentSize, Activation.RELU, Activation.IDENTITY);
    this.params = new double[net.layout().size()];
    net.initialise(params, new SplittableRandom(seed));
    this.rowTape = net.newTape(1);
  }

  /** The network (one transition in, [μ, raw variance] out). */
  public Mlp network() {
    return net;
  }

  /**
   * One transition's factor at θ: writes its mean and variance (the latent size each) — what the
   * robot multiplies into its posterior per transition.
   */
  public void factor(double[] theta, double[] transition, double[] mean, double[] variance) {
    double[] out = net.forward(theta, transition, 1, rowTape);
    for (int j = 0; j < z; j++) {
      mean[j] = out[j];
      variance[j] = GaussianPosterior.factorVariance(out[z + j]);
    }
  }

  public int latentSize() {
    return z;
  }

  /** The network's parameters (a live view). */
  public double[] parameters() {
    return params;
  }

  /**
   * Encodes n transitions (rows of {@code context}, each (s, a, r, s′)) at parameters θ and draws z
   * with the given standard-normal noise (null: the posterior mean).
   */
  public Pass sample(double[] theta, double[] context, int n, double[] noise) {
    Pass p = new Pass(n, z, net.newTape(n));
    double[] out = net.forward(theta, context, n, p.tape);
    System.arraycopy(out, 0, p.out, 0, n * 2 * z);
    for (int j = 0; j < z; j++) {
      double prec = 0;
      double weighted = 0;
      for (int k = 0; k < n; k++) {
        double m = out[k * 2 * z + j];
        double v = GaussianPosterior.factorVariance(out[k * 2 * z + z + j]);
        p.mu[k * z + j] = m;
        p.var[k * z + j] = v;
        prec += 1 / v;
        weighted += m / v;
      }
      p.postVar[j] = 1 / prec;
      p.postMean[j] = weighted / prec;
      p.eps[j] = noise == null ? 0 : noise[j];
      p.zSample[j] = p.postMean[j] + Math.sqrt(p.postVar[j]) * p.eps[j];
    }
    p.kl = org.adaptrobot.models.bayes.GaussianPosterior.klToUnitPrior(p.postMean, p.postVar);
    return p;
  }

  /**
   * Adds to {@code grad} the gradient of L(z, KL) with respect to θ, given dL/dz and dL/dKL, for
   * the pass at θ.
   */
  public void backward(double[] theta, Pass p, double[] dLdz, double dLdKl, double[] grad) {
    int n = p.n;
    double[] gradOut = new double[n * 2 * z];
    for (int j = 0; j < z; j++) {
      double prec = 1 / p.postVar[j];
      double sigma = Math.sqrt(p.postVar[j]);
      // through z = μ + σε and KL = ½(σ² + μ² − 1 − ln σ²)
      double dMu = dLdz[j] + dLdKl * p.postMean[j];
      double dSigma = dLdz[j] * p.eps[j] + dLdKl * (sigma - 1 / sigma);
      for (int k = 0; k < n; k++) {
        double mk = p.mu[k * z + j];
        double vk = p.var[k * z + j];
        // μ = W/P, σ = P^(−½): ∂μ/∂μ_k = 1/(v_k P), ∂μ/∂v_k = (μ − μ_k)/(v_k² P), ∂σ/∂v_k =
        // ½P^(−3/2)/v_k²
        double dMuk = dMu / (vk * prec);
        double dVk =
            dMu * (p.postMean[j] - mk) / (vk * vk * prec)
                + dSigma * 0.5 * Math.pow(prec, -1.5) / (vk * vk);
        double raw = p.out[k * 2 * z + z + j];
        double sigmoid = 1 / (1 + Math.exp(-raw));
        boolean floored =
            (raw > 30 ? raw : Math.log1p(Math.exp(raw)))
                < org.adaptrobot.models.bayes.GaussianPosterior.MIN_VARIANCE;
        gradOut[k * 2 * z + j] = dMuk;
        gradOut[k * 2 * z + z + j] = floored ? 0 : dVk * sigmoid;
      }
    }
    net.backward(theta, p.tape, gradOut, grad, null); // the pass's own tape holds its forward
  }

  public int transitionSize() {
    return transitionSize;
  }
}
