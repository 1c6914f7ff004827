package org.adaptrobot.runtime.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.ControllerFactory;
import org.adaptrobot.runtime.control.JavaPolicyController;
import org.adaptrobot.runtime.control.LatentPolicyController;
import org.adaptrobot.runtime.control.RecurrentControl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mode latent with the {@code factors} encoding (PEARL-style) on the SIL robot: a bundle made here
 * from the shipped RMA policy and an encoder of one transition (two consecutive observations) to a
 * Gaussian factor. The latent must be the closed-form product of the last {@code window} factors —
 * computed here directly, not through the runtime's running sums — taken up only at its step
 * boundaries, the shift the closed-form KL to the posterior one window ago, nothing allocated per
 * step, and ONNX Runtime must agree with the Java networks.
 */
class FactorLatentLoopTest {

  static final Path SHIPPED = Path.of("../bundles/diffdrive-rma");
  static final int WINDOW = 20;
  static final int EVERY = 2;

  @TempDir Path dir;

  /** The shipped policy with a random transition encoder (2 × 9 → 32 → 2 × 7), factors encoding. */
  Bundle factorsBundle() throws Exception {
    Bundle shipped = Bundle.load(SHIPPED);
    Manifest m = shipped.manifest();
    int o = m.observation().size();
    int z = m.adaptation().latent().size();
    Mlp encoder = Mlp.of(2 * o, new int[] {32}, 2 * z, Activation.TANH, Activation.IDENTITY);
    double[] theta = new double[encoder.layout().size()];
    encoder.initialise(theta, new SplittableRandom(5));
    Manifest template =
        new Manifest(
            m.formatVersion(),
            "factors",
            "the shipped RMA policy read through a PEARL-style transition encoder (a test bundle)",
            m.observation(),
            m.action(),
            m.controlRateHz(),
            Map.of(),
            Manifest.AdaptationSpec.latent(
                new Manifest.LatentSpec(
                    WINDOW,
                    EVERY,
                    z,
                    Manifest.LatentSpec.RESET_EVENTS,
                    Manifest.LatentSpec.FACTORS)),
            m.provenance(),
            Map.of(),
            m.wheelSpeedLoop(),
            m.reward());
    Bundle.Graph policy = shipped.graph(Manifest.POLICY);
    return BundleExport.write(
        dir.resolve("factors"),
        template,
        Map.of(
            Manifest.POLICY,
            new BundleExport.GraphExport(
                policy.spec().architecture(), policy.parameters().values(), Set.of()),
            Manifest.ENCODER,
            new BundleExport.GraphExport(
                new NetworkArchitecture.MlpArchitecture(
                    encoder.layerSizes(), Arrays.asList(encoder.activations())),
                theta,
                Set.of())));
  }

  /** Precision-weighted product of the factors in [from, to): mean and variance. */
  static void product(List<double[]> factors, int from, int to, int z, double[] mean, double[] v) {
    for (int j = 0; j < z; j++) {
      if (from == to) {
        mean[j] = 0;
        v[j] = 1;
        continue;
      }
      double precision = 0;
      double weighted = 0;
      for (int k = from; k < to; k++) {
        double raw = factors.get(k)[z + j];
        double var = Math.max(1e-7, raw > 30 ? raw : Math.log1p(Math.exp(raw)));
        precision += 1 / var;
        weighted += factors.get(k)[j] / var;
      }
      v[j] = 1 / precision;
      mean[j] = weighted / precision;
    }
  }

  @Test
  void theLatentIsTheProductOfTheLastFactorsTakenUpOnlyAtItsStepBoundaries() throws Exception {
    Bundle b = factorsBundle();
    int o = b.manifest().observation().size();
    int z = b.manifest().adaptation().latent().size();
    try (LoopFixture f = LoopFixture.of(dir, b, RuntimeConfig.Executor.JAVA);
        JavaPolicyController encoder = new JavaPolicyController(b.graph(Manifest.ENCODER));
        JavaPolicyController policy = new JavaPolicyController(b.graph(Manifest.POLICY))) {
      assertThat(f.controller).isInstanceOf(LatentPolicyController.class);
      LatentPolicyController c = (LatentPolicyController) f.controller;
      List<double[]> factors = new ArrayList<>();
      List<double[][]> posteriors = new ArrayList<>(); // at each boundary: {mean, variance}
      double[] previous = null;
      double[] obs = new double[o];
      double[] transition = new double[2 * o];
      double[] latent = new double[z];
      double[] expected = new double[z];
      double[] in = new double[o + z];
      double[] action = new double[2];
      double[] applied = new double[2];
      double worstShift = 0;
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      for (int t = 0; t < 300; t++) {
        if (t == 150) {
          f.sim.set("payload_kg", 0.8);
          f.loop.targets().hold(0.2, 1.0);
        }
        double[] before = expected.clone();
        f.loop.run(1);
        f.loop.observation(obs);
        if (previous != null) {
          System.arraycopy(previous, 0, transition, 0, o);
          System.arraycopy(obs, 0, transition, o, o);
          double[] factor = new double[2 * z];
          encoder.compute(transition, factor);
          factors.add(factor);
        }
        previous = obs.clone();
        if (t % EVERY == 0) {
          double[] v = new double[z];
          int n = factors.size();
          product(factors, Math.max(0, n - WINDOW), n, z, expected, v);
          posteriors.add(new double[][] {expected.clone(), v});
          int ago = posteriors.size() - 1 - WINDOW / EVERY;
          double kl = 0;
          if (ago >= 0) {
            double[] m2 = posteriors.get(ago)[0];
            double[] v2 = posteriors.get(ago)[1];
            for (int j = 0; j < z; j++) {
              double d = m2[j] - expected[j];
              kl += 0.5 * (v[j] / v2[j] + d * d / v2[j] - 1 + Math.log(v2[j] / v[j]));
            }
          }
          double shift = f.loop.recurrent().shift();
          assertThat(shift).as("KL shift, step %d", t).isCloseTo(kl, within(1e-6 * (1 + kl)));
          assertThat(f.loop.recurrent().shiftMeasure()).isEqualTo("kl");
          worstShift = Math.max(worstShift, kl);
        } else {
          assertThat(expected).as("no new latent inside an interval").containsExactly(before);
        }
        c.latent(latent);
        for (int j = 0; j < z; j++) {
          assertThat(latent[j])
              .as("latent %d at step %d", j, t)
              .isCloseTo(expected[j], within(1e-9 * (1 + Math.abs(expected[j]))));
        }
        if (t == 0) {
          assertThat(latent).as("the unit prior's mean before the first factor").containsOnly(0.0);
        }
        System.arraycopy(obs, 0, in, 0, o);
        System.arraycopy(latent, 0, in, o, z);
        policy.compute(in, action);
        f.loop.rawAction(applied);
        assertThat(applied).as("step %d", t).containsExactly(action);
      }
      assertThat(factors).hasSize(299);
      assertThat(worstShift).as("the posterior moved through the change").isPositive();
      // a command restarts the posterior: the prior's mean again
      new RecurrentControl(f.loop.recurrent()).reset();
      f.loop.run(1);
      c.latent(latent);
      assertThat(latent).containsOnly(0.0);
    }
  }

  @Test
  void aFactorStepAllocatesNothing() throws Exception {
    try (LoopFixture f = LoopFixture.of(dir, factorsBundle(), RuntimeConfig.Executor.JAVA)) {
      // a factor per step, the posterior, the policy, a restart
      long[] blocks = f.allocationPerHundredStepsWithRestarts();
      long[] sorted = blocks.clone();
      Arrays.sort(sorted);
      System.out.println("factor latent loop, bytes per 100 steps: " + Arrays.toString(blocks));
      assertThat(sorted[blocks.length / 2]).as("median block").isLessThan(50);
    }
  }

  @Test
  void onnxRuntimeAndTheJavaNetworksAgreeOverAThousandClosedLoopSteps() throws Exception {
    Bundle b = factorsBundle();
    try (LoopFixture f = LoopFixture.of(dir, b, RuntimeConfig.Executor.JAVA);
        var onnx = ControllerFactory.policyController(b, RuntimeConfig.Executor.ONNXRUNTIME)) {
      double worst = f.worstActionDifference(onnx); // its own posterior and float32 encoder
      System.out.printf("factors, ONNX Runtime vs Java over 1000 closed-loop steps: %.2e%n", worst);
      assertThat(worst).isLessThan(1e-4);
    }
  }
}
