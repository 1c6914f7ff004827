package org.adaptrobot.models.nn;

import static org.adaptrobot.models.nn.FiniteDifferences.maxRelativeError;
import static org.adaptrobot.models.nn.FiniteDifferences.random;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.adaptrobot.models.loss.Loss;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.junit.jupiter.api.Test;

/**
 * The second-order meta-gradient that MAML needs, built from gradients and Hessian-vector products:
 * d/dθ L_out(θ − α∇L_in(θ)) = (I − α H_in(θ)) ∇L_out(θ′).
 */
class MamlMetaGradientTest {

  /** L = Σ y², so that a bias-only path gives exactly L(θ) = ‖θ‖². */
  private static final class SumOfSquares implements Loss {
    private final int size;

    SumOfSquares(int size) {
      this.size = size;
    }

    @Override
    public int outputSize() {
      return size;
    }

    @Override
    public double evaluate(double[] y, int batch, double[] grad) {
      double s = 0;
      for (int k = 0; k < batch * size; k++) {
        s += y[k] * y[k];
        if (grad != null) {
          grad[k] = 2 * y[k];
        }
      }
      return s;
    }

    @Override
    public void hessianVectorProduct(double[] y, double[] dir, int batch, double[] result) {
      for (int k = 0; k < batch * size; k++) {
        result[k] = 2 * dir[k];
      }
    }
  }

  private static double[] metaGradient(
      Objective inner,
      double[] innerX,
      Objective outer,
      double[] outerX,
      int batch,
      double[] p,
      double alpha) {
    int n = p.length;
    double[] g = new double[n];
    inner.valueAndGradient(p, innerX, batch, g);
    double[] adapted = p.clone();
    for (int i = 0; i < n; i++) {
      adapted[i] -= alpha * g[i];
    }
    double[] outerGrad = new double[n];
    outer.valueAndGradient(adapted, outerX, batch, outerGrad);
    double[] hv = new double[n];
    inner.hessianVectorProduct(p, outerGrad, innerX, batch, hv);
    double[] meta = new double[n];
    for (int i = 0; i < n; i++) {
      meta[i] = outerGrad[i] - alpha * hv[i];
    }
    return meta;
  }

  @Test
  void closedFormQuadraticGivesTwoThetaPrimeTimesOneMinusTwoLearningRate() {
    // y = 0·W + b: with a zero input the output is the bias, so L(θ) = ‖b‖² exactly.
    Mlp biasOnly = new Mlp(new int[] {1, 5}, new Activation[] {Activation.IDENTITY});
    double[] p = random(new SplittableRandom(1), biasOnly.layout().size(), 2.0);
    double[] zeroInput = {0.0};
    Objective loss = new Objective(biasOnly, new SumOfSquares(5), 1);
    double lr = 0.1;
    double[] meta = metaGradient(loss, zeroInput, loss, zeroInput, 1, p, lr);
    ParameterSlice bias = biasOnly.layout().slice("layers.0.bias");
    for (int i = bias.offset(); i < bias.end(); i++) {
      double thetaPrime = p[i] - lr * 2 * p[i];
      assertThat(meta[i])
          .isCloseTo(2 * thetaPrime * (1 - 2 * lr), org.assertj.core.data.Offset.offset(1e-12));
    }
    ParameterSlice weight = biasOnly.layout().slice("layers.0.weight");
    for (int i = weight.offset(); i < weight.end(); i++) {
      assertThat(meta[i]).isEqualTo(0.0);
    }
  }

  @Test
  void secondOrderMetaGradientOfOneInnerStepMatchesFiniteDifferences() {
    SplittableRandom r = new SplittableRandom(21);
    Mlp net = Mlp.of(1, new int[] {8, 8}, 1, Activation.TANH, Activation.IDENTITY);
    int batch = 10;
    double[] xs = random(r, batch, 3);
    double[] ys = random(r, batch, 2);
    double[] xq = random(r, batch, 3);
    double[] yq = random(r, batch, 2);
    Objective inner = new Objective(net, new MeanSquaredError(1).targets(ys), batch);
    Objective outer = new Objective(net, new MeanSquaredError(1).targets(yq), batch);
    double[] p = new double[net.layout().size()];
    net.initialise(p, new SplittableRandom(22));
    double alpha = 0.05;
    double[] meta = metaGradient(inner, xs, outer, xq, batch, p, alpha);
    double[] g = new double[p.length];
    double[] numeric =
        FiniteDifferences.gradient(
            q -> {
              inner.valueAndGradient(q, xs, batch, g);
              double[] adapted = q.clone();
              for (int i = 0; i < q.length; i++) {
                adapted[i] -= alpha * g[i];
              }
              return outer.value(adapted, xq, batch);
            },
            p,
            1e-5);
    assertThat(maxRelativeError(meta, numeric)).isLessThan(1e-6);
  }
}
