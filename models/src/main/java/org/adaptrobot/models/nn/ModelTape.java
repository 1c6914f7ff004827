package org.adaptrobot.models.nn;

/**
 * Pre-allocated storage of one batched pass through a {@link DifferentiableModel}: activations kept
 * for the backward pass and the directional (Hessian-vector) passes. Sized for a maximum batch; a
 * tape belongs to one model and one thread.
 */
public interface ModelTape {

  /** Largest batch this tape holds. */
  int maxBatch();
}
