package org.adaptrobot.models.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An MLP conditioned on a context vector φ that is concatenated to every input: y = f([x, φ]). The
 * context is the slice {@code context} at the end of the parameter vector, so that CAVIA-style
 * adaptation updates only that slice (reset to zero per task) while the rest stays meta-trained,
 * and second-order meta-gradients through it come from the ordinary Hessian-vector product.
 */
public final class ContextMlp implements DifferentiableModel {

  public static final String CONTEXT = "context";

  private final Mlp mlp;
  private final int inputSize;
  private final int contextSize;
  private final int contextOffset;
  private final ParameterLayout layout;

  /**
   * @param mlp the network on {@code [x, φ]}; its input size must exceed {@code contextSize}
   * @param contextSize dimension of φ
   */
  public ContextMlp(Mlp mlp, int contextSize) {
    if (contextSize <= 0 || contextSize >= mlp.inputSize()) {
      throw new IllegalArgumentException(
          "context size "
              + contextSize
              + " must be positive and below the MLP input size "
              + mlp.inputSize());
    }
    this.mlp = mlp;
    this.contextSize = contextSize;
    this.inputSize = mlp.inputSize() - contextSize;
    this.layout = ParameterLayout.builder().addAll(mlp.layout()).add(CONTEXT, contextSize).build();
    this.contextOffset = layout.slice(CONTEXT).offset();
  }

  public Mlp network() {
    return mlp;
  }

  public int contextSize() {
    return contextSize;
  }

  @Override
  public ParameterLayout layout() {
    return layout;
  }

  @Override
  public int inputSize() {
    return inputSize;
  }

  @Override
  public int outputSize() {
    return mlp.outputSize();
  }

  /** Initialises the network; the context starts at zero as in CAVIA. */
  @Override
  public void initialise(double[] params, SplittableRandom random) {
    mlp.initialise(params, 0, random);
    Arrays.fill(params, contextOffset, contextOffset + contextSize, 0.0);
  }

  /** Tape: the inner MLP's tape and a buffer for input gradients of {@code [x, φ]}. */
  public static final class Tape implements ModelTape {
    final Mlp.Tape inner;
    final double[] gradJoined;
    final double[] directionJoined;
    int batch;

    Tape(Mlp mlp, int maxBatch) {
      inner = mlp.newTape(maxBatch);
      gradJoined = new double[maxBatch * mlp.inputSize()];
      directionJoined = new double[maxBatch * mlp.inputSize()];
    }

    @Override
    public int maxBatch() {
      return inner.maxBatch();
    }
  }

  @Override
  public Tape newTape(int maxBatch) {
    return new Tape(mlp, maxBatch);
  }

  private static Tape tape(ModelTape t) {
    if (t instanceof Tape tape) {
      return tape;
    }
    throw new IllegalArgumentException("tape was not made by a ContextMlp: " + t);
  }

  @Override
  public double[] forward(double[] params, double[] input, int batch, ModelTape t) {
    return forward(params, input, batch, t, false);
  }

  @Override
  public double[] forwardInference(double[] params, double[] input, int batch, ModelTape t) {
    return forward(params, input, batch, t, true);
  }

  private double[] forward(
      double[] params, double[] input, int batch, ModelTape t, boolean inference) {
    Tape tape = tape(t);
    if (batch > tape.maxBatch()) {
      throw new IllegalArgumentException(
          "batch " + batch + " does not fit a tape of at most " + tape.maxBatch());
    }
    tape.batch = batch;
    tape.inner.batch = batch;
    join(input, params, contextOffset, batch, tape.inner.act[0]);
    mlp.forwardFromTapeInput(params, 0, tape.inner, inference);
    return tape.inner.act[tape.inner.act.length - 1];
  }

  /** rows of {@code [x_b, φ]}; x may be null for zeros. */
  private void join(double[] x, double[] phi, int phiOff, int batch, double[] joined) {
    int width = inputSize + contextSize;
    for (int b = 0; b < batch; b++) {
      if (x == null) {
        Arrays.fill(joined, b * width, b * width + inputSize, 0.0);
      } else {
        System.arraycopy(x, b * inputSize, joined, b * width, inputSize);
      }
      System.arraycopy(phi, phiOff, joined, b * width + inputSize, contextSize);
    }
  }

  /** Splits joined input gradients into x-gradients (if wanted) and adds Σ_b to the context. */
  private void split(double[] joined, int batch, double[] gradInput, double[] target) {
    int width = inputSize + contextSize;
    for (int b = 0; b < batch; b++) {
      if (gradInput != null) {
        System.arraycopy(joined, b * width, gradInput, b * inputSize, inputSize);
      }
      for (int j = 0; j < contextSize; j++) {
        target[contextOffset + j] += joined[b * width + inputSize + j];
      }
    }
  }

  @Override
  public void backward(
      double[] params, ModelTape t, double[] gradOutput, double[] gradParams, double[] gradInput) {
    Tape tape = tape(t);
    mlp.backward(params, 0, tape.inner, gradOutput, gradParams, 0, tape.gradJoined);
    split(tape.gradJoined, tape.batch, gradInput, gradParams);
  }

  @Override
  public double[] forwardDirection(
      double[] params, double[] directionParams, double[] directionInput, ModelTape t) {
    Tape tape = tape(t);
    join(directionInput, directionParams, contextOffset, tape.batch, tape.directionJoined);
    return mlp.forwardDirection(params, 0, directionParams, 0, tape.directionJoined, tape.inner);
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
    mlp.backwardDirection(
        params,
        0,
        directionParams,
        0,
        tape.inner,
        gradOutput,
        rGradOutput,
        hvParams,
        0,
        tape.gradJoined);
    split(tape.gradJoined, tape.batch, rGradInput, hvParams);
  }
}
