package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChangeDetectorTest {

  /** A residual like the mean of d squared Gaussian errors of standard deviation sigma. */
  private static double residual(SplittableRandom r, int d, double sigma) {
    double s = 0;
    for (int i = 0; i < d; i++) {
      double e = sigma * r.nextGaussian();
      s += e * e;
    }
    return s / d;
  }

  @Test
  void noAlarmOverAMillionStepsOfUnchangedDynamics() {
    // 1e6 steps = 5.5 hours at 50 Hz; residuals of a 9-output model, heavy right tail
    for (long seed = 1; seed <= 3; seed++) {
      ChangeDetector d = ChangeDetector.standard();
      SplittableRandom r = new SplittableRandom(seed);
      int alarms = 0;
      for (int i = 0; i < 1_000_000; i++) {
        alarms += d.add(residual(r, 9, 0.03)) ? 1 : 0;
      }
      assertThat(alarms).as("seed %d", seed).isZero();
    }
  }

  @Test
  void aTripledErrorIsDetectedWithinTheDocumentedBound() {
    for (long seed = 1; seed <= 20; seed++) {
      ChangeDetector d = ChangeDetector.standard();
      SplittableRandom r = new SplittableRandom(seed);
      for (int i = 0; i < 2000; i++) {
        assertThat(d.add(residual(r, 9, 0.03))).isFalse();
      }
      int steps = 0;
      while (!d.add(residual(r, 9, 0.03 * Math.sqrt(3)))) {
        steps++;
        assertThat(steps).as("seed %d: still undetected", seed).isLessThan(100);
      }
      // expected about 40 / (3 - 1.5) = 27 steps; noise allows some spread
      assertThat(steps).as("seed %d", seed).isBetween(8, 99);
    }
  }

  @Test
  void singleOutliersAreBoundedByTheClip() {
    ChangeDetector d = ChangeDetector.standard();
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 300; i++) {
      d.add(residual(r, 9, 0.03));
    }
    // a glitch every 50 steps, 1000 times the usual error, even NaN: never an alarm
    for (int i = 0; i < 100_000; i++) {
      double x = i % 100 == 0 ? Double.NaN : i % 50 == 0 ? 1000 : residual(r, 9, 0.03);
      assertThat(d.add(x)).isFalse();
    }
    // ... but four consecutive maximal steps (4 x 8.5 = 34) stay below the threshold of 40,
    // five (42.5) raise it
    ChangeDetector e = ChangeDetector.standard();
    for (int i = 0; i < 250; i++) {
      e.add(1.0);
    }
    for (int i = 0; i < 4; i++) {
      assertThat(e.add(1e9)).isFalse();
    }
    assertThat(e.add(1e9)).isTrue();
  }

  @Test
  void resetRecalibratesToTheNewErrorLevel() {
    ChangeDetector d = ChangeDetector.standard();
    for (int i = 0; i < 250; i++) {
      d.add(1.0);
    }
    assertThat(d.baseline()).isEqualTo(1.0);
    d.reset();
    assertThat(d.calibrated()).isFalse();
    for (int i = 0; i < 250; i++) {
      d.add(4.0);
    }
    assertThat(d.baseline()).isEqualTo(4.0);
    for (int i = 0; i < 1000; i++) {
      assertThat(d.add(4.0)).isFalse();
    }
  }

  @Test
  void invalidSettingsAreNamed() {
    assertThatThrownBy(() -> new ChangeDetector(250, 0.5, 40, 1.2))
        .hasMessageContaining("clip > 1 + drift");
  }
}
