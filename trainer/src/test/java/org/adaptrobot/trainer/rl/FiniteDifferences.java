package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.function.ToDoubleFunction;

/** The tests' gradient check: central differences, step 1e-6, component by component. */
final class FiniteDifferences {

  private FiniteDifferences() {}

  /**
   * Asserts that each component of {@code grad} is within {@code abs + rel·|fd|} of the central
   * difference of {@code loss} at {@code at}; returns the largest |fd| (to show the loss depends on
   * the parameters at all).
   */
  static double assertGradient(
      double[] at, double[] grad, ToDoubleFunction<double[]> loss, double abs, double rel) {
    double h = 1e-6;
    double worst = 0;
    for (int i = 0; i < at.length; i++) {
      double[] plus = at.clone();
      double[] minus = at.clone();
      plus[i] += h;
      minus[i] -= h;
      double fd = (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / (2 * h);
      assertThat(grad[i]).as("parameter %d", i).isCloseTo(fd, offset(abs + rel * Math.abs(fd)));
      worst = Math.max(worst, Math.abs(fd));
    }
    return worst;
  }
}
