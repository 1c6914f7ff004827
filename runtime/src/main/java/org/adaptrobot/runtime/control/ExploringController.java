package org.adaptrobot.runtime.control;

import java.util.SplittableRandom;

/**
 * A Gaussian policy's controller that can explore: it runs the policy graph's mean (the wrapped
 * controller) and, while the current {@link Plan} asks for it, adds σ·ε with σ = exp(log_std) of
 * the plan's parameters and standard normal ε, as the policy samples in training. Plans
 * (parameters, a version, exploring or not) come from the adaptation thread through one volatile
 * reference; the controller takes a new plan up at the start of its next step (so a step never
 * mixes two) and remembers which plan each step ran under, for the step listener that records
 * rollouts. Nothing on the loop thread allocates or waits.
 */
public final class ExploringController implements PolicyController {

  /** Parameters to run, their version (≥ 1) and whether to add exploration noise. */
  public record Plan(double[] parameters, long version, boolean explore) {}

  private final PolicyController inner;
  private final int logStdOffset;
  private final double[] sigma;
  private final SplittableRandom random;
  private volatile Plan pending;
  private Plan current;
  private long lastVersion;
  private boolean lastExplored;

  /**
   * @param inner the controller of the policy graph (its action is the mean)
   * @param logStdOffset where the {@code log_std} tensor starts in the parameter vector
   * @param seed the exploration noise's stream
   */
  public ExploringController(PolicyController inner, int logStdOffset, long seed) {
    this.inner = inner;
    this.logStdOffset = logStdOffset;
    this.sigma = new double[inner.actionSize()];
    this.random = new SplittableRandom(seed);
    this.current = new Plan(inner.parameters(), 1, false);
    this.lastVersion = 1;
    if (logStdOffset < 0 || logStdOffset + sigma.length > current.parameters().length) {
      throw new IllegalArgumentException(
          "exploration: log_std at "
              + logStdOffset
              + " does not fit "
              + current.parameters().length
              + " parameters");
    }
    sigmas(current.parameters());
  }

  /** Hands over a plan (any thread); taken up at the start of the next step. */
  public void plan(Plan p) {
    PolicyController.checkLength(p.parameters(), current.parameters(), "exploration plan");
    pending = p;
  }

  /** The plan in use (the last one taken up). */
  public Plan current() {
    return current;
  }

  /** The version of the plan the last step ran under (loop thread). */
  public long lastVersion() {
    return lastVersion;
  }

  /** Whether the last step added exploration noise (loop thread). */
  public boolean lastExplored() {
    return lastExplored;
  }

  private void sigmas(double[] params) {
    for (int j = 0; j < sigma.length; j++) {
      sigma[j] = Math.exp(params[logStdOffset + j]);
    }
  }

  @Override
  public void compute(double[] observation, double[] action) {
    Plan p = pending;
    if (p != null && p != current) {
      inner.publish(p.parameters());
      sigmas(p.parameters());
      current = p;
    }
    inner.compute(observation, action);
    lastVersion = current.version();
    lastExplored = current.explore();
    if (current.explore()) {
      for (int j = 0; j < sigma.length; j++) {
        action[j] += sigma[j] * org.adaptrobot.models.nn.GaussianPolicy.standardNormal(random);
      }
    }
  }

  @Override
  public int observationSize() {
    return inner.observationSize();
  }

  @Override
  public int actionSize() {
    return inner.actionSize();
  }

  @Override
  public void reset() {
    inner.reset();
  }

  /** Runs these parameters without exploring, as a new version. */
  @Override
  public void publish(double[] parameters) {
    plan(new Plan(parameters, Math.max(current.version(), peekVersion()) + 1, false));
  }

  private long peekVersion() {
    Plan p = pending;
    return p == null ? 0 : p.version();
  }

  @Override
  public double[] parameters() {
    return current.parameters();
  }

  @Override
  public boolean hasPendingParameters() {
    Plan p = pending;
    return p != null && p != current;
  }

  @Override
  public void close() {
    inner.close();
  }
}
