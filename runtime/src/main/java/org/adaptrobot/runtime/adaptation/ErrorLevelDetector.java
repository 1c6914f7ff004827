package org.adaptrobot.runtime.adaptation;

/**
 * Detects a lasting rise of a non-negative error (the tracking error √(−r) a reward gives) over its
 * calibrated level, by a CUSUM on the smoothed ratio:
 *
 * <pre>
 *   m ← m + λ (e − m)                 (exponential smoothing, from the calibrated level)
 *   x = min(m / ē, clip)              (ē the mean error over the calibration steps)
 *   S ← max(0, S + x − 1 − drift)     change declared when S &gt; threshold
 * </pre>
 *
 * Unlike {@link ChangeDetector} the error is not centred or scaled by its spread: a tracking error
 * is positive and its spread is as large as its level, so the ratio to the level is what moves when
 * the robot changes. The smoothing (about 1/λ steps) keeps the transients of a new command from
 * adding up; a rise to (1 + drift) times the level is ignored. Defaults ({@link #standard()}):
 * calibration 500 steps (10 s at 50 Hz), λ = 0.02, drift 0.25, threshold 40, clip 10 — a doubling
 * of the error is declared 110 steps after it (2.2 s at 50 Hz), a tripling after 63. Drift 0.25
 * rather than 0.5: the MAML-RL policy's tracking error grows about 1.5 times when the left motor
 * weakens, which drift 0.5 never declared (recovery benchmark, 4 seeds); the price is chance alarms
 * on some policies, which the recovery benchmark's unchanged runs count. Allocation free; one
 * thread.
 */
public final class ErrorLevelDetector {

  private final ChangeDetector.Settings s;
  private long seen;
  private double sum;
  private double level;
  private double smoothed;
  private double statistic;
  private boolean alarmed;

  public ErrorLevelDetector(ChangeDetector.Settings settings) {
    this.s = settings;
  }

  /** The defaults for a tracking error at 50 Hz. */
  public static ChangeDetector.Settings standard() {
    return new ChangeDetector.Settings(500, 0.02, 0.25, 40, 10);
  }

  /** Adds one error value; true when this value makes the change declared. */
  public boolean add(double e) {
    if (!Double.isFinite(e) || e < 0) {
      return false;
    }
    if (seen < s.calibration()) {
      sum += e;
      if (++seen == s.calibration()) {
        level = Math.max(sum / seen, 1e-12);
        smoothed = level;
      }
      return false;
    }
    if (alarmed) {
      return false;
    }
    smoothed += s.smoothing() * (e - smoothed);
    double x = Math.min(smoothed / level, s.clip());
    statistic = Math.max(0, statistic + x - 1 - s.drift());
    alarmed = statistic > s.threshold();
    return alarmed;
  }

  /** Starts calibrating again (after the robot's parameters changed). */
  public void reset() {
    seen = 0;
    sum = 0;
    level = 0;
    smoothed = 0;
    statistic = 0;
    alarmed = false;
  }

  public boolean alarmed() {
    return alarmed;
  }

  public boolean calibrated() {
    return seen >= s.calibration();
  }

  /** The calibrated error level (0 before calibration). */
  public double level() {
    return level;
  }

  /** The CUSUM statistic S. */
  public double statistic() {
    return statistic;
  }
}
