package org.adaptrobot.models.nn;

import static org.adaptrobot.models.nn.FiniteDifferences.maxRelativeError;
import static org.adaptrobot.models.nn.FiniteDifferences.random;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.adaptrobot.models.loss.GaussianNegativeLogLikelihood;
import org.adaptrobot.models.loss.Loss;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.loss.PolicyGradientSurrogate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model's gradients (parameters and inputs) and Hessian-vector products (parameters, and
 * mixed parameter/input directions) against central finite differences in double precision.
 */
class GradientCheckTest {

  private static final int BATCH = 7;
  private static final double H = 1e-5;
  private static final double TOLERANCE = 1e-6;

  record Case(String name, DifferentiableModel model, Loss loss) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    SplittableRandom r = new SplittableRandom(11);
    Mlp tanh = Mlp.of(4, new int[] {6, 5}, 3, Activation.TANH, Activation.IDENTITY);
    Mlp sigmoid = Mlp.of(4, new int[] {6}, 3, Activation.SIGMOID, Activation.TANH);
    Mlp relu = Mlp.of(4, new int[] {8, 8}, 3, Activation.RELU, Activation.IDENTITY);
    Mlp gaussianOut = Mlp.of(4, new int[] {6}, 4, Activation.TANH, Activation.IDENTITY);
    Mlp policyMean = Mlp.of(4, new int[] {6}, 2, Activation.TANH, Activation.IDENTITY);
    Mlp context = Mlp.of(4 + 2, new int[] {6}, 3, Activation.TANH, Activation.IDENTITY);
    return Stream.of(
        Arguments.of(new Case("tanh MLP, MSE", tanh, mse(3, r))),
        Arguments.of(new Case("sigmoid/tanh MLP, MSE", sigmoid, mse(3, r))),
        Arguments.of(new Case("ReLU MLP, MSE", relu, mse(3, r))),
        Arguments.of(
            new Case(
                "MLP, Gaussian NLL",
                gaussianOut,
                new GaussianNegativeLogLikelihood(2).targets(random(r, BATCH * 2, 1)))),
        Arguments.of(
            new Case(
                "Gaussian policy, policy-gradient surrogate",
                new GaussianPolicy(policyMean, -0.3),
                new PolicyGradientSurrogate(2)
                    .samples(random(r, BATCH * 2, 1), random(r, BATCH, 2)))),
        Arguments.of(new Case("context MLP, MSE", new ContextMlp(context, 2), mse(3, r))));
  }

  private static Loss mse(int size, SplittableRandom r) {
    return new MeanSquaredError(size).targets(random(r, BATCH * size, 1));
  }

  private static double[] params(DifferentiableModel m, long seed) {
    double[] p = new double[m.layout().size()];
    m.initialise(p, new SplittableRandom(seed));
    // Perturb everything (biases, log-std, context start at constants) so no term is trivially 0.
    SplittableRandom r = new SplittableRandom(seed + 1);
    for (int i = 0; i < p.length; i++) {
      p[i] += 0.3 * (2 * r.nextDouble() - 1);
    }
    return p;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void parameterGradientMatchesFiniteDifferences(Case c) {
    DifferentiableModel m = c.model();
    double[] x = random(new SplittableRandom(3), BATCH * m.inputSize(), 1.5);
    double[] p = params(m, 5);
    Objective objective = new Objective(m, c.loss(), BATCH);
    double[] grad = new double[p.length];
    objective.valueAndGradient(p, x, BATCH, grad);
    double[] numeric = FiniteDifferences.gradient(q -> objective.value(q, x, BATCH), p, H);
    assertThat(maxRelativeError(grad, numeric)).isLessThan(TOLERANCE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void inputGradientMatchesFiniteDifferences(Case c) {
    DifferentiableModel m = c.model();
    double[] x = random(new SplittableRandom(4), BATCH * m.inputSize(), 1.5);
    double[] p = params(m, 6);
    ModelTape tape = m.newTape(BATCH);
    double[] gy = new double[BATCH * m.outputSize()];
    double[] gx = new double[x.length];
    double[] y = m.forward(p, x, BATCH, tape);
    c.loss().evaluate(y, BATCH, gy);
    m.backward(p, tape, gy, new double[p.length], gx);
    double[] numeric =
        FiniteDifferences.gradient(
            xs -> c.loss().evaluate(m.forward(p, xs, BATCH, tape), BATCH, null), x.clone(), H);
    assertThat(maxRelativeError(gx, numeric)).isLessThan(TOLERANCE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void hessianVectorProductMatchesFiniteDifferencesOfTheGradient(Case c) {
    DifferentiableModel m = c.model();
    double[] x = random(new SplittableRandom(7), BATCH * m.inputSize(), 1.5);
    double[] p = params(m, 8);
    double[] v = random(new SplittableRandom(9), p.length, 1.0);
    Objective objective = new Objective(m, c.loss(), BATCH);
    double[] hv = new double[p.length];
    objective.hessianVectorProduct(p, v, x, BATCH, hv);
    double[] numeric =
        FiniteDifferences.directional(
            (q, g) -> objective.valueAndGradient(q, x, BATCH, g), p, v, H, p.length);
    assertThat(maxRelativeError(hv, numeric)).isLessThan(TOLERANCE);
  }

  /**
   * Mixed second derivatives: with an input direction u as well, R{dL/dθ} and R{dL/dx} must equal
   * the change of both gradients along (v, u).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void mixedParameterInputDirectionMatchesFiniteDifferences(Case c) {
    DifferentiableModel m = c.model();
    int n = m.layout().size();
    int inputs = BATCH * m.inputSize();
    double[] x = random(new SplittableRandom(12), inputs, 1.5);
    double[] p = params(m, 13);
    double[] v = random(new SplittableRandom(14), n, 1.0);
    double[] u = random(new SplittableRandom(15), inputs, 1.0);
    ModelTape tape = m.newTape(BATCH);
    Loss loss = c.loss();
    double[] gy = new double[BATCH * m.outputSize()];
    double[] rgy = new double[BATCH * m.outputSize()];
    double[] y = m.forward(p, x, BATCH, tape);
    loss.evaluate(y, BATCH, gy);
    double[] ry = m.forwardDirection(p, v, u, tape);
    loss.hessianVectorProduct(y, ry, BATCH, rgy);
    double[] hvParams = new double[n];
    double[] hvInput = new double[inputs];
    m.backwardDirection(p, v, tape, gy, rgy, hvParams, hvInput);

    // Joint vector (θ, x) and the joint gradient (dL/dθ, dL/dx).
    double[] joint = new double[n + inputs];
    System.arraycopy(p, 0, joint, 0, n);
    System.arraycopy(x, 0, joint, n, inputs);
    double[] direction = new double[n + inputs];
    System.arraycopy(v, 0, direction, 0, n);
    System.arraycopy(u, 0, direction, n, inputs);
    ModelTape t2 = m.newTape(BATCH);
    double[] numeric =
        FiniteDifferences.directional(
            (q, g) -> {
              double[] qp = java.util.Arrays.copyOfRange(q, 0, n);
              double[] qx = java.util.Arrays.copyOfRange(q, n, n + inputs);
              double[] gyy = new double[BATCH * m.outputSize()];
              loss.evaluate(m.forward(qp, qx, BATCH, t2), BATCH, gyy);
              double[] gp = new double[n];
              double[] gx = new double[inputs];
              m.backward(qp, t2, gyy, gp, gx);
              System.arraycopy(gp, 0, g, 0, n);
              System.arraycopy(gx, 0, g, n, inputs);
            },
            joint,
            direction,
            H,
            n + inputs);
    double[] analytic = new double[n + inputs];
    System.arraycopy(hvParams, 0, analytic, 0, n);
    System.arraycopy(hvInput, 0, analytic, n, inputs);
    assertThat(maxRelativeError(analytic, numeric)).isLessThan(TOLERANCE);
  }
}
