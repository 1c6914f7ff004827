package org.adaptrobot.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatentResponseTest {

  static final double DT = 0.02;
  static final int CHANGE = 500;
  static final int STEPS = 1250;

  /** Two dimensions moving from (0.3, −0.2) by (0.6, 0.8) as 1 − e^(−s/τ) after the change. */
  static double[] firstOrder(double tau) {
    double[] z = new double[STEPS * 2];
    for (int t = 0; t < STEPS; t++) {
      double s = (t - CHANGE + 1) * DT;
      double f = t < CHANGE ? 0 : tau == 0 ? 1 : 1 - Math.exp(-s / tau);
      z[2 * t] = 0.3 + 0.6 * f;
      z[2 * t + 1] = -0.2 + 0.8 * f;
    }
    return z;
  }

  @Test
  void aFirstOrderResponseRisesWhenItsTrailingMeanReachesNinetyPercent() {
    double tau = 0.1;
    LatentResponse r = LatentResponse.of(firstOrder(tau), 2, DT, CHANGE, 5, 0.2);
    // the step is ‖(0.6, 0.8)‖ = 1 (e^(−150) of it is still missing at the end)
    assertThat(r.step()).isCloseTo(1.0, within(1e-9));
    assertThat(r.wander()).isCloseTo(0, within(1e-12));
    // mean of 1 − e^(−s/τ) over the last 0.2 s = 1 − (τ/0.2) e^(−s/τ) (e^(0.2/τ) − 1) = 0.9 at
    // s = τ ln(10 (e^(0.2/τ) − 1) τ / 0.2) (continuous time; the trace samples every 20 ms)
    double closedForm = tau * Math.log(10 * (Math.exp(0.2 / tau) - 1) * tau / 0.2);
    assertThat(r.riseSeconds()).isCloseTo(closedForm, within(0.03));
    // without smoothing: τ ln 10
    LatentResponse raw = LatentResponse.of(firstOrder(tau), 2, DT, CHANGE, 5, DT);
    assertThat(raw.riseSeconds()).isCloseTo(tau * Math.log(10), within(DT));
  }

  @Test
  void aStepRisesInNinetyPercentOfTheSmoothingAndNoStepNever() {
    LatentResponse step = LatentResponse.of(firstOrder(0), 2, DT, CHANGE, 5, 0.2);
    assertThat(step.riseSeconds()).isCloseTo(0.18, within(1e-9));
    double[] flat = new double[STEPS * 2];
    for (int t = 0; t < STEPS; t++) {
      flat[2 * t] = (t % 2 == 0) ? 0.1 : -0.1; // wander only
    }
    LatentResponse none = LatentResponse.of(flat, 2, DT, CHANGE, 5, 0.2);
    assertThat(none.wander()).isCloseTo(0.1, within(1e-9));
    assertThat(none.step()).isLessThan(1e-9);
  }

  @Test
  void aTraceTooShortForTheSpanIsRefusedNamingBoth() {
    assertThatThrownBy(() -> LatentResponse.of(new double[200], 2, DT, 50, 5, 0.2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100 steps")
        .hasMessageContaining("step 50");
  }
}
