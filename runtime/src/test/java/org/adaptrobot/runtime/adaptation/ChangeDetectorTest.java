package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChangeDetectorTest {

  /** Component scales of unlike channels: a wheel speed, a quiet one, a noisy voltage. */
  static final double[] SIGMA = {0.02, 0.001, 0.5, 0.02, 0.01, 0.03, 0.005};

  static final ChangeDetector.Settings STANDARD = ChangeDetector.Settings.standard();

  /** Fills e with zero-mean Gaussian residuals of the given scales plus a bias. */
  private static double[] residual(SplittableRandom r, double[] e, double[] bias) {
    for (int j = 0; j < e.length; j++) {
      e[j] = SIGMA[j] * r.nextGaussian() + (bias == null ? 0 : bias[j]);
    }
    return e;
  }

  private static ChangeDetector calibrated(SplittableRandom r) {
    ChangeDetector d = new ChangeDetector(STANDARD, SIGMA.length);
    double[] e = new double[SIGMA.length];
    for (int i = 0; i < STANDARD.calibration(); i++) {
      assertThat(d.add(residual(r, e, null), 0)).isFalse();
    }
    assertThat(d.calibrated()).isTrue();
    return d;
  }

  @Test
  void noAlarmOverAMillionStepsOfUnchangedDynamics() {
    // 1e6 steps = 5.5 hours at 50 Hz
    for (long seed = 1; seed <= 3; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      ChangeDetector d = calibrated(r);
      double[] e = new double[SIGMA.length];
      int alarms = 0;
      for (int i = 0; i < 1_000_000; i++) {
        alarms += d.add(residual(r, e, null), 0) ? 1 : 0;
      }
      assertThat(alarms).as("seed %d", seed).isZero();
    }
  }

  @Test
  void aBiasOfOneSigmaInTheQuietestChannelIsFoundUnderTheNoisyOnes() {
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      ChangeDetector d = calibrated(r);
      double[] e = new double[SIGMA.length];
      for (int i = 0; i < 2000; i++) {
        assertThat(d.add(residual(r, e, null), 0)).isFalse();
      }
      // the model is now wrong by 1 sigma in channel 1 only: 0.001, 500 times below channel 2's
      // noise; without per-channel scaling it would vanish
      double[] bias = new double[SIGMA.length];
      bias[1] = SIGMA[1];
      int steps = 0;
      while (!d.add(residual(r, e, bias), 0)) {
        steps++;
        assertThat(steps).as("seed %d: still undetected", seed).isLessThan(150);
      }
      // the smoothing needs about 20 steps to pick the bias up, then S climbs by about 4 a step
      assertThat(steps).as("seed %d", seed).isBetween(5, 149);
    }
  }

  @Test
  void glitchesAreBoundedAndOnlyAPersistentFaultRaisesAnAlarm() {
    SplittableRandom r = new SplittableRandom(5);
    ChangeDetector d = calibrated(r);
    double[] e = new double[SIGMA.length];
    // a glitch every 50 steps, 1000 sigma in every channel, and NaN every 100: never an alarm
    for (int i = 0; i < 100_000; i++) {
      residual(r, e, null);
      if (i % 100 == 0) {
        e[3] = Double.NaN;
      } else if (i % 50 == 0) {
        for (int j = 0; j < e.length; j++) {
          e[j] = 1000 * SIGMA[j];
        }
      }
      assertThat(d.add(e, 0)).as("step %d", i).isFalse();
    }
    // a channel that stops answering (NaN every step) counts x = clip = 10, S += 8 per step:
    // twelve steps reach 96 (below the threshold of 100), the thirteenth raises the alarm
    ChangeDetector f = calibrated(new SplittableRandom(6));
    double[] dead = new double[SIGMA.length];
    dead[0] = Double.NaN;
    for (int i = 0; i < 12; i++) {
      assertThat(f.add(dead, 0)).isFalse();
    }
    assertThat(f.statistic()).isEqualTo(96.0);
    assertThat(f.add(dead, 0)).isTrue();
    assertThat(f.alarmed()).isTrue();
  }

  @Test
  void resetRecalibratesToTheNewErrorLevel() {
    SplittableRandom r = new SplittableRandom(7);
    ChangeDetector d = calibrated(r);
    assertThat(d.scale(2)).isCloseTo(0.5, org.assertj.core.data.Percentage.withPercentage(10));
    d.reset();
    assertThat(d.calibrated()).isFalse();
    // after the change the error is four times larger everywhere: once recalibrated, that is the
    // new normal
    double[] e = new double[SIGMA.length];
    for (int i = 0; i < STANDARD.calibration(); i++) {
      residual(r, e, null);
      for (int j = 0; j < e.length; j++) {
        e[j] *= 4;
      }
      assertThat(d.add(e, 0)).isFalse();
    }
    assertThat(d.scale(2)).isCloseTo(2.0, org.assertj.core.data.Percentage.withPercentage(10));
    for (int i = 0; i < 100_000; i++) {
      residual(r, e, null);
      for (int j = 0; j < e.length; j++) {
        e[j] *= 4;
      }
      assertThat(d.add(e, 0)).isFalse();
    }
  }

  @Test
  void invalidSettingsAreNamed() {
    assertThatThrownBy(() -> new ChangeDetector.Settings(500, 0.05, 0.5, 40, 1.2))
        .hasMessageContaining("clip > 1 + drift");
    assertThatThrownBy(() -> new ChangeDetector.Settings(50, 0.05, 1, 40, 10))
        .hasMessageContaining("calibration >= 4 / smoothing")
        .hasMessageContaining("calibration 50");
    assertThatThrownBy(() -> new ChangeDetector(STANDARD, 0))
        .hasMessageContaining("at least one residual component");
  }
}
