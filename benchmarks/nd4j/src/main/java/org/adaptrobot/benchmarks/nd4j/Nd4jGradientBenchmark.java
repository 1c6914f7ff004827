package org.adaptrobot.benchmarks.nd4j;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.Objective;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
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
 * Loss and gradient of an 11-w-w-9 tanh network (w = 64 is the dynamics model; the policies are 64
 * wide too) with MSE, in double precision: our kernels against ND4J (OpenBLAS gemm), by batch size
 * (32: one GrBAL window; 256: a pooled batch; 4096) and hidden width (64, 256, 1024), to find where
 * ND4J starts to win. Both compute the same quantities; {@link #checkAgreement} verifies that
 * before measuring.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Nd4jGradientBenchmark {

  @Param({"32", "256", "4096"})
  int batch;

  @Param({"64", "256", "1024"})
  int width;

  int[] sizes;

  Mlp mlp;
  Objective objective;
  double[] params;
  double[] x;
  double[] y;
  double[] grad;

  INDArray[] w = new INDArray[3];
  INDArray[] b = new INDArray[3];
  INDArray nx;
  INDArray ny;

  @Setup
  public void setup() {
    sizes = new int[] {11, width, width, 9};
    mlp = Mlp.of(11, new int[] {width, width}, 9, Activation.TANH, Activation.IDENTITY);
    params = new double[mlp.layout().size()];
    mlp.initialise(params, new SplittableRandom(1));
    SplittableRandom r = new SplittableRandom(2);
    x = new double[batch * 11];
    y = new double[batch * 9];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian();
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = 0.1 * r.nextGaussian();
    }
    grad = new double[params.length];
    objective = new Objective(mlp, new MeanSquaredError(9).targets(y), batch);
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    int off = 0;
    for (int l = 0; l < 3; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      double[] wl = new double[in * out];
      System.arraycopy(params, off, wl, 0, wl.length);
      off += wl.length;
      double[] bl = new double[out];
      System.arraycopy(params, off, bl, 0, out);
      off += out;
      // our layout: weight [in][out] row-major, then bias
      w[l] = Nd4j.create(wl, new long[] {in, out}, DataType.DOUBLE);
      b[l] = Nd4j.create(bl, new long[] {1, out}, DataType.DOUBLE);
    }
    nx = Nd4j.create(x, new long[] {batch, 11}, DataType.DOUBLE);
    ny = Nd4j.create(y, new long[] {batch, 9}, DataType.DOUBLE);
    checkAgreement();
  }

  void checkAgreement() {
    double ours = objective.valueAndGradient(params, x, batch, grad);
    double theirs = nd4jLossAndGradient()[0].getDouble(0);
    if (Math.abs(ours - theirs) > 1e-9 * Math.max(1, Math.abs(ours))) {
      throw new IllegalStateException(
          "loss differs: ours " + ours + ", ND4J " + theirs + " (layout mismatch?)");
    }
  }

  /** Returns {loss, dW0, db0, dW1, db1, dW2, db2}. */
  INDArray[] nd4jLossAndGradient() {
    INDArray h1 = Transforms.tanh(nx.mmul(w[0]).addiRowVector(b[0]), true);
    INDArray h2 = Transforms.tanh(h1.mmul(w[1]).addiRowVector(b[1]), true);
    INDArray out = h2.mmul(w[2]).addiRowVector(b[2]);
    INDArray diff = out.sub(ny);
    double scale = 1.0 / ((double) batch * 9);
    double loss = diff.mul(diff).sumNumber().doubleValue() * scale;
    INDArray d3 = diff.muli(2 * scale);
    INDArray gw2 = h2.transpose().mmul(d3);
    INDArray gb2 = d3.sum(0);
    INDArray d2 = d3.mmul(w[2].transpose()).muli(h2.mul(h2).rsubi(1));
    INDArray gw1 = h1.transpose().mmul(d2);
    INDArray gb1 = d2.sum(0);
    INDArray d1 = d2.mmul(w[1].transpose()).muli(h1.mul(h1).rsubi(1));
    INDArray gw0 = nx.transpose().mmul(d1);
    INDArray gb0 = d1.sum(0);
    return new INDArray[] {Nd4j.scalar(loss), gw0, gb0, gw1, gb1, gw2, gb2};
  }

  @Benchmark
  public double ours() {
    return objective.valueAndGradient(params, x, batch, grad);
  }

  @Benchmark
  public INDArray[] nd4j() {
    return nd4jLossAndGradient();
  }
}
