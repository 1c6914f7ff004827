package org.adaptrobot.models.nn;

import static org.adaptrobot.models.nn.FiniteDifferences.maxRelativeError;
import static org.adaptrobot.models.nn.FiniteDifferences.random;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GruNetworkTest {

  private static final int STEPS = 5;
  private static final int BATCH = 3;

  private final GruNetwork net =
      new GruNetwork(
          3, 4, GruNetwork.head(4, new int[] {5}, 2, Activation.TANH, Activation.IDENTITY));

  /** L = Σ_t Σ c_t ⊙ y_t + Σ u ⊙ h_T: every output and the final state enter the loss. */
  private double loss(double[] p, double[][] xs, double[] h0, double[][] c, double[] u) {
    GruNetwork.SequenceTape tape = net.newSequenceTape(STEPS, BATCH);
    net.forward(p, xs, h0, STEPS, BATCH, tape);
    double l = 0;
    for (int t = 0; t < STEPS; t++) {
      double[] y = tape.output(t);
      for (int k = 0; k < BATCH * 2; k++) {
        l += c[t][k] * y[k];
      }
    }
    double[] h = tape.finalHidden();
    for (int k = 0; k < BATCH * 4; k++) {
      l += u[k] * h[k];
    }
    return l;
  }

  @Test
  void backpropagationThroughTimeMatchesFiniteDifferences() {
    SplittableRandom r = new SplittableRandom(5);
    double[] p = new double[net.layout().size()];
    net.initialise(p, new SplittableRandom(6));
    double[][] xs = new double[STEPS][];
    double[][] c = new double[STEPS][];
    for (int t = 0; t < STEPS; t++) {
      xs[t] = random(r, BATCH * 3, 1.5);
      c[t] = random(r, BATCH * 2, 1.0);
    }
    double[] h0 = random(r, BATCH * 4, 0.8);
    double[] u = random(r, BATCH * 4, 1.0);

    GruNetwork.SequenceTape tape = net.newSequenceTape(STEPS, BATCH);
    net.forward(p, xs, h0, STEPS, BATCH, tape);
    double[] gradP = new double[p.length];
    double[][] gradX = new double[STEPS][BATCH * 3];
    double[] gradH0 = new double[BATCH * 4];
    net.backward(p, tape, c, u, gradP, gradX, gradH0);

    double[] numericP = FiniteDifferences.gradient(q -> loss(q, xs, h0, c, u), p, 1e-5);
    assertThat(maxRelativeError(gradP, numericP)).isLessThan(1e-7);
    double[] numericH0 = FiniteDifferences.gradient(h -> loss(p, xs, h, c, u), h0.clone(), 1e-5);
    assertThat(maxRelativeError(gradH0, numericH0)).isLessThan(1e-7);
    for (int t = 0; t < STEPS; t++) {
      int step = t;
      double[] numericX =
          FiniteDifferences.gradient(
              x -> {
                double[][] copy = xs.clone();
                copy[step] = x;
                return loss(p, copy, h0, c, u);
              },
              xs[t].clone(),
              1e-5);
      assertThat(maxRelativeError(gradX[t], numericX)).as("step %d", t).isLessThan(1e-7);
    }
  }

  @Test
  void singleStepEqualsSequenceForwardAndCarriesTheHiddenState() {
    double[] p = new double[net.layout().size()];
    net.initialise(p, new SplittableRandom(8));
    SplittableRandom r = new SplittableRandom(9);
    double[][] xs = new double[STEPS][];
    for (int t = 0; t < STEPS; t++) {
      xs[t] = random(r, 3, 1.0);
    }
    GruNetwork.SequenceTape tape = net.newSequenceTape(STEPS, 1);
    net.forward(p, xs, null, STEPS, 1, tape);
    GruNetwork.Workspace ws = net.newWorkspace();
    double[] h = new double[4];
    double[] y = new double[2];
    for (int t = 0; t < STEPS; t++) {
      net.step(p, xs[t], h, h, y, ws);
      // the single step's head is the inference forward (interpolated tanh, within 2e-8)
      assertThat(y).containsExactly(tape.output(t), org.assertj.core.data.Offset.offset(1e-7));
    }
    assertThat(h).containsExactly(tape.finalHidden(), org.assertj.core.data.Offset.offset(1e-14));
  }
}
