package org.adaptrobot.runtime.adaptation;

/**
 * Change detection from a model's own predictive likelihood: a one-sided CUSUM (Page 1954) on the
 * standardised one-step-ahead squared error of the adapted model,
 *
 * <pre>
 *   zₜ = (1/D) Σₖ rₖ² / (s σₖ²)                 the predictive distribution's own yardstick
 *   uₜ = (zₜ − μ₀) / σ₀                          μ₀, σ₀ measured on unchanged dynamics when the
 *                                                bundle was made (so no blind window on the robot)
 *   ūₜ = (1 − a) ūₜ₋₁ + a·min(uₜ, clip)          optional smoothing (a = 1: none)
 *   Sₜ = max(0, Sₜ₋₁ + ūₜ − drift)               alarm when Sₜ > threshold
 * </pre>
 *
 * While the model predicts as well as it did on unchanged dynamics, u has mean 0 and the drift
 * keeps S near zero; after a change the model's errors are large compared with its own predicted
 * spread, and S climbs within a few steps. Because z is computed with the posterior in use, an
 * alarm is followed by adaptation and the statistic comes back to normal by itself; after an alarm
 * the detector holds off for {@code holdOffSteps} while the model re-adapts, then re-arms. The
 * clip bounds what one glitch can add. Allocation-free; one thread.
 */
public final class LikelihoodChangeDetector {

  private final double nominalMean;
  private final double nominalStd;
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
    this.nominalStd = nominalStd;
    this.smoothing = settings.smoothing();
    this.drift = settings.drift();
    this.threshold = settings.threshold();
    this.clip = settings.clip();
    this.holdOffSteps = holdOffSteps;
  }

  /** The standard settings for this detector: no smoothing, drift 1, threshold 20, clip 10. */
  public static ChangeDetector.Settings standardSettings() {
    return new ChangeDetector.Settings(4, 1.0, 1.0, 20, 10);
  }

  /**
   * One step's statistic z (non-finite values are skipped). Returns true when it raises an alarm.
   */
  public boolean add(double z) {
    if (!Double.isFinite(z)) {
      return false;
    }
    double u = Math.min((z - nominalMean) / nominalStd, clip);
    smoothed = smoothing >= 1 ? u : (1 - smoothing) * smoothed + smoothing * u;
    if (holdOff > 0) {
      holdOff--;
      return false;
    }
    statistic = Math.max(0, statistic + smoothed - drift);
    if (statistic > threshold) {
      alarms++;
      statistic = 0;
      holdOff = holdOffSteps;
      return true;
    }
    return false;
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
