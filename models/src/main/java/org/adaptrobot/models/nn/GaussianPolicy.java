package org.adaptrobot.models.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A stochastic policy π(a|s) = N(μ_θ(s), diag(exp(2·logStd))): an MLP for the mean and a
 * state-independent log standard deviation vector {@code log_std}. As a {@link DifferentiableModel}
 * its output per sample is {@code [μ (d), log σ (d)]}, which the Gaussian losses consume.
 */
public final class GaussianPolicy implements DifferentiableModel {

  public static final String LOG_STD = "log_std";

  private final Mlp mean;
  private final int actionSize;
  private final int logStdOffset;
  private final double initialLogStd;
  private final ParameterLayout layout;

  public GaussianPolicy(Mlp mean, double initialLogStd) {
    this.mean = mean;
    this.actionSize = mean.outputSize();
    this.initialLogStd = initialLogStd;
    this.layout = ParameterLayout.builder().addAll(mean.layout()).add(LOG_STD, actionSize).build();
    this.logStdOffset = layout.slice(LOG_STD).offset();
  }

  public Mlp meanNetwork() {
    return mean;
  }

  public int actionSize() {
    return actionSize;
  }

  public double initialLogStd() {
    return initialLogStd;
  }

  @Override
  public ParameterLayout layout() {
    return layout;
  }

  @Override
  public int inputSize() {
    return mean.inputSize();
  }

  @Override
  public int outputSize() {
    return 2 * actionSize;
  }

  @Override
  public void initialise(double[] params, SplittableRandom random) {
    mean.initialise(params, 0, random);
    Arrays.fill(params, logStdOffset, logStdOffset + actionSize, initialLogStd);
  }

  /** Deterministic action (the mean) for one observation; allocates nothing. */
  public void mean(double[] params, double[] obs, double[] action, Mlp.Workspace ws) {
    mean.forward(params, 0, obs, 0, action, 0, ws);
  }

  /** Samples an action for one observation: μ + σ·ε with standard normal ε from {@code random}. */
  public void sample(
      double[] params, double[] obs, double[] action, Mlp.Workspace ws, SplittableRandom random) {
    mean.forward(params, 0, obs, 0, action, 0, ws);
    for (int j = 0; j < actionSize; j++) {
      action[j] += Math.exp(params[logStdOffset + j]) * standardNormal(random);
    }
  }

  /**
   * A standard normal draw from {@code random} (Marsaglia's polar method); no allocation, no hidden
   * state beyond the stream.
   */
  public static double standardNormal(SplittableRandom random) {
    double u;
    double v;
    double s;
    do {
      u = 2.0 * random.nextDouble() - 1.0;
      v = 2.0 * random.nextDouble() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * Math.sqrt(-2.0 * Math.log(s) / s);
  }

  /** Tape: the mean network's tape plus the concatenated {@code [μ, s]} rows. */
  public static final class Tape implements ModelTape {
    final Mlp.Tape mean;
    final double[] output;
    final double[] rOutput;
    final double[] gradMean;
    final double[] rGradMean;
    int batch;

    Tape(Mlp mlp, int maxBatch, int actionSize) {
      mean = mlp.newTape(maxBatch);
      output = new double[maxBatch * 2 * actionSize];
      rOutput = new double[maxBatch * 2 * actionSize];
      gradMean = new double[maxBatch * actionSize];
      rGradMean = new double[maxBatch * actionSize];
    }

    @Override
    public int maxBatch() {
      return mean.maxBatch();
    }

    /** The rows [μ, log σ] of the last forward. */
    public double[] output() {
      return output;
    }
  }

  @Override
  public Tape newTape(int maxBatch) {
    return new Tape(mean, maxBatch, actionSize);
  }

  private static Tape tape(ModelTape t) {
    if (t instanceof Tape tape) {
      return tape;
    }
    throw new IllegalArgumentException("tape was not made by a GaussianPolicy: " + t);
  }

  @Override
  public double[] forward(double[] params, double[] input, int batch, ModelTape t) {
    Tape tape = tape(t);
    tape.batch = batch;
    double[] mu = mean.forward(params, 0, input, batch, tape.mean);
    int d = actionSize;
    for (int b = 0; b < batch; b++) {
      System.arraycopy(mu, b * d, tape.output, b * 2 * d, d);
      System.arraycopy(params, logStdOffset, tape.output, b * 2 * d + d, d);
    }
    return tape.output;
  }

  @Override
  public void backward(
      double[] params, ModelTape t, double[] gradOutput, double[] gradParams, double[] gradInput) {
    Tape tape = tape(t);
    splitGradient(gradOutput, tape.batch, tape.gradMean, gradParams);
    mean.backward(params, 0, tape.mean, tape.gradMean, gradParams, 0, gradInput);
  }

  /** Copies the μ part of each row into {@code gradMean} and adds the s part to log_std. */
  private void splitGradient(double[] gradOutput, int batch, double[] gradMean, double[] target) {
    int d = actionSize;
    for (int b = 0; b < batch; b++) {
      System.arraycopy(gradOutput, b * 2 * d, gradMean, b * d, d);
      for (int j = 0; j < d; j++) {
        target[logStdOffset + j] += gradOutput[b * 2 * d + d + j];
      }
    }
  }

  @Override
  public double[] forwardDirection(
      double[] params, double[] directionParams, double[] directionInput, ModelTape t) {
    Tape tape = tape(t);
    double[] rMu = mean.forwardDirection(params, 0, directionParams, 0, directionInput, tape.mean);
    int d = actionSize;
    for (int b = 0; b < tape.batch; b++) {
      System.arraycopy(rMu, b * d, tape.rOutput, b * 2 * d, d);
      System.arraycopy(directionParams, logStdOffset, tape.rOutput, b * 2 * d + d, d);
    }
    return tape.rOutput;
  }

  @Override
  public void backwardDirection(
      double[] params,
      double[] directionParams,
      ModelTape t,
      double[] gradOutput,
      double[] rGradOutput,
      double[] hvParams,
      double[] rGradInput) {
    Tape tape = tape(t);
    int d = actionSize;
    for (int b = 0; b < tape.batch; b++) {
      System.arraycopy(gradOutput, b * 2 * d, tape.gradMean, b * d, d);
    }
    splitGradient(rGradOutput, tape.batch, tape.rGradMean, hvParams);
    mean.backwardDirection(
        params,
        0,
        directionParams,
        0,
        tape.mean,
        tape.gradMean,
        tape.rGradMean,
        hvParams,
        0,
        rGradInput);
  }
}
