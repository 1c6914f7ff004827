package org.adaptrobot.trainer.rl;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.models.optim.Adam;

/**
 * The networks and the gradient step of soft actor-critic (Haarnoja et al. 2018, with the automatic
 * temperature of the second paper), apart from where transitions come from: twin Q-networks with
 * Polyak-averaged target copies, a tanh-squashed Gaussian actor (the log-probability corrected for
 * the squashing), the entropy temperature α learned towards a target entropy of −dim(A). Actions
 * are the squashed ones, in [−1, 1]. {@link Sac} feeds it from one environment's replay buffer;
 * {@link Pearl} from per-task buffers, with the sampled latent appended to the states and the
 * critics' gradient with respect to the states kept for the encoder.
 */
final class SoftActorCritic {

  static final double LOG_STD_MIN = -20;
  static final double LOG_STD_MAX = 2;

  final int o;
  final int d;
  private final double tau;
  private final double gamma;
  final Mlp actor;
  final Mlp q;
  final double[] actorParams;
  final double[][] qParams = new double[2][];
  final double[][] qTarget = new double[2][];
  double logAlpha;
  private final double targetEntropy;
  private final Adam actorAdam;
  private final Adam[] qAdam = new Adam[2];
  private final Adam alphaAdam;
  private final ModelTape rowTape;

  /**
   * @param o the state size the networks see
   * @param d the action size
   */
  SoftActorCritic(
      int o,
      int d,
      int[] hidden,
      double learningRate,
      double tau,
      double gamma,
      double initialAlpha,
      long seed) {
    this.o = o;
    this.d = d;
    this.tau = tau;
    this.gamma = gamma;
    SplittableRandom init = new SplittableRandom(seed);
    this.actor = Mlp.of(o, hidden, 2 * d, Activation.RELU, Activation.IDENTITY);
    this.q = Mlp.of(o + d, hidden, 1, Activation.RELU, Activation.IDENTITY);
    this.actorParams = new double[actor.layout().size()];
    actor.initialise(actorParams, init);
    for (int i = 0; i < 2; i++) {
      qParams[i] = new double[q.layout().size()];
      q.initialise(qParams[i], init);
      qTarget[i] = qParams[i].clone();
      qAdam[i] = new Adam(qParams[i].length, learningRate);
    }
    this.logAlpha = Math.log(initialAlpha);
    this.targetEntropy = -d;
    this.actorAdam = new Adam(actorParams.length, learningRate);
    this.alphaAdam = new Adam(1, learningRate);
    this.rowTape = actor.newTape(1);
  }

  double alpha() {
    return Math.exp(logAlpha);
  }

  /**
   * log π(a|s) of the tanh-squashed Gaussian at u = μ + σε, a = tanh(u): the Gaussian's log density
   * of u minus Σ log(1 − tanh²u), the latter as 2(log 2 − u − softplus(−2u)) (exact and stable).
   */
  static double squashedLogProb(double[] mu, double[] logStd, double[] eps, int off, int n) {
    double lp = 0;
    for (int j = 0; j < n; j++) {
      double e = eps[off + j];
      double u = mu[off + j] + Math.exp(logStd[off + j]) * e;
      lp += -0.5 * e * e - logStd[off + j] - 0.5 * Math.log(2 * Math.PI);
      lp -= 2 * (Math.log(2) - u - softplus(-2 * u));
    }
    return lp;
  }

  static double softplus(double x) {
    return x > 30 ? x : Math.log1p(Math.exp(x));
  }

  /** The soft Bellman target: r + γ(1 − terminated)(min(Q1′, Q2′) − α log π(a′|s′)). */
  static double softTarget(
      double r,
      boolean terminated,
      double gamma,
      double q1,
      double q2,
      double alpha,
      double logPi) {
    return r + (terminated ? 0 : gamma * (Math.min(q1, q2) - alpha * logPi));
  }

  static double clampLogStd(double x) {
    return Math.max(LOG_STD_MIN, Math.min(LOG_STD_MAX, x));
  }

  /** A sampled squashed action in [−1, 1] for one state. */
  void act(double[] state, SplittableRandom random, double[] a) {
    double[] out = actor.forward(actorParams, state, 1, rowTape);
    for (int j = 0; j < d; j++) {
      double ls = clampLogStd(out[d + j]);
      a[j] = Math.tanh(out[j] + Math.exp(ls) * GaussianPolicy.standardNormal(random));
    }
  }

  /** The deterministic action tanh(μ) for one state. */
  void mean(double[] state, double[] a) {
    double[] out = actor.forward(actorParams, state, 1, rowTape);
    for (int j = 0; j < d; j++) {
      a[j] = Math.tanh(out[j]);
    }
  }

  /** Scratch for one gradient step on n transitions; the caller fills s, a, r, s2 and term. */
  final class Batch {
    final int n;
    final double[] s;
    final double[] a;
    final double[] r;
    final double[] s2;
    final boolean[] term;

    /** After {@link #update} with state gradients: d(critic losses)/d(s), summed over both. */
    final double[] stateGrad;

    final double[] sa;
    final double[] eps;
    final double[] y;
    final double[] gradOut;
    final double[] gradIn;
    final double[] qGrad;
    final double[] actorGrad;
    final double[] actorGradOut;
    final ModelTape actorTape;
    final ModelTape qTape;
    final double[] mu;
    final double[] ls;
    final double[] a2;
    final double[] logPi;
    final double[] q1;

    Batch(int n) {
      this.n = n;
      s = new double[n * o];
      a = new double[n * d];
      r = new double[n];
      s2 = new double[n * o];
      term = new boolean[n];
      stateGrad = new double[n * o];
      sa = new double[n * (o + d)];
      eps = new double[n * d];
      y = new double[n];
      gradOut = new double[n];
      gradIn = new double[n * (o + d)];
      qGrad = new double[q.layout().size()];
      actorGrad = new double[actor.layout().size()];
      actorGradOut = new double[n * 2 * d];
      actorTape = actor.newTape(n);
      qTape = q.newTape(n);
      mu = new double[n * d];
      ls = new double[n * d];
      a2 = new double[n * d];
      logPi = new double[n];
      q1 = new double[n];
    }
  }

  /**
   * One gradient step of the critics, the actor and α on the batch, then the targets' Polyak
   * update. With {@code stateGradient}, {@code b.stateGrad} receives the critics' loss gradient
   * with respect to the states (the part a latent in them is trained by).
   */
  void update(Batch b, SplittableRandom random, boolean stateGradient) {
    int n = b.n;
    double alpha = alpha();
    targets(b, random, alpha);
    criticStep(b, stateGradient);
    // actor: mean (α log π(a|s) − min Q_k(s, a)), a = tanh(μ + σε) reparameterised
    for (int k = 0; k < n * d; k++) {
      b.eps[k] = GaussianPolicy.standardNormal(random);
    }
    Arrays.fill(b.actorGrad, 0);
    actorLoss(actorParams, b, alpha, b.logPi, b.actorGrad);
    actorAdam.step(actorParams, b.actorGrad);
    double alphaGrad = 0;
    for (int i = 0; i < n; i++) {
      alphaGrad -= (b.logPi[i] + targetEntropy) / n;
    }
    // temperature: L(log α) = −log α · mean(log π + target entropy)
    double[] la = {logAlpha};
    alphaAdam.step(la, new double[] {alphaGrad});
    logAlpha = la[0];
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < qParams[k].length; i++) {
        qTarget[k][i] = tau * qParams[k][i] + (1 - tau) * qTarget[k][i];
      }
    }
  }

  /** The soft Bellman targets y of the batch: a′ ~ π(s′), r + γ(1 − done)(min Q′ − α log π). */
  void targets(Batch b, SplittableRandom random, double alpha) {
    int n = b.n;
    double[] out = actor.forward(actorParams, b.s2, n, b.actorTape);
    sampleSquashed(out, n, random, b.a2, b.logPi, b);
    join(b.s2, b.a2, n, b.sa);
    System.arraycopy(q.forward(qTarget[0], b.sa, n, b.qTape), 0, b.q1, 0, n);
    double[] q2 = q.forward(qTarget[1], b.sa, n, b.qTape);
    for (int i = 0; i < n; i++) {
      b.y[i] = softTarget(b.r[i], b.term[i], gamma, b.q1[i], q2[i], alpha, b.logPi[i]);
    }
  }

  /**
   * One Adam step of each critic on ½ mean (Q_k(s, a) − y)² towards the batch's targets; with
   * {@code stateGradient}, {@code b.stateGrad} receives the gradient of the sum of both losses with
   * respect to the states (at the parameters before the step).
   */
  void criticStep(Batch b, boolean stateGradient) {
    int n = b.n;
    join(b.s, b.a, n, b.sa);
    if (stateGradient) {
      Arrays.fill(b.stateGrad, 0);
    }
    for (int k = 0; k < 2; k++) {
      double[] qv = q.forward(qParams[k], b.sa, n, b.qTape);
      for (int i = 0; i < n; i++) {
        b.gradOut[i] = (qv[i] - b.y[i]) / n;
      }
      Arrays.fill(b.qGrad, 0);
      q.backward(qParams[k], b.qTape, b.gradOut, b.qGrad, stateGradient ? b.gradIn : null);
      if (stateGradient) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < o; j++) {
            b.stateGrad[i * o + j] += b.gradIn[i * (o + d) + j];
          }
        }
      }
      qAdam[k].step(qParams[k], b.qGrad);
    }
  }

  /**
   * Σ_k ½ mean (Q_k(s, a) − y)² at the given critic parameters (the loss {@link #criticStep}
   * takes).
   */
  double criticLoss(double[][] params, Batch b) {
    int n = b.n;
    join(b.s, b.a, n, b.sa);
    double loss = 0;
    for (int k = 0; k < 2; k++) {
      double[] qv = q.forward(params[k], b.sa, n, b.qTape);
      for (int i = 0; i < n; i++) {
        double e = qv[i] - b.y[i];
        loss += 0.5 * e * e / n;
      }
    }
    return loss;
  }

  /**
   * The actor's loss mean(α log π(a|s) − min(Q1, Q2)(s, a)) at θ on the batch's states with its
   * noise ε fixed (a = tanh(μ_θ(s) + σ_θ(s)ε)); adds dL/dθ to {@code grad}, writes log π per
   * sample.
   */
  double actorLoss(double[] theta, Batch b, double alpha, double[] logPi, double[] grad) {
    int n = b.n;
    double[] out = actor.forward(theta, b.s, n, b.actorTape).clone();
    double[] a1 = new double[n * d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        int k = i * d + j;
        b.mu[k] = out[i * 2 * d + j];
        b.ls[k] = clampLogStd(out[i * 2 * d + d + j]);
        a1[k] = Math.tanh(b.mu[k] + Math.exp(b.ls[k]) * b.eps[k]);
      }
      logPi[i] = squashedLogProb(b.mu, b.ls, b.eps, i * d, d);
    }
    join(b.s, a1, n, b.sa);
    double[] qa = q.forward(qParams[0], b.sa, n, b.qTape).clone();
    double[] qb = q.forward(qParams[1], b.sa, n, b.qTape).clone();
    double loss = 0;
    for (int i = 0; i < n; i++) {
      loss += (alpha * logPi[i] - Math.min(qa[i], qb[i])) / n;
    }
    // dL/da through the smaller critic of each sample
    double[] dLda = new double[n * d];
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < n; i++) {
        boolean mine = k == 0 ? qa[i] <= qb[i] : qa[i] > qb[i];
        b.gradOut[i] = mine ? -1.0 / n : 0;
      }
      q.forward(qParams[k], b.sa, n, b.qTape);
      q.backward(qParams[k], b.qTape, b.gradOut, null, b.gradIn);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < d; j++) {
          dLda[i * d + j] += b.gradIn[i * (o + d) + o + j];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        int k = i * d + j;
        double aj = a1[k];
        double sigma = Math.exp(b.ls[k]);
        double e = b.eps[k];
        double dU = dLda[k] * (1 - aj * aj); // dL/du from the critic term
        b.actorGradOut[i * 2 * d + j] = alpha * 2 * aj / n + dU;
        double raw = out[i * 2 * d + d + j];
        boolean inside = raw > LOG_STD_MIN && raw < LOG_STD_MAX;
        b.actorGradOut[i * 2 * d + d + j] =
            inside ? alpha * (-1 + 2 * aj * sigma * e) / n + dU * sigma * e : 0;
      }
    }
    actor.forward(theta, b.s, n, b.actorTape);
    actor.backward(theta, b.actorTape, b.actorGradOut, grad, null);
    return loss;
  }

  /** Samples a = tanh(μ + σε) per row of the actor's output; keeps ε and log σ in the batch. */
  private void sampleSquashed(
      double[] out, int n, SplittableRandom random, double[] a, double[] logPi, Batch b) {
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        int k = i * d + j;
        b.mu[k] = out[i * 2 * d + j];
        b.ls[k] = clampLogStd(out[i * 2 * d + d + j]);
        b.eps[k] = GaussianPolicy.standardNormal(random);
        a[k] = Math.tanh(b.mu[k] + Math.exp(b.ls[k]) * b.eps[k]);
      }
      logPi[i] = squashedLogProb(b.mu, b.ls, b.eps, i * d, d);
    }
  }

  private void join(double[] s, double[] a, int n, double[] sa) {
    for (int i = 0; i < n; i++) {
      System.arraycopy(s, i * o, sa, i * (o + d), o);
      System.arraycopy(a, i * d, sa, i * (o + d) + o, d);
    }
  }
}
