package org.adaptrobot.models.optim;

/** Updates a flat parameter vector in place from its gradient (minimisation). */
public interface Optimizer {

  /** One update θ ← θ − step(∇). {@code params} and {@code gradient} have equal length. */
  void step(double[] params, double[] gradient);

  /** Forgets any accumulated state (moments, step count). */
  void reset();
}
