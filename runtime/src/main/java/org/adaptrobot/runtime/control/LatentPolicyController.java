package org.adaptrobot.runtime.control;

import org.adaptrobot.models.bayes.GaussianPosterior;
import org.adaptrobot.models.bundle.Manifest;

/**
 * Mode {@code latent}. With the {@code window} encoding (RMA-style) the window of the last H
 * normalised observations (oldest first, zeros before the first after a reset) goes through the
 * bundle's encoder graph every {@code update_every} steps. With the {@code factors} encoding
 * (PEARL-style) every step's transition — the previous and the current normalised observation —
 * goes through the encoder graph to a Gaussian factor, multiplied in closed form into the posterior
 * over the last {@code window} factors ({@link GaussianPosterior}, the oldest divided out), and
 * every {@code update_every} steps the latent becomes the posterior's mean (the unit prior's 0
 * before the first factor). Either way the policy graph acts on [observation, latent]. Both graphs
 * run on the configured executor, on the loop thread: an encoding is one small network pass
 * (measured in {@code LatentStepBenchmark}), far inside a period, so it needs no thread of its own.
 * The latent changes only inside {@link #compute}, before the policy's pass, so a step reads one
 * latent throughout and a new one is taken up at a step boundary. Allocation-free after
 * construction.
 *
 * <p>Resets (activation, e-stop, {@code adaptation reset}, as the bundle's {@code reset_on} says)
 * restart the window or the posterior; {@code adaptation disable} holds the latent (the window
 * keeps filling and the posterior keeps taking factors, but the policy's latent stops moving);
 * telemetry reads ‖z‖, its smoothed change per update, and its shift over one window — ‖z now − z
 * one window ago‖ with the window encoding, KL(posterior now ‖ posterior one window ago) with
 * factors — a change signal of its own.
 */
public final class LatentPolicyController implements PolicyController {

  private final PolicyController policy;
  private final PolicyController encoder;
  private final int o;
  private final int z;
  private final int window;
  private final int every;
  private final double[] ring;
  private final double[] latent;
  private final double[] fresh;
  private final double[] input;
  private final double[][] past;
  private final boolean factors;
  private final GaussianPosterior posterior;
  private final double[] factor;
  private final double[] factorVariance;
  private final double[] postVariance;
  private final double[][] pastVariance;
  private int pastHead;
  private long step;
  private long updates;
  private final HiddenStateWatch watch;

  /**
   * @param policy the policy graph's executor: [observation, latent] → action
   * @param encoder the encoder graph's executor: window → latent
   */
  public LatentPolicyController(
      PolicyController policy, PolicyController encoder, Manifest.LatentSpec spec, int o) {
    if (encoder.observationSize() != spec.encoderInput(o)
        || encoder.actionSize() != spec.encoderOutput()) {
      throw new IllegalArgumentException(
          "the encoder graph maps "
              + encoder.observationSize()
              + " values to "
              + encoder.actionSize()
              + (spec.factors()
                  ? "; transitions of 2 × " + o + " observations to factors of 2 × "
                  : "; a window of " + spec.window() + " × " + o + " observations to a latent of ")
              + spec.size()
              + " was declared");
    }
    if (policy.observationSize() != o + spec.size()) {
      throw new IllegalArgumentException(
          "the policy graph reads "
              + policy.observationSize()
              + " values; the observation and the latent make "
              + (o + spec.size()));
    }
    this.policy = policy;
    this.encoder = encoder;
    this.o = o;
    this.z = spec.size();
    this.window = spec.window();
    this.every = spec.updateEvery();
    this.factors = spec.factors();
    this.ring = new double[spec.encoderInput(o)];
    this.posterior = factors ? new GaussianPosterior(z, window) : null;
    this.factor = new double[spec.encoderOutput()];
    this.factorVariance = new double[z];
    this.postVariance = new double[z];
    this.latent = new double[z];
    this.fresh = new double[z];
    this.input = new double[o + z];
    this.past = new double[Math.max(1, (window + every - 1) / every)][z];
    this.pastVariance = new double[past.length][z];
    this.watch =
        new HiddenStateWatch(
            RecurrentPolicy.LATENT,
            spec.resetOn(),
            factors ? RecurrentPolicy.SHIFT_KL : RecurrentPolicy.SHIFT_DISTANCE);
  }

  @Override
  public int observationSize() {
    return o;
  }

  @Override
  public int actionSize() {
    return policy.actionSize();
  }

  @Override
  public void compute(double[] observation, double[] action) {
    if (watch.resetDue()) {
      restart();
    }
    int slots = ring.length / o;
    System.arraycopy(ring, o, ring, 0, (slots - 1) * o);
    System.arraycopy(observation, 0, ring, (slots - 1) * o, o);
    if (factors && step >= 1) {
      addFactor();
    }
    if (step % every == 0) {
      if (watch.held()) {
        watch.heldStep();
      } else {
        update();
      }
    }
    step++;
    System.arraycopy(observation, 0, input, 0, o);
    System.arraycopy(latent, 0, input, o, z);
    policy.compute(input, action);
  }

  /**
   * A new latent — the encoding of the window, or the posterior's mean — and its shift from the
   * latent one window ago: their distance, or the posteriors' KL.
   */
  private void update() {
    double[] then = past[pastHead];
    // the latent one window ago is known once that many updates have been made
    boolean known = updates >= past.length;
    double shift = 0;
    if (factors) {
      posterior.posterior(fresh, postVariance);
      double[] thenVariance = pastVariance[pastHead];
      if (known) {
        shift = GaussianPosterior.kl(fresh, postVariance, then, thenVariance);
      }
      System.arraycopy(postVariance, 0, thenVariance, 0, z);
    } else {
      encoder.compute(ring, fresh);
      double moved = 0;
      for (int j = 0; j < z; j++) {
        double m = fresh[j] - then[j];
        moved += m * m;
      }
      shift = known ? Math.sqrt(moved) : 0;
    }
    double norm = 0;
    double change = 0;
    for (int j = 0; j < z; j++) {
      double c = fresh[j] - latent[j];
      change += c * c;
      norm += fresh[j] * fresh[j];
      latent[j] = fresh[j];
    }
    watch.shifted(shift);
    System.arraycopy(fresh, 0, then, 0, z);
    pastHead = (pastHead + 1) % past.length;
    updates++;
    watch.stepped(norm, updates == 1 ? 0 : change);
  }

  /** The transition (previous observation, this one) as a factor of the posterior. */
  private void addFactor() {
    encoder.compute(ring, factor);
    for (int j = 0; j < z; j++) {
      factorVariance[j] = GaussianPosterior.factorVariance(factor[z + j]);
    }
    posterior.add(factor, factorVariance, 0); // the factor's means are its first z outputs
  }

  private void restart() {
    java.util.Arrays.fill(ring, 0);
    java.util.Arrays.fill(latent, 0);
    if (posterior != null) {
      posterior.reset();
    }
    step = 0;
    updates = 0;
    pastHead = 0;
    watch.shifted(0);
    watch.reset();
  }

  /** Copies the latent the policy acts on into {@code out} (loop thread, or a lockstep test). */
  public void latent(double[] out) {
    System.arraycopy(latent, 0, out, 0, z);
  }

  @Override
  public void reset() {
    restart();
  }

  @Override
  public void publish(double[] parameters) {
    policy.publish(parameters);
  }

  @Override
  public double[] parameters() {
    return policy.parameters();
  }

  @Override
  public boolean hasPendingParameters() {
    return policy.hasPendingParameters();
  }

  @Override
  public RecurrentPolicy recurrentState() {
    return watch;
  }

  @Override
  public void close() {
    try {
      policy.close();
    } finally {
      encoder.close();
    }
  }
}
