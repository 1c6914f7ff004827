package org.adaptrobot.trainer.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.SplittableRandom;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.Objective;
import org.adaptrobot.trainer.eval.SinusoidExperiment;
import org.junit.jupiter.api.Test;

class MetaLearnerTest {

  /** y = 0·W + b: with zero inputs the output is the bias, so the losses are quadratics in b. */
  private static final Mlp BIAS = new Mlp(new int[] {1, 3}, new Activation[] {Activation.IDENTITY});

  private static TaskData quadratic(double[] ts, double[] tq) {
    return new TaskData(new double[1], ts, new double[1], tq, 1);
  }

  private static double[] biasOf(double[] p) {
    int b = BIAS.layout().slice("layers.0.bias").offset();
    return java.util.Arrays.copyOfRange(p, b, b + 3);
  }

  @Test
  void firstOrderMamlMatchesItsClosedFormOnAQuadratic() {
    double a = 0.1;
    try (FirstOrderMaml m = new FirstOrderMaml(BIAS, a, 1, 0.001, 1, 1, 4)) {
      double[] ts = {1, -2, 0.5};
      double[] tq = {0.3, 0.1, -1};
      double[] g = new double[m.parameters().length];
      m.taskGradient(m.workspace(), quadratic(ts, tq), g);
      double[] b = biasOf(m.parameters());
      double[] gb = biasOf(g);
      for (int j = 0; j < 3; j++) {
        // L = (1/3)‖b − t‖²: θ′ = θ − α(2/3)(θ − t_s); FOMAML gradient (2/3)(θ′ − t_q)
        double prime = b[j] - a * 2.0 / 3 * (b[j] - ts[j]);
        assertThat(gb[j]).isCloseTo(2.0 / 3 * (prime - tq[j]), offset(1e-12));
      }
    }
  }

  @Test
  void secondOrderMamlMatchesItsClosedFormOnAQuadratic() {
    double a = 0.1;
    try (Maml m = new Maml(BIAS, a, 1, 0.001, 1, 1, 4)) {
      double[] ts = {1, -2, 0.5};
      double[] tq = {0.3, 0.1, -1};
      double[] g = new double[m.parameters().length];
      m.taskGradient(m.workspace(), quadratic(ts, tq), g);
      double[] b = biasOf(m.parameters());
      double[] gb = biasOf(g);
      for (int j = 0; j < 3; j++) {
        double prime = b[j] - a * 2.0 / 3 * (b[j] - ts[j]);
        assertThat(gb[j]).isCloseTo((1 - 2 * a / 3) * 2.0 / 3 * (prime - tq[j]), offset(1e-12));
      }
    }
  }

  @Test
  void reptileMatchesItsClosedFormOnAQuadratic() {
    double a = 0.2;
    int steps = 5;
    try (Reptile r = new Reptile(BIAS, a, steps, 0.001, 1, 1, 4)) {
      double[] ts = {1, -2, 0.5};
      double[] tq = {0.3, 0.1, -1};
      double[] g = new double[r.parameters().length];
      r.taskGradient(r.workspace(), quadratic(ts, tq), g);
      double[] b = biasOf(r.parameters());
      double[] gb = biasOf(g);
      for (int j = 0; j < 3; j++) {
        // both points pooled: L = (1/6)Σ[(b − t_s)² + (b − t_q)²] = (1/3)(b − m)² + const, m the
        // mean;
        // SGD contracts b − m by (1 − 2α/3) per step; θ − W = (θ − m)(1 − (1 − 2α/3)^k)
        double mean = (ts[j] + tq[j]) / 2;
        assertThat(gb[j])
            .isCloseTo((b[j] - mean) * (1 - Math.pow(1 - 2 * a / 3, steps)), offset(1e-12));
      }
    }
  }

  @Test
  void secondOrderMetaGradientOfMamlAndMetaSgdMatchFiniteDifferences() {
    Mlp net = Mlp.of(1, new int[] {8, 8}, 1, Activation.TANH, Activation.IDENTITY);
    TaskData d = SinusoidExperiment.sampler().sample(new SplittableRandom(3), 10);
    for (int steps = 1; steps <= 2; steps++) {
      try (Maml m = new Maml(net, 0.05, steps, 0.001, 2, 1, 20);
          MetaSgd s = MetaSgd.perParameter(net, 0.05, steps, 0.001, 2, 1, 20)) {
        double[] g = new double[m.parameters().length];
        m.taskGradient(m.workspace(), d, g);
        double[] numeric = numericMetaGradient(net, m.parameters(), m.adaptationRates(), d, steps);
        for (int i = 0; i < g.length; i++) {
          assertThat(g[i])
              .as("MAML, %d steps, parameter %d", steps, i)
              .isCloseTo(numeric[i], offset(1e-6));
        }
        // Meta-SGD: the gradient with respect to the rates, by finite differences in α
        double[] ga = new double[s.parameters().length];
        double[] galpha = new double[s.parameters().length];
        s.taskGradient(s.workspace(), d, ga, galpha);
        double[] alpha = s.learnedRates();
        for (int i = 0; i < alpha.length; i += 7) {
          double saved = alpha[i];
          alpha[i] = saved + 1e-5;
          double plus = postAdaptationLoss(net, s.parameters(), alpha, d, steps);
          alpha[i] = saved - 1e-5;
          double minus = postAdaptationLoss(net, s.parameters(), alpha, d, steps);
          alpha[i] = saved;
          assertThat(galpha[i])
              .as("Meta-SGD rate %d", i)
              .isCloseTo((plus - minus) / 2e-5, offset(1e-6));
        }
      }
    }
  }

  @Test
  void perTensorRateGradientsMatchFiniteDifferences() {
    Mlp net = Mlp.of(1, new int[] {8, 8}, 1, Activation.TANH, Activation.IDENTITY);
    TaskData d = SinusoidExperiment.sampler().sample(new SplittableRandom(4), 10);
    for (int steps = 1; steps <= 2; steps++) {
      try (MetaSgd m = MetaSgd.perTensor(net, 0.05, steps, 0.001, 2, 1, 20)) {
        double[] g = new double[m.parameters().length];
        double[] ga = new double[m.parameters().length];
        m.taskGradient(m.workspace(), d, g, ga);
        for (var slice : net.layout().slices()) {
          double analytic = 0;
          for (int i = slice.offset(); i < slice.end(); i++) {
            analytic += ga[i];
          }
          double[] alpha = m.adaptationRates().clone();
          java.util.Arrays.fill(alpha, slice.offset(), slice.end(), 0.05 + 1e-5);
          double plus = postAdaptationLoss(net, m.parameters(), alpha, d, steps);
          java.util.Arrays.fill(alpha, slice.offset(), slice.end(), 0.05 - 1e-5);
          double minus = postAdaptationLoss(net, m.parameters(), alpha, d, steps);
          assertThat(analytic)
              .as("rate of %s, %d steps", slice.name(), steps)
              .isCloseTo((plus - minus) / 2e-5, offset(1e-6));
        }
      }
    }
  }

  static double postAdaptationLoss(Mlp net, double[] theta, double[] alpha, TaskData d, int steps) {
    InnerLoop inner = new InnerLoop(net, 20);
    double[][] t = inner.adapt(theta, alpha, d.supportX(), d.supportY(), d.k(), steps);
    Objective q = new Objective(net, new MeanSquaredError(1).targets(d.queryY()), 20);
    return q.value(t[steps], d.queryX(), d.k());
  }

  static double[] numericMetaGradient(
      Mlp net, double[] theta, double[] alpha, TaskData d, int steps) {
    double[] p = theta.clone();
    double[] g = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      double saved = p[i];
      p[i] = saved + 1e-5;
      double plus = postAdaptationLoss(net, p, alpha, d, steps);
      p[i] = saved - 1e-5;
      double minus = postAdaptationLoss(net, p, alpha, d, steps);
      p[i] = saved;
      g[i] = (plus - minus) / 2e-5;
    }
    return g;
  }

  @Test
  void aSeededSinusoidRunIsDeterministicForAnyThreadCountAndBeatsTheUntrainedNetwork() {
    double[] after1;
    double[] after2;
    double untrained;
    double trained;
    try (MetaLearner one = SinusoidExperiment.learner("maml", 7, 1, 10);
        MetaLearner two = SinusoidExperiment.learner("maml", 7, 2, 10)) {
      untrained = SinusoidExperiment.evaluate(one, 10, 100, 10, 99)[10].mean();
      for (int it = 0; it < 200; it++) {
        one.metaIteration(it, SinusoidExperiment.sampler(), 25, 10);
        two.metaIteration(it, SinusoidExperiment.sampler(), 25, 10);
      }
      after1 = one.parameters().clone();
      after2 = two.parameters().clone();
      for (int it = 200; it < 4000; it++) {
        two.metaIteration(it, SinusoidExperiment.sampler(), 25, 10);
      }
      trained = SinusoidExperiment.evaluate(two, 10, 100, 10, 99)[10].mean();
      System.out.printf("untrained %.3f trained %.3f%n", untrained, trained);
    }
    assertThat(after2).containsExactly(after1);
    assertThat(trained).isLessThan(0.7 * untrained);
  }

  /**
   * A dynamics task depends on its random generator only, not on the windows a thread's domain drew
   * before: 1 and 2 threads (and cluster members, each with its own history) agree bit for bit. The
   * diff-drive explorer once carried its duty target from one window into the next.
   */
  @Test
  void seededDynamicsRunsAreTheSameForOneAndTwoThreads() {
    for (String env : new String[] {"diffdrive", "pendulum"}) {
      var domain = org.adaptrobot.trainer.dynamics.DynamicsExperiment.domain(env);
      var sampler = org.adaptrobot.trainer.dynamics.DynamicsExperiment.sampler(domain, 16);
      double[][] p = new double[2][];
      for (int threads = 1; threads <= 2; threads++) {
        try (MetaLearner l =
            org.adaptrobot.trainer.dynamics.DynamicsExperiment.learner(
                "maml", domain, 0.1, 1.0, 1, 3, threads, 16)) {
          for (int it = 0; it < 30; it++) {
            l.metaIteration(it, sampler, 8, 16);
          }
          p[threads - 1] = l.parameters().clone();
        }
      }
      assertThat(p[1]).as(env).containsExactly(p[0]);
    }
  }
}
