package org.adaptrobot.runtime.control;

import org.adaptrobot.models.bundle.Manifest;

/**
 * Mode {@code latent}, RMA-style: the window of the last H normalised observations (oldest first,
 * zeros before the first after a reset) goes through the bundle's encoder graph every {@code
 * update_every} steps, and the policy graph acts on [observation, latent]. Both graphs run on the
 * configured executor, on the loop thread: an encoding is one small network pass (measured in
 * {@code LatentStepBenchmark}), far inside a period, so it needs no thread of its own. The latent
 * changes only inside {@link #compute}, before the policy's pass, so a step reads one latent
 * throughout and a new one is taken up at a step boundary. Allocation-free after construction.
 *
 * <p>Resets (activation, e-stop, {@code adaptation reset}, as the bundle's {@code reset_on} says)
 * restart the window; {@code adaptation disable} holds the latent (the window keeps filling, the
 * encoder stops re-inferring); telemetry reads ‖z‖, its smoothed change per update, and its shift
 * over one window — ‖z now − z one window ago‖, a change signal of its own.
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
    if (encoder.observationSize() != spec.window() * o || encoder.actionSize() != spec.size()) {
      throw new IllegalArgumentException(
          "the encoder graph maps "
              + encoder.observationSize()
              + " values to "
              + encoder.actionSize()
              + "; a window of "
              + spec.window()
              + " × "
              + o
              + " observations to a latent of "
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
    this.ring = new double[window * o];
    this.latent = new double[z];
    this.fresh = new double[z];
    this.input = new double[o + z];
    this.past = new double[Math.max(1, (window + every - 1) / every)][z];
    this.watch = new HiddenStateWatch(RecurrentPolicy.LATENT, spec.resetOn());
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
    System.arraycopy(ring, o, ring, 0, (window - 1) * o);
    System.arraycopy(observation, 0, ring, (window - 1) * o, o);
    if (step % every == 0) {
      if (watch.held()) {
        watch.heldStep();
      } else {
        encode();
      }
    }
    step++;
    System.arraycopy(observation, 0, input, 0, o);
    System.arraycopy(latent, 0, input, o, z);
    policy.compute(input, action);
  }

  private void encode() {
    encoder.compute(ring, fresh);
    double norm = 0;
    double change = 0;
    double moved = 0;
    double[] then = past[pastHead];
    for (int j = 0; j < z; j++) {
      double d = fresh[j] - latent[j];
      change += d * d;
      norm += fresh[j] * fresh[j];
      double s = fresh[j] - then[j];
      moved += s * s;
      latent[j] = fresh[j];
    }
    // the latent one window ago is known once the window has been encoded that many times
    watch.shifted(updates >= past.length ? Math.sqrt(moved) : 0);
    System.arraycopy(fresh, 0, then, 0, z);
    pastHead = (pastHead + 1) % past.length;
    updates++;
    watch.stepped(norm, updates == 1 ? 0 : change);
  }

  private void restart() {
    java.util.Arrays.fill(ring, 0);
    java.util.Arrays.fill(latent, 0);
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
