package org.adaptrobot.models.nn;

import org.adaptrobot.models.loss.Loss;

/**
 * A model and a loss on its outputs: the scalar function of the parameters that training and
 * adaptation minimise, with its exact gradient and Hessian-vector product. Buffers are allocated
 * once for the largest batch; afterwards nothing allocates. One instance per thread.
 */
public final class Objective {

  private final DifferentiableModel model;
  private final Loss loss;
  private final ModelTape tape;
  private final double[] gradOutput;
  private final double[] rGradOutput;

  public Objective(DifferentiableModel model, Loss loss, int maxBatch) {
    if (loss.outputSize() != model.outputSize()) {
      throw new IllegalArgumentException(
          "loss expects outputs of size "
              + loss.outputSize()
              + " but the model produces "
              + model.outputSize());
    }
    this.model = model;
    this.loss = loss;
    this.tape = model.newTape(maxBatch);
    this.gradOutput = new double[maxBatch * model.outputSize()];
    this.rGradOutput = new double[maxBatch * model.outputSize()];
  }

  public DifferentiableModel model() {
    return model;
  }

  public Loss loss() {
    return loss;
  }

  /** L(θ) on the batch. */
  public double value(double[] params, double[] input, int batch) {
    double[] y = model.forward(params, input, batch, tape);
    return loss.evaluate(y, batch, null);
  }

  /** L(θ); writes ∇L(θ) into {@code grad} (overwriting). */
  public double valueAndGradient(double[] params, double[] input, int batch, double[] grad) {
    double[] y = model.forward(params, input, batch, tape);
    double value = loss.evaluate(y, batch, gradOutput);
    java.util.Arrays.fill(grad, 0, model.layout().size(), 0.0);
    model.backward(params, tape, gradOutput, grad, null);
    return value;
  }

  /** Writes H(θ)·v, the exact Hessian of L at θ times {@code direction}, into {@code hv}. */
  public void hessianVectorProduct(
      double[] params, double[] direction, double[] input, int batch, double[] hv) {
    double[] y = model.forward(params, input, batch, tape);
    loss.evaluate(y, batch, gradOutput);
    double[] ry = model.forwardDirection(params, direction, null, tape);
    loss.hessianVectorProduct(y, ry, batch, rGradOutput);
    java.util.Arrays.fill(hv, 0, model.layout().size(), 0.0);
    model.backwardDirection(params, direction, tape, gradOutput, rGradOutput, hv, null);
  }
}
