package org.adaptrobot.runtime.safety;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.adaptrobot.models.bundle.Manifest.ActionSpec;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;
import org.junit.jupiter.api.Test;

class SafetyLayerTest {

  private final LoopMetrics metrics = new LoopMetrics();
  private final SafetyLayer safety =
      new SafetyLayer(
          new ActionSpec(
              List.of("left", "right"),
              List.of("1", "1"),
              new double[] {-1, -0.5},
              new double[] {1, 0.5},
              new double[] {0.1, 0.2}),
          metrics);
  private final double[] out = new double[2];

  @Test
  void passesAnActionWithinBoundsAndRate() {
    assertThat(safety.filter(new double[] {0.05, -0.1}, out)).isEqualTo(SafetyLayer.Verdict.PASSED);
    assertThat(out).containsExactly(0.05, -0.1);
  }

  @Test
  void clampsToTheManifestBoundsAndCountsIt() {
    for (int i = 0; i < 20; i++) {
      safety.filter(new double[] {0, 3.0}, out);
    }
    assertThat(out[1]).isEqualTo(0.5);
    assertThat(metrics.get(Counter.CLAMPED_TO_BOUNDS)).isEqualTo(20);
  }

  @Test
  void limitsTheChangePerStep() {
    assertThat(safety.filter(new double[] {1.0, -0.5}, out))
        .isEqualTo(SafetyLayer.Verdict.ADJUSTED);
    assertThat(out[0]).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(out[1]).isCloseTo(-0.2, org.assertj.core.data.Offset.offset(1e-15));
    safety.filter(new double[] {1.0, -0.5}, out);
    assertThat(out[0]).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(metrics.get(Counter.RATE_LIMITED)).isEqualTo(4);
  }

  @Test
  void nonFiniteActionsBecomeTheSafeActionAndCountAsFaults() {
    safety.filter(new double[] {0.1, 0.1}, out);
    assertThat(safety.filter(new double[] {Double.NaN, 0.1}, out))
        .isEqualTo(SafetyLayer.Verdict.REPLACED_NON_FINITE);
    assertThat(out).containsExactly(0.0, 0.0);
    assertThat(safety.filter(new double[] {0.1, Double.POSITIVE_INFINITY}, out))
        .isEqualTo(SafetyLayer.Verdict.REPLACED_NON_FINITE);
    assertThat(safety.consecutiveNonFinite()).isEqualTo(2);
    assertThat(metrics.get(Counter.NON_FINITE_ACTION)).isEqualTo(2);
    assertThat(metrics.get(Counter.FAULTS)).isEqualTo(2);
    safety.filter(new double[] {0.05, 0.05}, out);
    assertThat(safety.consecutiveNonFinite()).isZero();
  }

  @Test
  void theSafeActionIsNotRateLimited() {
    for (int i = 0; i < 10; i++) {
      safety.filter(new double[] {1, 0.5}, out);
    }
    safety.safe(out);
    assertThat(out).containsExactly(0.0, 0.0);
    assertThat(safety.previous(0)).isZero();
  }
}
