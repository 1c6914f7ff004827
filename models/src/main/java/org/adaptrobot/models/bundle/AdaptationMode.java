package org.adaptrobot.models.bundle;

/** How a bundle's controller adapts on the robot; the manifest's {@code adaptation.mode}. */
public enum AdaptationMode {
  /** No adaptation: the meta-trained policy runs as it is. */
  NONE("none"),
  /** A recurrent policy infers the task in its hidden state (RL²-style); nothing is trained. */
  RECURRENT("recurrent"),
  /** A context encoder infers a latent task posterior from recent transitions (PEARL-style). */
  LATENT("latent"),
  /** Gradient steps on a context vector only (CAVIA-style). */
  CONTEXT_GRADIENT("context-gradient"),
  /** Gradient steps on declared policy tensors (MAML-style). */
  GRADIENT("gradient"),
  /** Gradient steps on a learned dynamics model that drives an MPC controller (GrBAL-style). */
  MODEL_BASED("model-based"),
  /**
   * The last layer of a dynamics model is Bayesian linear regression on meta-learned features,
   * conditioned in closed form on every transition (ALPaCA-style); MPC plans with the posterior
   * mean.
   */
  BAYESIAN_LAST_LAYER("bayesian-last-layer");

  private final String id;

  AdaptationMode(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** True for the modes that take gradient steps and so need rates, steps, windows and a loss. */
  public boolean takesGradientSteps() {
    return this == CONTEXT_GRADIENT || this == GRADIENT || this == MODEL_BASED;
  }

  /** The mode with this manifest name, or null. */
  public static AdaptationMode fromId(String id) {
    for (AdaptationMode m : values()) {
      if (m.id.equals(id)) {
        return m;
      }
    }
    return null;
  }

  /** Manifest names of all modes, for error messages. */
  public static String ids() {
    StringBuilder b = new StringBuilder();
    for (AdaptationMode m : values()) {
      b.append(b.length() == 0 ? "" : " | ").append(m.id);
    }
    return b.toString();
  }
}
