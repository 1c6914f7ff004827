package org.adaptrobot.runtime.control;

import org.adaptrobot.runtime.telemetry.AdaptationControl;

/**
 * The remote adaptation commands for a recurrent policy, which adapts in its hidden state at every
 * step (and for a latent one, which re-infers its latent from the last observations — the same
 * commands on the latent): {@code reset} zeroes the hidden state at the next step (when the bundle
 * resets on command); {@code disable} holds the hidden state (the policy stops re-inferring and
 * acts on what it had inferred) and {@code enable} lets it move again; there is nothing to trigger,
 * so {@code trigger} is refused with the reason.
 */
public final class RecurrentControl implements AdaptationControl {

  private final RecurrentPolicy policy;

  public RecurrentControl(RecurrentPolicy policy) {
    this.policy = policy;
  }

  @Override
  public String refusal(String action) {
    boolean latent = RecurrentPolicy.LATENT.equals(policy.kind());
    return switch (action) {
      case "reset" ->
          policy.resetsOn("command")
              ? null
              : latent
                  ? "the running bundle's latent does not restart on command (its"
                      + " adaptation.latent.reset_on leaves out \"command\")"
                  : "the running bundle's recurrent policy does not reset on command (its gru"
                      + " graph's reset_on leaves out \"command\")";
      case "trigger" ->
          latent
              ? "the running bundle re-infers its latent from the last observations as it drives;"
                  + " there is no adaptation to trigger (reset starts its inference afresh)"
              : "the running bundle's recurrent policy adapts in its hidden state at every step;"
                  + " there is no adaptation to trigger (reset starts its inference afresh)";
      default -> null;
    };
  }

  @Override
  public void trigger() {
    throw new IllegalStateException(refusal("trigger"));
  }

  @Override
  public void reset() {
    String no = refusal("reset");
    if (no != null) {
      throw new IllegalStateException(no);
    }
    policy.requestReset();
  }

  @Override
  public void enabled(boolean on) {
    policy.hold(!on);
  }
}
