package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The error-level CUSUM against its closed form on a constant error and on noisy errors. */
class ErrorLevelDetectorTest {

  @Test
  void aConstantErrorThatDoublesIsDeclaredWhenTheClosedFormSaysSo() {
    ChangeDetector.Settings s = ErrorLevelDetector.standard();
    ErrorLevelDetector d = new ErrorLevelDetector(s);
    for (int i = 0; i < s.calibration(); i++) {
      assertThat(d.add(0.1)).isFalse();
    }
    assertThat(d.level()).isEqualTo(0.1, org.assertj.core.api.Assertions.within(1e-15));
    // m_k = 0.2 − 0.1 (1 − λ)^k; S_k = Σ max(0, m_i/0.1 − 1.5) until S > 40
    double m = 0.1;
    double stat = 0;
    int expected = 0;
    while (stat <= s.threshold()) {
      m += s.smoothing() * (0.2 - m);
      stat = Math.max(0, stat + m / 0.1 - 1 - s.drift());
      expected++;
    }
    int steps = 0;
    while (!d.add(0.2)) {
      steps++;
      assertThat(steps).isLessThan(10_000);
    }
    assertThat(steps + 1).isEqualTo(expected);
    assertThat(expected).isEqualTo(110);
    assertThat(d.alarmed()).isTrue();
    d.reset();
    assertThat(d.calibrated()).isFalse();
  }

  @Test
  void noisyErrorsWithCommandTransientsRaiseNoAlarmAndATriplingIsFound() {
    ChangeDetector.Settings s = ErrorLevelDetector.standard();
    ErrorLevelDetector d = new ErrorLevelDetector(s);
    SplittableRandom r = new SplittableRandom(4);
    // 60 s at 50 Hz of |N(0, 0.05)| errors with a 10× transient of 10 steps every 2 s
    for (int i = 0; i < 200 * 50 * 60 / 200; i++) {
      double e = Math.abs(0.05 * r.nextGaussian()) * (i % 100 < 10 ? 10 : 1);
      assertThat(d.add(e)).as("step %d", i).isFalse();
    }
    int steps = 0;
    while (!d.add(3 * Math.abs(0.05 * r.nextGaussian()) * (steps % 100 < 10 ? 10 : 1))) {
      steps++;
      assertThat(steps).isLessThan(1000);
    }
    assertThat(steps).as("steps to declare a tripling").isLessThan(150);
  }
}
