package org.adaptrobot.models.nn;

import java.util.SplittableRandom;

/**
 * A network whose parameters live in one flat vector and whose batched forward pass has exact first
 * derivatives (with respect to parameters and inputs) and exact directional second derivatives
 * (Pearlmutter's R-operator), so that Hessian-vector products cost about two backward passes.
 *
 * <p>Inputs and outputs are row-major {@code [batch, size]} arrays. Parameter arrays use {@link
 * #layout()}. Gradient outputs for parameters are <em>added to</em> the caller's array; gradient
 * outputs for inputs are overwritten. Nothing here allocates once a tape exists.
 */
public interface DifferentiableModel {

  ParameterLayout layout();

  int inputSize();

  int outputSize();

  /** Seeded initialisation of {@code params} (weights scaled to the layer, biases zero). */
  void initialise(double[] params, SplittableRandom random);

  /** A tape for batches of up to {@code maxBatch} samples. */
  ModelTape newTape(int maxBatch);

  /**
   * Batched forward pass. Returns the tape's output array; the first {@code batch * outputSize()}
   * entries are valid until the next call with this tape.
   */
  double[] forward(double[] params, double[] input, int batch, ModelTape tape);

  /**
   * The forward pass for planning and inference, never followed by a backward pass: tanh and
   * sigmoid may use their interpolated forms (accurate to 2e-8, a third of the cost). The default
   * is {@link #forward}.
   */
  default double[] forwardInference(double[] params, double[] input, int batch, ModelTape tape) {
    return forward(params, input, batch, tape);
  }

  /**
   * Backward pass after {@link #forward} on the same tape: adds dL/dθ to {@code gradParams} and, if
   * {@code gradInput} is not null, writes dL/dx into it.
   *
   * @param gradOutput dL/dy, {@code [batch, outputSize()]}
   */
  void backward(
      double[] params,
      ModelTape tape,
      double[] gradOutput,
      double[] gradParams,
      double[] gradInput);

  /**
   * Directional derivative of the outputs, R{y} = (dy/dθ)·v + (dy/dx)·u, after {@link #forward} on
   * the same tape. Returns the tape's array holding R{y}.
   *
   * @param directionParams v, in parameter layout
   * @param directionInput u, {@code [batch, inputSize()]}, or null for zero
   */
  double[] forwardDirection(
      double[] params, double[] directionParams, double[] directionInput, ModelTape tape);

  /**
   * Directional derivative of the backward pass, after {@link #forwardDirection}: adds R{dL/dθ} to
   * {@code hvParams} and, if {@code rGradInput} is not null, writes R{dL/dx} into it. With {@code
   * rGradOutput} = R{dL/dy} from the loss this yields the Hessian-vector product.
   */
  void backwardDirection(
      double[] params,
      double[] directionParams,
      ModelTape tape,
      double[] gradOutput,
      double[] rGradOutput,
      double[] hvParams,
      double[] rGradInput);
}
