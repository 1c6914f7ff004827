package org.adaptrobot.runtime.adaptation;

/**
 * Detects a lasting rise of the dynamics model's one-step prediction error: a one-sided CUSUM (Page
 * 1954) on the residual normalised by its own baseline.
 *
 * <p>Each step gives a residual r ≥ 0 (from the {@link AdaptationEngine}: the squared norm of the
 * exponentially smoothed one-step prediction residual of the model in use, normalised units). The
 * first {@code calibration} residuals after a {@link #reset} set the baseline μ₀ (their mean). Then
 * x = min(r/μ₀, clip) and S ← max(0, S + x − 1 − drift); a change is declared when S exceeds {@code
 * threshold}. Because the model predicts the effect of the commanded action, commanded
 * accelerations do not raise r; the clip bounds what a single outlier (a bump, a sensor glitch) can
 * add, so at least ⌈threshold / (clip − 1 − drift)⌉ consecutive extreme steps are needed.
 *
 * <p>Defaults ({@link #standard()}): calibration 250 steps, drift 0.5 (a rise of the mean error by
 * less than 50 % is ignored), threshold 40, clip 10. A change that multiplies the mean error by ρ
 * is detected after about 40 / (ρ − 1.5) steps: 27 steps (0.54 s at 50 Hz) for ρ = 3.
 *
 * <p>Allocation-free; used by one thread (the adaptation thread).
 */
public final class ChangeDetector {

  private final int calibration;
  private final double drift;
  private final double threshold;
  private final double clip;

  private int seen;
  private double baselineSum;
  private double baseline = Double.NaN;
  private double statistic;
  private boolean alarmed;

  public ChangeDetector(int calibration, double drift, double threshold, double clip) {
    if (calibration < 1 || !(drift >= 0) || !(threshold > 0) || !(clip > 1 + drift)) {
      throw new IllegalArgumentException(
          "change detector: need calibration >= 1, drift >= 0, threshold > 0, clip > 1 + drift;"
              + " got "
              + calibration
              + ", "
              + drift
              + ", "
              + threshold
              + ", "
              + clip);
    }
    this.calibration = calibration;
    this.drift = drift;
    this.threshold = threshold;
    this.clip = clip;
  }

  public static ChangeDetector standard() {
    return new ChangeDetector(250, 0.5, 40, 10);
  }

  /** Forgets the baseline and the statistic (after an adaptation, or on request). */
  public void reset() {
    seen = 0;
    baselineSum = 0;
    baseline = Double.NaN;
    statistic = 0;
    alarmed = false;
  }

  /**
   * Adds one residual; returns true on the step a change is declared (once, until {@link #reset}).
   * Non-finite residuals count as the largest allowed value.
   */
  public boolean add(double residual) {
    double r = Double.isFinite(residual) && residual >= 0 ? residual : Double.POSITIVE_INFINITY;
    if (seen < calibration) {
      if (Double.isFinite(r)) {
        baselineSum += r;
        seen++;
        if (seen == calibration) {
          // a perfect model on noise-free data would give 0: keep the ratio finite
          baseline = Math.max(baselineSum / calibration, 1e-12);
        }
      }
      return false;
    }
    if (alarmed) {
      return false;
    }
    double x = Math.min(r / baseline, clip);
    statistic = Math.max(0, statistic + x - 1 - drift);
    alarmed = statistic > threshold;
    return alarmed;
  }

  public boolean calibrated() {
    return seen >= calibration;
  }

  /** Mean residual of the calibration window (NaN before it is complete). */
  public double baseline() {
    return baseline;
  }

  /** The CUSUM statistic S. */
  public double statistic() {
    return statistic;
  }

  public boolean alarmed() {
    return alarmed;
  }

  public double threshold() {
    return threshold;
  }
}
