package org.adaptrobot.benchmarks;

import java.util.concurrent.TimeUnit;
import org.adaptrobot.models.bayes.GaussianPosterior;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * PEARL's per-transition posterior update as the robot would run it: one Gaussian factor multiplied
 * into the sliding-window product (dividing out the oldest), then the posterior's mean and variance
 * read back, and its KL to the posterior of one window ago (the shift signal). With {@code -prof
 * gc} for bytes per update.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GaussianPosteriorBenchmark {

  @Param({"5", "16"})
  public int latent;

  @Param({"100"})
  public int window;

  private GaussianPosterior posterior;
  private double[] mean;
  private double[] variance;
  private double[] postMean;
  private double[] postVar;
  private double[] before;
  private double[] beforeVar;
  private long n;

  @Setup
  public void setUp() {
    posterior = new GaussianPosterior(latent, window);
    mean = new double[latent];
    variance = new double[latent];
    postMean = new double[latent];
    postVar = new double[latent];
    before = new double[latent];
    beforeVar = new double[latent];
    java.util.Arrays.fill(beforeVar, 1);
    for (int k = 0; k < 2 * window; k++) {
      update();
    }
  }

  @Benchmark
  public double update() {
    n++;
    for (int j = 0; j < latent; j++) {
      mean[j] = 0.1 * Math.sin(n * 0.01 + j);
      variance[j] = 0.5 + 0.4 * Math.cos(n * 0.013 + j);
    }
    posterior.add(mean, variance, 0);
    posterior.posterior(postMean, postVar);
    return GaussianPosterior.kl(postMean, postVar, before, beforeVar);
  }
}
