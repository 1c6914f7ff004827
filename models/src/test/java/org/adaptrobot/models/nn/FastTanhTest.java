package org.adaptrobot.models.nn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FastTanhTest {

  @Test
  void staysWithinTwoTimesTenToTheMinusEightOfMathTanhEverywhere() {
    double worst = 0;
    double previous = -1;
    for (int i = -3_000_000; i <= 3_000_000; i++) {
      double x = i * 1e-5; // [-30, 30], step 1e-5: every grid cell many times
      double f = FastTanh.tanh(x);
      worst = Math.max(worst, Math.abs(f - Math.tanh(x)));
      assertThat(f).as("monotone at %s", x).isGreaterThanOrEqualTo(previous);
      previous = f;
    }
    assertThat(worst).isLessThan(2e-8);
  }

  @Test
  void isOddExactAtZeroAndHandlesNonFiniteInputs() {
    for (double x : new double[] {0.013, 0.7, 3.3, 19.99, 25}) {
      assertThat(FastTanh.tanh(-x)).isEqualTo(-FastTanh.tanh(x));
    }
    assertThat(FastTanh.tanh(0.0)).isEqualTo(0.0);
    assertThat(FastTanh.tanh(Double.POSITIVE_INFINITY)).isEqualTo(1.0);
    assertThat(FastTanh.tanh(Double.NEGATIVE_INFINITY)).isEqualTo(-1.0);
    assertThat(FastTanh.tanh(Double.NaN)).isNaN();
  }

  @Test
  void sigmoidStaysWithinTenToTheMinusEightOfTheExactOne() {
    double worst = 0;
    for (int i = -400_000; i <= 400_000; i++) {
      double x = i * 1e-4;
      worst = Math.max(worst, Math.abs(FastTanh.sigmoid(x) - Activation.sigmoid(x)));
    }
    assertThat(worst).isLessThan(1e-8);
  }
}
