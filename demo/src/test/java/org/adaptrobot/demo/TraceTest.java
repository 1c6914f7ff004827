package org.adaptrobot.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TraceTest {

  /** A trace at 10 Hz whose error is {@code e(t)}, set-points 0, track width 0 (error = |v|). */
  private static Trace trace(java.util.function.DoubleUnaryOperator e, int n) {
    Trace t = new Trace(n, 0.1, 0.0, 1, 1);
    for (int i = 0; i < n; i++) {
      t.record(i, e.applyAsDouble(i * 0.1), 0, 0, 0);
    }
    return t;
  }

  @Test
  void errorIsTheWheelSpeedEquivalentVelocityError() {
    Trace t = new Trace(1, 0.02, 0.15, 1, 1);
    t.record(0, 0.3, 1.0, 0.0, 0.0);
    assertThat(t.error(0)).isCloseTo(Math.hypot(0.3, 0.075), within(1e-12));
  }

  @Test
  void recoveryTimeIsWhenTheTrailingWindowIsBackWithinToleranceForGood() {
    Trace ref = trace(t -> 0.01, 300);
    // after the change at 10 s the error is 0.05 until 14 s, then back to 0.0105 (within 10 %)
    Trace run = trace(t -> t < 10 ? 0.01 : t < 14 ? 0.05 : 0.0105, 300);
    // a 1 s window ending at 15 s is the first wholly after 14 s
    assertThat(run.recoveryTime(ref, 10, 1, 0.10)).isCloseTo(5.0, within(1e-9));
    Trace never = trace(t -> t < 10 ? 0.01 : 0.02, 300);
    assertThat(never.recoveryTime(ref, 10, 1, 0.10)).isNaN();
    assertThat(ref.recoveryTime(ref, 10, 1, 0.10)).isZero();
    // a relapse at the end counts: back out of bounds means not recovered for good
    Trace relapse = trace(t -> t < 10 ? 0.01 : t < 12 ? 0.05 : t < 25 ? 0.01 : 0.05, 300);
    assertThat(relapse.recoveryTime(ref, 10, 1, 0.10)).isNaN();
  }

  @Test
  void meanErrorCoversTheHalfOpenWindow() {
    Trace t = trace(x -> x, 100);
    assertThat(t.meanError(1.0, 2.0)).isCloseTo(1.45, within(1e-9));
    assertThat(t.meanError(20, 30)).isNaN();
  }
}
