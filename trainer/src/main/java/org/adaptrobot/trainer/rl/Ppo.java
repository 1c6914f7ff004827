package org.adaptrobot.trainer.rl;

import java.util.SplittableRandom;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.models.optim.GradientClipping;

/**
 * Proximal policy optimisation (Schulman et al. 2017), as Stable-Baselines3 runs it: several epochs
 * of minibatch Adam steps on the clipped surrogate −min(r·Â, clip(r, 1±ε)·Â) with advantages
 * normalised per minibatch, plus the value loss (weighted) and an entropy bonus, the global
 * gradient norm clipped, and an optional early stop when the approximate KL passes 1.5 × target.
 * Learning rate and clip range may decay linearly to 0 over the run.
 */
public final class Ppo {

  /** Hyper-parameters (defaults: SB3's). */
  public record Settings(
      int epochs,
      int minibatch,
      double learningRate,
      boolean linearDecay,
      double clip,
      double valueCoefficient,
      double entropyCoefficient,
      double maxGradNorm,
      double targetKl,
      double gamma,
      double lambda) {
    public static Settings defaults() {
      return new Settings(10, 64, 3e-4, false, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.99, 0.95);
    }
  }

  /** What one update did. */
  public record Stats(
      double policyLoss,
      double valueLoss,
      double entropy,
      double approxKl,
      double clipFraction,
      int epochsRun,
      double learningRate) {}

  private final ActorCritic ac;
  private final Settings s;
  private final Adam adam;
  private final double[] params;
  private final double[] grad;
  private final GaussianPolicy.Tape ptape;
  private final Mlp.Tape vtape;
  private final double[] batchObs;
  private final double[] gradOut;
  private final double[] gradValue;
  private final int[] order;
  private final int np;

  public Ppo(ActorCritic ac, Settings s, int batchSize) {
    this.ac = ac;
    this.s = s;
    this.np = ac.policyParams.length;
    this.params = new double[np + ac.valueParams.length];
    this.grad = new double[params.length];
    this.adam = new Adam(params.length, s.learningRate(), 0.9, 0.999, 1e-5);
    int mb = Math.min(s.minibatch(), batchSize);
    this.ptape = ac.policy.newTape(mb);
    this.vtape = ac.value.newTape(mb);
    this.batchObs = new double[mb * ac.policy.inputSize()];
    this.gradOut = new double[mb * 2 * ac.policy.actionSize()];
    this.gradValue = new double[mb];
    this.order = new int[batchSize];
  }

  public Adam optimiser() {
    return adam;
  }

  /**
   * One PPO update on a batch whose advantages and returns are computed.
   *
   * @param progress fraction of the run done, for the linear schedules
   */
  public Stats update(RolloutBuffer buf, double progress, SplittableRandom shuffle) {
    double frac = s.linearDecay() ? Math.max(1e-8, 1.0 - progress) : 1.0;
    double lr = s.learningRate() * frac;
    double clip = s.clip() * frac;
    adam.learningRate(lr);
    int n = buf.size();
    int mb = Math.min(s.minibatch(), n);
    int o = buf.obsSize;
    int d = buf.actSize;
    int logStd = ac.logStdOffset();
    double sumPolicy = 0;
    double sumValue = 0;
    double sumKl = 0;
    double sumClipped = 0;
    long counted = 0;
    int epochs = 0;
    boolean stop = false;
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int epoch = 0; epoch < s.epochs() && !stop; epoch++) {
      epochs++;
      for (int i = n - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      double epochKl = 0;
      int epochCount = 0;
      for (int start = 0; start + mb <= n; start += mb) {
        // advantages of this minibatch, normalised
        double mean = 0;
        for (int b = 0; b < mb; b++) {
          mean += buf.advantages[order[start + b]];
        }
        mean /= mb;
        double var = 0;
        for (int b = 0; b < mb; b++) {
          double a = buf.advantages[order[start + b]] - mean;
          var += a * a;
        }
        double std = Math.sqrt(var / Math.max(1, mb - 1)) + 1e-8;
        for (int b = 0; b < mb; b++) {
          System.arraycopy(buf.obs, order[start + b] * o, batchObs, b * o, o);
        }
        java.util.Arrays.fill(grad, 0.0);
        double[] out = ac.policy.forward(ac.policyParams, batchObs, mb, ptape);
        double[] v = ac.value.forward(ac.valueParams, batchObs, mb, vtape);
        for (int b = 0; b < mb; b++) {
          int k = order[start + b];
          double adv = (buf.advantages[k] - mean) / std;
          double logp = 0;
          for (int j = 0; j < d; j++) {
            double mu = out[b * 2 * d + j];
            double sj = out[b * 2 * d + d + j];
            double u = (buf.actions[k * d + j] - mu) * Math.exp(-sj);
            logp += -0.5 * u * u - sj - 0.5 * Math.log(2 * Math.PI);
          }
          double logRatio = logp - buf.logProbs[k];
          double ratio = Math.exp(logRatio);
          double unclipped = ratio * adv;
          double clipped = Math.max(1 - clip, Math.min(1 + clip, ratio)) * adv;
          sumPolicy += -Math.min(unclipped, clipped);
          // the gradient flows through r only where the unclipped term is the smaller one
          double dLdLogp = unclipped <= clipped ? -adv * ratio / mb : 0.0;
          if (Math.abs(ratio - 1) > clip) {
            sumClipped++;
          }
          double kl = (ratio - 1) - logRatio;
          epochKl += kl;
          epochCount++;
          for (int j = 0; j < d; j++) {
            double mu = out[b * 2 * d + j];
            double sj = out[b * 2 * d + d + j];
            double diff = buf.actions[k * d + j] - mu;
            double inv = Math.exp(-2 * sj);
            gradOut[b * 2 * d + j] = dLdLogp * diff * inv;
            gradOut[b * 2 * d + d + j] = dLdLogp * (diff * diff * inv - 1);
          }
          double err = v[b] - buf.returns[k];
          sumValue += err * err;
          gradValue[b] = s.valueCoefficient() * 2 * err / mb;
          counted++;
        }
        ac.policy.backward(ac.policyParams, ptape, gradOut, grad, null);
        // entropy bonus: H = Σ (s_j + const) per sample, its mean's gradient is 1 per log-std
        for (int j = 0; j < d; j++) {
          grad[logStd + j] -= s.entropyCoefficient();
        }
        double[] vg = new double[ac.valueParams.length];
        ac.value.backward(ac.valueParams, vtape, gradValue, vg, null);
        System.arraycopy(vg, 0, grad, np, vg.length);
        if (s.maxGradNorm() > 0) {
          GradientClipping.clipByNorm(grad, s.maxGradNorm());
        }
        System.arraycopy(ac.policyParams, 0, params, 0, np);
        System.arraycopy(ac.valueParams, 0, params, np, ac.valueParams.length);
        adam.step(params, grad);
        System.arraycopy(params, 0, ac.policyParams, 0, np);
        System.arraycopy(params, np, ac.valueParams, 0, ac.valueParams.length);
      }
      double meanKl = epochCount == 0 ? 0 : epochKl / epochCount;
      sumKl = meanKl;
      if (!Double.isNaN(s.targetKl()) && meanKl > 1.5 * s.targetKl()) {
        stop = true;
      }
    }
    double entropy = 0;
    for (int j = 0; j < d; j++) {
      entropy += ac.policyParams[logStd + j] + 0.5 * Math.log(2 * Math.PI * Math.E);
    }
    return new Stats(
        sumPolicy / Math.max(1, counted),
        sumValue / Math.max(1, counted),
        entropy,
        sumKl,
        sumClipped / Math.max(1, counted),
        epochs,
        lr);
  }
}
