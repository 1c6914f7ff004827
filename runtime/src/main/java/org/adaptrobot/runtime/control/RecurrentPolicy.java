package org.adaptrobot.runtime.control;

/**
 * A policy controller that carries a state it re-infers as it runs (a GRU policy, mode {@code
 * recurrent}; an encoder's latent, mode {@code latent}): how big the state is and how fast it moves
 * (how fast the policy is re-inferring what changed), how often it was reset, and a reset asked for
 * from another thread (the {@code adaptation reset} command), taken up at the start of the next
 * step.
 */
public interface RecurrentPolicy {

  /** {@link #kind()} of a GRU's hidden state. */
  String RECURRENT = "recurrent";

  /** {@link #kind()} of an encoder's latent. */
  String LATENT = "latent";

  /**
   * {@code recurrent}: a GRU's hidden state (mode recurrent); {@code latent}: the latent an encoder
   * infers from the last observations (mode latent), whose "hidden state" is that latent.
   */
  default String kind() {
    return RECURRENT;
  }

  /** ‖h‖ after the last step. */
  double hiddenNorm();

  /**
   * ‖h_t − h_{t−1}‖ per step, averaged over about the last ten steps (an exponential average with
   * weight 0.1): near zero while the policy's inference has settled, large while it re-infers.
   */
  double hiddenChange();

  /**
   * Mode latent: ‖z now − z one window ago‖ at the last encoding (window encoding), or KL(posterior
   * now ‖ posterior one window ago) in nats (factors encoding); 0 until a window has passed — large
   * right after the robot changed, a change signal of its own. NaN for a recurrent policy.
   */
  default double shift() {
    return Double.NaN;
  }

  /**
   * What {@link #shift} measures: {@value #SHIFT_DISTANCE} (‖Δz‖, window encoding) or {@value
   * #SHIFT_KL} (nats, factors encoding); null for a recurrent policy.
   */
  default String shiftMeasure() {
    return null;
  }

  /** {@link #shiftMeasure} of the window encoding: the distance the latent moved. */
  String SHIFT_DISTANCE = "distance";

  /** {@link #shiftMeasure} of the factors encoding: the posteriors' KL divergence, in nats. */
  String SHIFT_KL = "kl";

  /** Resets of the hidden state so far (any cause). */
  long resets();

  /** Whether the bundle asks for a reset on this event: activation, e_stop or command. */
  boolean resetsOn(String event);

  /** Asks for a reset at the start of the next step; safe from any thread, never waits. */
  void requestReset();

  /**
   * Holds the hidden state from the next step on (true) or lets it move again (false): while held,
   * the policy still acts on each observation, but through the hidden state it had inferred when
   * the hold began — it stops re-inferring (the recurrent counterpart of running the meta-trained
   * parameters without adapting). Any thread.
   */
  void hold(boolean on);

  /** Whether the hidden state is held. */
  boolean held();
}
