package org.adaptrobot.runtime.adaptation;

import java.util.Arrays;

/**
 * Detects a lasting shift of a model's one-step prediction residuals: the residual vector,
 * exponentially smoothed, and a one-sided CUSUM (Page 1954) on the squared norm of the smoothed
 * vector relative to its calibrated level.
 *
 * <p>Each step gives a residual vector e (from the {@link AdaptationEngine}: prediction minus
 * outcome of the meta-trained network, in its normalised units, for the components the network is
 * responsible for). The first {@code calibration} vectors after a {@link #reset} are kept; from
 * them come each component's spread σ_j (1.4826 × its median absolute deviation: the standard
 * deviation for Gaussian values, unmoved by a glitch in the window) and — running them through the
 * smoothing from zero and skipping its first ⌈2/λ⌉ steps — the mean level T̄ of the statistic
 * below. Then every step:
 *
 * <pre>
 *   z_j = max(−5σ_j, min(5σ_j, e_j))          (a glitch counts as 5 σ at most)
 *   m_j ← m_j + λ (z_j − m_j)                (exponential smoothing, weight λ)
 *   T   = Σ_j m_j²
 *   x   = min(T / T̄, clip)
 *   S   ← max(0, S + x − 1 − drift)           change declared when S &gt; threshold
 * </pre>
 *
 * <p>Why this form. A changed robot makes the model wrong in a consistent direction; the smoothing
 * keeps such a bias while sensor noise, different every step, averages away (a plain squared error
 * buries a modest change under the noise). The residuals are neither centred nor scaled per
 * component: a learned model's error has a bias that depends on where the robot operates (its
 * speed, its turning), and on recorded runs of the simulated diff-drive robot both centring on the
 * calibration mean and scaling each component by its spread turned changes of operating point into
 * alarms, or buried real changes under a quiet component's bias. Commanded accelerations do not
 * raise the residuals, because the model predicts the effect of the commanded action. One outlier
 * moves the smoothed vector by at most 5λσ_j per component, and the clip bounds what a step adds to
 * S: at least ⌈threshold / (clip − 1 − drift)⌉ consecutive extreme steps are needed.
 *
 * <p>Defaults ({@link Settings#standard()}), chosen on recorded runs of the simulated diff-drive
 * robot with the shipped dynamics bundle (random velocity scripts, 48 minutes unchanged: no alarm;
 * 17 changes: 10 detected, median 6 s): calibration 500 steps (10 s at 50 Hz), λ = 0.05 (about 20
 * steps), drift 1 (a doubling of the smoothed level is ignored), threshold 40, clip 10. A shift
 * that multiplies T by ρ is detected after about 40 / (ρ − 2) steps once the smoothing has caught
 * up (about 1/λ steps). Known weakness: T̄ comes from about 25 effectively independent values of
 * the smoothed statistic, so on white noise it is off by ±30 %, and a low estimate makes chance
 * excursions add up (6 to 41 alarms per 10⁶ steps of 7-channel white noise, see the test). The
 * false-alarm rate on the robot is measured by {@code RecoveryBenchmark} and printed in its report.
 *
 * <p>Allocation-free after construction; used by one thread (the adaptation thread).
 */
public final class ChangeDetector {

  /**
   * @param calibration residual vectors that set the scales and the level (at least 4/λ)
   * @param smoothing λ, weight of the newest residual in the smoothed vector, in (0, 1]
   * @param drift rise of x above 1 that is ignored
   * @param threshold CUSUM level at which a change is declared
   * @param clip largest x one step can contribute
   */
  public record Settings(
      int calibration, double smoothing, double drift, double threshold, double clip) {
    public Settings {
      if (!(smoothing > 0 && smoothing <= 1)
          || calibration < Math.ceil(4 / smoothing)
          || !(drift >= 0)
          || !(threshold > 0)
          || !(clip > 1 + drift)) {
        throw new IllegalArgumentException(
            "change detector: need 0 < smoothing <= 1, calibration >= 4 / smoothing, drift >= 0,"
                + " threshold > 0, clip > 1 + drift; got calibration "
                + calibration
                + ", smoothing "
                + smoothing
                + ", drift "
                + drift
                + ", threshold "
                + threshold
                + ", clip "
                + clip);
      }
    }

    public static Settings standard() {
      return new Settings(500, 0.05, 1.0, 40, 10);
    }

    /** The same settings with another threshold. */
    public Settings withThreshold(double threshold) {
      return new Settings(calibration, smoothing, drift, threshold, clip);
    }
  }

  /** Largest |e_j| / σ_j one residual contributes. */
  public static final double LIMIT = 5;

  private final Settings s;
  private final int size;
  private final double[] kept;
  private final double[] column;
  private final double[] scale;
  private final double[] smoothed;

  private int seen;
  private double level = Double.NaN;
  private double statistic;
  private boolean alarmed;

  /**
   * @param size components of each residual vector
   */
  public ChangeDetector(Settings settings, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("change detector: need at least one residual component");
    }
    this.s = settings;
    this.size = size;
    this.kept = new double[settings.calibration() * size];
    this.column = new double[settings.calibration()];
    this.scale = new double[size];
    this.smoothed = new double[size];
  }

  /** Forgets the scales, the level and the statistic (after an adaptation, or on request). */
  public void reset() {
    seen = 0;
    level = Double.NaN;
    statistic = 0;
    alarmed = false;
    Arrays.fill(smoothed, 0);
  }

  /**
   * Adds one residual vector ({@code size} values from {@code offset}); returns true on the step a
   * change is declared (once, until {@link #reset}). A vector with a non-finite value is skipped:
   * non-finite sensor values are the safety layer's business (it stops the robot), not a change of
   * dynamics.
   */
  public boolean add(double[] residual, int offset) {
    if (seen < s.calibration()) {
      for (int j = 0; j < size; j++) {
        if (!Double.isFinite(residual[offset + j])) {
          return false;
        }
      }
      System.arraycopy(residual, offset, kept, seen * size, size);
      if (++seen == s.calibration()) {
        calibrate();
      }
      return false;
    }
    if (alarmed) {
      return false;
    }
    for (int j = 0; j < size; j++) {
      if (!Double.isFinite(residual[offset + j])) {
        return false;
      }
    }
    double x = Math.min(smooth(residual, offset) / level, s.clip());
    statistic = Math.max(0, statistic + x - 1 - s.drift());
    alarmed = statistic > s.threshold();
    return alarmed;
  }

  private void calibrate() {
    int n = s.calibration();
    for (int j = 0; j < size; j++) {
      // robust spread: 1.4826 × the median absolute deviation, so that a glitch inside the
      // calibration window cannot widen the bound that is meant to contain glitches
      for (int i = 0; i < n; i++) {
        column[i] = kept[i * size + j];
      }
      Arrays.sort(column);
      double median = median(column);
      for (int i = 0; i < n; i++) {
        column[i] = Math.abs(kept[i * size + j] - median);
      }
      Arrays.sort(column);
      // a component that never moved (an exact prediction) must not divide by zero
      scale[j] = Math.max(1.4826 * median(column), 1e-12);
    }
    Arrays.fill(smoothed, 0);
    int warm = (int) Math.ceil(2 / s.smoothing());
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double t = smooth(kept, i * size);
      if (i >= warm) {
        sum += t;
      }
    }
    level = Math.max(sum / (n - warm), 1e-300);
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  }

  private double smooth(double[] e, int off) {
    double t = 0;
    double lambda = s.smoothing();
    for (int j = 0; j < size; j++) {
      double bound = LIMIT * scale[j];
      double z = Math.max(-bound, Math.min(bound, e[off + j]));
      smoothed[j] += lambda * (z - smoothed[j]);
      t += smoothed[j] * smoothed[j];
    }
    return t;
  }

  public boolean calibrated() {
    return seen >= s.calibration();
  }

  /** Mean level T̄ of the smoothed statistic over the calibration window (NaN before). */
  public double level() {
    return level;
  }

  /** The robust spread σ_j of component j over the calibration window (0 before). */
  public double scale(int j) {
    return calibrated() ? scale[j] : 0;
  }

  /** The CUSUM statistic S. */
  public double statistic() {
    return statistic;
  }

  public boolean alarmed() {
    return alarmed;
  }

  public Settings settings() {
    return s;
  }

  public int size() {
    return size;
  }
}
