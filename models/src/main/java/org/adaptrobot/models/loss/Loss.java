package org.adaptrobot.models.loss;

/**
 * A scalar loss of a batch of network outputs, with its exact gradient and Hessian-vector product
 * with respect to those outputs. Targets (labels, actions, advantages) are bound to the loss object
 * before use, so one instance can be reused without allocation.
 */
public interface Loss {

  /** Size of one sample's network output that this loss expects. */
  int outputSize();

  /**
   * Returns the loss of {@code output[0 .. batch*outputSize())} and writes dL/dy into {@code
   * gradOutput} (overwriting). {@code gradOutput} may be null when only the value is needed.
   */
  double evaluate(double[] output, int batch, double[] gradOutput);

  /** Writes R{dL/dy} = (d²L/dy²)·{@code outputDirection} into {@code result} (overwriting). */
  void hessianVectorProduct(double[] output, double[] outputDirection, int batch, double[] result);
}
