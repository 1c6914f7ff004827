package org.adaptrobot.models.bayes;

/**
 * The change detector's statistic for a dynamics model with a Bayesian last layer: how far the
 * model's k-step open-loop prediction lands from where the system went, in units of its noise. From
 * the observation k steps ago, the model is rolled forward over the k actions that were then
 * applied (exogenous components, such as set-points, taken as they happened), and
 *
 * <pre>
 *   z = (1/D) Σₖ (x̂ₖ − xₖ)² / (k σₖ²)        over the D monitored components
 * </pre>
 *
 * One-step errors are dominated by sensor noise and barely move when a motor weakens or a payload
 * is added (the velocity changes little within one period); over k steps the model's bias
 * accumulates linearly while independent noise grows with √k, so a change stands out. The same code
 * computes the statistic when a bundle is calibrated and on the robot. Allocation-free after
 * construction; one thread.
 */
public final class KStepErrorStatistic {

  /** The features of a model input (observation then action), constant last, into {@code phi}. */
  @FunctionalInterface
  public interface Features {
    void of(double[] input, double[] phi);
  }

  private final int k;
  private final int obsSize;
  private final int actSize;
  private final boolean[] held;
  private final boolean[] monitored;
  private final double[] noise;
  private final int monitoredCount;
  private final double[] observations; // ring of k + 1 observations
  private final double[] actions; // ring of k + 1 actions
  private final double[] state;
  private final double[] input;
  private final double[] phi;
  private final double[] delta;
  private long pushed;

  /**
   * @param steps k
   * @param held components whose change is defined as zero (taken from the record instead)
   * @param monitored components the statistic covers
   * @param noise one-step noise variance per component
   * @param features the model's feature map (m values)
   */
  public KStepErrorStatistic(
      int steps,
      int observationSize,
      int actionSize,
      boolean[] held,
      boolean[] monitored,
      double[] noise,
      int features) {
    this.k = steps;
    this.obsSize = observationSize;
    this.actSize = actionSize;
    this.held = held.clone();
    this.monitored = monitored.clone();
    this.noise = noise.clone();
    int count = 0;
    for (boolean b : monitored) {
      count += b ? 1 : 0;
    }
    this.monitoredCount = Math.max(1, count);
    this.observations = new double[(k + 1) * obsSize];
    this.actions = new double[(k + 1) * actSize];
    this.state = new double[obsSize];
    this.input = new double[obsSize + actSize];
    this.phi = new double[features];
    this.delta = new double[obsSize];
  }

  /**
   * The components the statistic watches: the monitored ones except the previous actions ({@code
   * prev_<action>}), which are the actions themselves and say nothing about the robot, while their
   * tiny learned noise would let any rounding in them swamp the rest.
   */
  public static boolean[] watched(java.util.List<String> names, boolean[] monitored) {
    boolean[] w = new boolean[names.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = monitored[i] && !names.get(i).startsWith("prev_");
    }
    return w;
  }

  public int steps() {
    return k;
  }

  /** Records this step's observation and the action applied after it. */
  public void push(double[] observation, double[] action) {
    int slot = (int) (pushed % (k + 1));
    System.arraycopy(observation, 0, observations, slot * obsSize, obsSize);
    System.arraycopy(action, 0, actions, slot * actSize, actSize);
    pushed++;
  }

  /** Forgets the record (after a gap, when the robot was inactive). */
  public void clear() {
    pushed = 0;
  }

  /**
   * The statistic for the newest observation, predicted from the one k steps before with the last
   * layer {@code mean} (m × outputs); NaN until k + 1 observations are recorded.
   */
  public double statistic(LastLayerPosterior posterior, Features features) {
    if (pushed < k + 1) {
      return Double.NaN;
    }
    double[] mean = posterior.mean();
    int m = phi.length;
    int first = (int) ((pushed - k - 1) % (k + 1));
    System.arraycopy(observations, first * obsSize, state, 0, obsSize);
    for (int j = 0; j < k; j++) {
      int slot = (first + j) % (k + 1);
      for (int i = 0; i < obsSize; i++) {
        // exogenous components as they happened
        input[i] = held[i] ? observations[slot * obsSize + i] : state[i];
      }
      System.arraycopy(actions, slot * actSize, input, obsSize, actSize);
      features.of(input, phi);
      for (int o = 0; o < obsSize; o++) {
        double s = 0;
        for (int i = 0; i < m; i++) {
          s += mean[i * obsSize + o] * phi[i];
        }
        delta[o] = s;
      }
      for (int o = 0; o < obsSize; o++) {
        if (!held[o]) {
          state[o] = input[o] + delta[o];
        }
      }
    }
    int last = (int) ((pushed - 1) % (k + 1));
    double z = 0;
    for (int o = 0; o < obsSize; o++) {
      if (monitored[o]) {
        double e = state[o] - observations[last * obsSize + o];
        z += e * e / (k * noise[o]);
      }
    }
    return z / monitoredCount;
  }
}
