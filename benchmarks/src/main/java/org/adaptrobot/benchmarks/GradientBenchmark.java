package org.adaptrobot.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.Objective;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Loss, gradient and exact Hessian-vector product of a 12-64-64-2 tanh MLP with mean squared error
 * on a 200-sample batch: the work of one on-robot adaptation step (gradient) and of one
 * second-order MAML inner step (HVP).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GradientBenchmark {

  private static final int BATCH = 200;

  private Objective objective;
  private double[] params;
  private double[] inputs;
  private double[] gradient;
  private double[] direction;
  private double[] hv;

  @Setup(Level.Trial)
  public void setUp() {
    Mlp mlp = Mlp.of(12, new int[] {64, 64}, 2, Activation.TANH, Activation.IDENTITY);
    SplittableRandom r = new SplittableRandom(3);
    params = new double[mlp.layout().size()];
    mlp.initialise(params, r);
    inputs = new double[BATCH * 12];
    double[] targets = new double[BATCH * 2];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = 2 * r.nextDouble() - 1;
    }
    for (int i = 0; i < targets.length; i++) {
      targets[i] = 2 * r.nextDouble() - 1;
    }
    objective = new Objective(mlp, new MeanSquaredError(2).targets(targets), BATCH);
    gradient = new double[params.length];
    direction = new double[params.length];
    for (int i = 0; i < direction.length; i++) {
      direction[i] = r.nextDouble() - 0.5;
    }
    hv = new double[params.length];
  }

  @Benchmark
  public double forwardAndBackward() {
    return objective.valueAndGradient(params, inputs, BATCH, gradient) + gradient[7];
  }

  @Benchmark
  public double hessianVectorProduct() {
    objective.hessianVectorProduct(params, direction, inputs, BATCH, hv);
    return hv[11];
  }
}
