package org.adaptrobot.models.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SingleSampleForwardTest {

  private final Mlp mlp = Mlp.of(12, new int[] {64, 64}, 2, Activation.TANH, Activation.IDENTITY);

  @Test
  void singleSampleForwardMatchesBatchedForwardToInferencePrecision() {
    double[] p = new double[mlp.layout().size()];
    mlp.initialise(p, new SplittableRandom(1));
    double[] x = FiniteDifferences.random(new SplittableRandom(2), 4 * 12, 2.0);
    double[] batched = mlp.forward(p, x, 4, mlp.newTape(4)).clone();
    Mlp.Workspace ws = mlp.newWorkspace();
    double[] y = new double[2];
    for (int b = 0; b < 4; b++) {
      mlp.forward(p, 0, x, b * 12, y, 0, ws);
      assertThat(y[0]).isCloseTo(batched[2 * b], org.assertj.core.data.Offset.offset(1e-6));
      assertThat(y[1]).isCloseTo(batched[2 * b + 1], org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  @Test
  void singleSampleForwardAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    double[] p = new double[mlp.layout().size()];
    mlp.initialise(p, new SplittableRandom(1));
    double[] x = FiniteDifferences.random(new SplittableRandom(2), 12, 2.0);
    double[] y = new double[2];
    Mlp.Workspace ws = mlp.newWorkspace();
    for (int i = 0; i < 20_000; i++) {
      mlp.forward(p, 0, x, 0, y, 0, ws);
    }
    long id = Thread.currentThread().threadId();
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 10_000; i++) {
      x[0] = y[0];
      mlp.forward(p, 0, x, 0, y, 0, ws);
    }
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    // The measurement itself may cost a few bytes; 10,000 calls allocating even 8 bytes each would
    // show 80,000.
    assertThat(allocated).isLessThan(1_000);
  }

  @Test
  void theBatchedInferencePassMatchesTheExactOneToInterpolationPrecision() {
    Mlp net = Mlp.of(11, new int[] {64, 64}, 9, Activation.TANH, Activation.IDENTITY);
    ContextMlp ctx =
        new ContextMlp(Mlp.of(13, new int[] {32}, 9, Activation.TANH, Activation.IDENTITY), 2);
    for (DifferentiableModel m : new DifferentiableModel[] {net, ctx}) {
      double[] p = new double[m.layout().size()];
      m.initialise(p, new SplittableRandom(3));
      for (int i = 0; i < p.length; i++) {
        p[i] *= 3; // push the hidden units into tanh's curved part
      }
      double[] x = FiniteDifferences.random(new SplittableRandom(4), 37 * 11, 2.0);
      double[] exact = m.forward(p, x, 37, m.newTape(37)).clone();
      double[] fast = m.forwardInference(p, x, 37, m.newTape(37));
      double worst = 0;
      double spread = 0;
      for (int k = 0; k < 37 * 9; k++) {
        worst = Math.max(worst, Math.abs(fast[k] - exact[k]));
        spread = Math.max(spread, Math.abs(exact[k]));
      }
      assertThat(spread).isGreaterThan(0.1);
      assertThat(worst).as(m.getClass().getSimpleName()).isLessThan(1e-6).isGreaterThan(0.0);
    }
  }
}
