package org.adaptrobot.models.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class OptimizerTest {

  @Test
  void sgdStepsAgainstTheGradient() {
    double[] p = {1.0, -2.0};
    new Sgd(0.5).step(p, new double[] {2.0, -4.0});
    assertThat(p).containsExactly(0.0, 0.0);
  }

  @Test
  void adamFirstTwoStepsMatchTheHandComputedUpdate() {
    double lr = 0.1;
    Adam adam = new Adam(1, lr, 0.9, 0.999, 1e-8);
    double[] p = {1.0};
    adam.step(p, new double[] {2.0});
    // step 1: m̂ = g, v̂ = g², update = lr · g/|g| = 0.1
    double afterFirst = 1.0 - lr * 2.0 / (2.0 + 1e-8);
    assertThat(p[0]).isCloseTo(afterFirst, offset(1e-15));
    adam.step(p, new double[] {-1.0});
    double m = 0.9 * 0.2 + 0.1 * -1.0; // 0.08
    double v = 0.999 * 0.004 + 0.001 * 1.0; // 0.004996
    double mHat = m / (1 - 0.81);
    double vHat = v / (1 - 0.999 * 0.999);
    assertThat(p[0]).isCloseTo(afterFirst - lr * mHat / (Math.sqrt(vHat) + 1e-8), offset(1e-12));
  }

  @Test
  void adamMinimisesAQuadratic() {
    Adam adam = new Adam(2, 0.05);
    double[] p = {3.0, -4.0};
    double[] g = new double[2];
    for (int i = 0; i < 2_000; i++) {
      g[0] = 2 * (p[0] - 1);
      g[1] = 2 * (p[1] + 2);
      adam.step(p, g);
    }
    assertThat(p[0]).isCloseTo(1.0, offset(1e-3));
    assertThat(p[1]).isCloseTo(-2.0, offset(1e-3));
  }

  @Test
  void restoredAdamStateContinuesBitForBit() {
    Adam a = new Adam(3, 0.01);
    double[] p = {0.5, 1.5, -0.5};
    double[] g = new double[3];
    for (int i = 0; i < 10; i++) {
      for (int k = 0; k < 3; k++) {
        g[k] = Math.sin(p[k] * (i + 1));
      }
      a.step(p, g);
    }
    Adam.State saved = a.state();
    double[] q = p.clone();
    Adam b = new Adam(3, 0.01);
    b.restore(saved);
    for (int i = 0; i < 10; i++) {
      for (int k = 0; k < 3; k++) {
        g[k] = Math.cos(p[k] * (i + 1));
      }
      a.step(p, g);
      for (int k = 0; k < 3; k++) {
        g[k] = Math.cos(q[k] * (i + 1));
      }
      b.step(q, g);
    }
    assertThat(q).containsExactly(p);
  }

  @Test
  void restoringAStateOfAnotherSizeIsRejected() {
    Adam a = new Adam(3, 0.01);
    assertThatThrownBy(() -> new Adam(4, 0.01).restore(a.state()))
        .hasMessageContaining("3 moments")
        .hasMessageContaining("4");
  }

  @Test
  void clipByNormScalesToTheLimitAndReportsTheOriginalNorm() {
    double[] g = {3.0, 4.0};
    assertThat(GradientClipping.clipByNorm(g, 1.0)).isEqualTo(5.0);
    assertThat(g).containsExactly(new double[] {0.6, 0.8}, offset(1e-15));
    double[] small = {0.3, 0.4};
    GradientClipping.clipByNorm(small, 1.0);
    assertThat(small).containsExactly(0.3, 0.4);
  }

  @Test
  void clipByValueClampsEachEntry() {
    double[] g = {-5.0, 0.5, 7.0};
    assertThat(GradientClipping.clipByValue(g, 1.0)).isEqualTo(2);
    assertThat(g).containsExactly(-1.0, 0.5, 1.0);
  }
}
