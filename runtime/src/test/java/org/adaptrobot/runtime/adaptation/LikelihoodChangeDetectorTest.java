package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The likelihood detector on statistics drawn from a known distribution: the mean of 9 squared
 * standard normal errors (χ²₉/9: mean 1, heavy upper tail), as the k-step error statistic is on an
 * unchanged robot.
 */
class LikelihoodChangeDetectorTest {

  static double chiSquare9(Random r) {
    double s = 0;
    for (int i = 0; i < 9; i++) {
      double g = r.nextGaussian();
      s += g * g;
    }
    return s / 9;
  }

  /** The spread the detector's own estimate converges to on χ²₉/9: E|z − 1| · √(π/2). */
  static double spread(Random r) {
    double s = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      s += Math.abs(chiSquare9(r) - 1);
    }
    return s / n * 1.2533;
  }

  @Test
  void twoHoursOfUnchangedStatisticsRaiseNoAlarmAndTheNominalLevelDoesNotDrift() {
    double sigma = spread(new Random(1));
    LikelihoodChangeDetector d =
        new LikelihoodChangeDetector(1.0, sigma, LikelihoodChangeDetector.standardSettings(), 25);
    Random r = new Random(7);
    int steps = 2 * 3600 * 50; // two hours at 50 Hz
    for (int i = 0; i < steps; i++) {
      d.add(chiSquare9(r));
    }
    System.out.printf(
        "after %d unchanged steps: %d alarms, nominal mean %.4f (true 1), spread %.4f (true %.4f)%n",
        steps, d.alarms(), d.nominalMean(), d.nominalSpread(), sigma);
    assertThat(d.alarms()).isZero();
    // refining only on what looks nominal must not shrink the level and spread without bound
    assertThat(d.nominalMean()).isBetween(0.9, 1.1);
    assertThat(d.nominalSpread()).isBetween(0.8 * sigma, 1.2 * sigma);
  }

  @Test
  void aTriplingOfTheErrorsIsDetectedWithinTwoSecondsEvenAfterAnHourOfRefinement() {
    double sigma = spread(new Random(1));
    LikelihoodChangeDetector d =
        new LikelihoodChangeDetector(1.0, sigma, LikelihoodChangeDetector.standardSettings(), 25);
    Random r = new Random(11);
    for (int i = 0; i < 3600 * 50; i++) {
      d.add(chiSquare9(r));
    }
    long before = d.alarms();
    int delay = -1;
    for (int i = 0; i < 500 && delay < 0; i++) {
      if (d.add(3 * chiSquare9(r))) {
        delay = i + 1;
      }
    }
    System.out.printf("errors tripled: alarm after %d steps%n", delay);
    assertThat(before).isZero();
    assertThat(delay).isBetween(1, 100);
  }
}
