package org.adaptrobot.runtime.adaptation;

/**
 * Change detection from a model's own predictive likelihood: a one-sided CUSUM (Page 1954) on a
 * statistic z of the model's prediction errors measured in its own predicted noise (for the
 * Bayesian last layer: {@code KStepErrorStatistic}, the k-step open-loop error of a slowly
 * forgetting reference posterior),
 *
 * <pre>
 *   zₜ                                           e.g. (1/D) Σ (x̂ − x)² / (k σ²)
 *   uₜ = (zₜ − μ) / σ                            μ, σ: the nominal level and spread of z, from the
 *                                                bundle's calibration (no blind window on the robot)
 *                                                refined by what this robot shows
 *   ūₜ = (1 − a) ūₜ₋₁ + a·min(uₜ, clip)          optional smoothing (a = 1: none)
 *   Sₜ = max(0, Sₜ₋₁ + ūₜ − drift)               alarm when Sₜ > threshold
 * </pre>
 *
 * While the model predicts as well as it did on unchanged dynamics, u has mean 0 and the drift
 * keeps S near zero; after a change the model's errors are large compared with its own predicted
 * spread, and S climbs within a few steps. The reference posterior learns too, slowly, so after an
 * alarm (which also shrinks it toward the prior) the statistic comes back to normal; after an alarm
 * the detector holds off for {@code holdOffSteps} while the model re-adapts, then re-arms. The clip
 * bounds what one glitch can add.
 *
 * <p>The nominal level starts at the bundle's calibration, measured on unchanged simulated dynamics
 * when the bundle was made, which counts as {@link #CALIBRATION_WEIGHT} steps of evidence; every
 * step that looks nominal (the statistic well below the threshold, not holding off) then refines
 * it, as a running mean over at most {@link #MEMORY_STEPS} steps. A robot whose sensors are quieter
 * or noisier than the simulation's is thereby judged against itself within seconds, while the
 * detector works from the first step. Allocation-free; one thread.
 */
public final class LikelihoodChangeDetector {

  /** Steps of evidence the bundle's calibration counts as. */
  public static final int CALIBRATION_WEIGHT = 50;

  /** The longest memory of the nominal level, steps. */
  public static final int MEMORY_STEPS = 2000;

  private double nominalMean;
  private double nominalSpread;
  private long evidence = CALIBRATION_WEIGHT;
  private final double smoothing;
  private final double drift;
  private final double threshold;
  private final double clip;
  private final int holdOffSteps;
  private double smoothed;
  private double statistic;
  private int holdOff;
  private long alarms;

  /**
   * @param nominalMean μ₀ of z on unchanged dynamics
   * @param nominalStd σ₀ of z on unchanged dynamics
   * @param settings smoothing, drift, threshold and clip (its calibration length is not used: the
   *     calibration comes with the bundle)
   * @param holdOffSteps steps after an alarm before the detector re-arms
   */
  public LikelihoodChangeDetector(
      double nominalMean, double nominalStd, ChangeDetector.Settings settings, int holdOffSteps) {
    if (!(nominalStd > 0) || !Double.isFinite(nominalMean)) {
      throw new IllegalArgumentException(
          "likelihood detector: nominal std must be > 0 and the mean finite");
    }
    this.nominalMean = nominalMean;
    this.nominalSpread = nominalStd;
    this.smoothing = settings.smoothing();
    this.drift = settings.drift();
    this.threshold = settings.threshold();
    this.clip = settings.clip();
    this.holdOffSteps = holdOffSteps;
  }

  /**
   * The standard settings for this detector: smoothing 0.5, drift 2.5, threshold 40, clip 4. Chosen
   * on recorded statistics of the shipped model on the simulated robot (an hour of unchanged
   * driving and 10 seeds of five changes, replayed offline through a grid of settings): the old
   * ones (no smoothing, drift 1, threshold 20, clip 10) raised 885 alarms in that hour — every
   * set-point step's transient looked like a change once the nominal level had adapted to the
   * robot; these raise none there, and still flag a sagging battery or a held-out combination
   * within a second, while a payload or a weak motor alone moves the statistic too little to be
   * told from those transients (the posterior adapts to them all the same).
   */
  public static ChangeDetector.Settings standardSettings() {
    return new ChangeDetector.Settings(8, 0.5, 2.5, 40, 4);
  }

  /**
   * One step's statistic z (non-finite values are skipped). Returns true when it raises an alarm.
   */
  public boolean add(double z) {
    if (!Double.isFinite(z)) {
      return false;
    }
    double u = Math.min((z - nominalMean) / nominalSpread, clip);
    smoothed = smoothing >= 1 ? u : (1 - smoothing) * smoothed + smoothing * u;
    if (holdOff > 0) {
      holdOff--;
      return false;
    }
    statistic = Math.max(0, statistic + smoothed - drift);
    if (statistic < 0.25 * threshold && u < clip) {
      // looks nominal: refine the level and the spread (mean absolute deviation × √(π/2), the
      // standard deviation of a normal variable; robust to the heavy tail of squared errors)
      double w = 1.0 / Math.min(++evidence, MEMORY_STEPS);
      double dev = Math.abs(z - nominalMean) * 1.2533;
      nominalMean += w * (z - nominalMean);
      nominalSpread = Math.max(1e-6, nominalSpread + w * (dev - nominalSpread));
    }
    if (statistic > threshold) {
      alarms++;
      statistic = 0;
      holdOff = holdOffSteps;
      return true;
    }
    return false;
  }

  /** The nominal level of z now. */
  public double nominalMean() {
    return nominalMean;
  }

  /** The nominal spread of z now. */
  public double nominalSpread() {
    return nominalSpread;
  }

  /** The CUSUM statistic now. */
  public double statistic() {
    return statistic;
  }

  public long alarms() {
    return alarms;
  }

  /** Forgets the running sums (after a reset of the model). */
  public void reset() {
    statistic = 0;
    smoothed = 0;
    holdOff = 0;
  }
}
