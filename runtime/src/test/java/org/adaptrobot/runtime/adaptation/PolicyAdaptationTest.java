package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;
import org.adaptrobot.runtime.control.JavaPolicyController;
import org.adaptrobot.runtime.control.OnnxPolicyController;
import org.adaptrobot.runtime.control.PolicyController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradient mode for a policy bundle: a linear plant x' = x + 0.5·(−x + g·u) whose gain drops from 2
 * to 1.2 at step 400, and a policy bundle whose one linear layer is the plant's exact inverse for g
 * = 2 (u = x* − x/2: it reaches the set-point x* in one step). Without adaptation the policy
 * settles at 75 % of the set-point; adapted on hindsight samples it relearns the inverse.
 */
class PolicyAdaptationTest {

  @TempDir Path dir;

  // normalisation of the observation [x, x_target]: deliberately different per component, so that
  // relabelling has to convert a measured x into set-point units
  static final double[] MEAN = {0.2, 0.3};
  static final double[] STD = {0.5, 0.4};

  static Manifest manifest(
      NetworkArchitecture arch, AdaptationMode mode, List<String> tensors, String loss) {
    return new Manifest(
        Manifest.FORMAT_VERSION,
        "linear-inverse",
        "Exact one-step inverse of x' = x + 0.5(-x + 2u).",
        new Manifest.ObservationSpec(
            List.of("x", "x_target"),
            List.of("1", "1"),
            new double[] {-10, -10},
            new double[] {10, 10},
            MEAN,
            STD),
        new Manifest.ActionSpec(
            List.of("u"), List.of("1"), new double[] {-10}, new double[] {10}, new double[] {20}),
        50,
        Map.of(),
        new Manifest.AdaptationSpec(
            mode, Manifest.POLICY, tensors, new double[] {0.3}, 20, 40, 20, loss),
        new Manifest.Provenance("analytic", Map.of(), 0, "test", Map.of(), "2026-11-21T00:00:00Z"),
        Map.of());
  }

  /** u = x* − x/2 in normalised inputs: u = 0.4·o_target − 0.25·o_x + 0.2. */
  static Bundle inverseBundle(Path target, String loss) throws Exception {
    MlpArchitecture arch = new MlpArchitecture(new int[] {2, 1}, List.of(Activation.IDENTITY));
    double[] p = new double[arch.layout().size()];
    int w = arch.layout().slice("layers.0.weight").offset();
    int b = arch.layout().slice("layers.0.bias").offset();
    p[w] = -0.5 * STD[0];
    p[w + 1] = STD[1];
    p[b] = MEAN[1] - 0.5 * MEAN[0];
    Set<String> adaptable = Set.of("layers.0.weight", "layers.0.bias");
    return BundleExport.write(
        target,
        manifest(arch, AdaptationMode.GRADIENT, List.of("layers.0.weight", "layers.0.bias"), loss),
        Map.of(Manifest.POLICY, new BundleExport.GraphExport(arch, p, adaptable)));
  }

  record Outcome(List<AdaptationEvent> events, double ratioAfter, double[] inUse, double[] taken) {}

  /** Runs 1,200 steps; returns the events and the mean x / x* over the last set-point holds. */
  static Outcome run(Bundle bundle, PolicyController controller, boolean adapt, long seed) {
    List<AdaptationEvent> events = new ArrayList<>();
    AdaptationFeed feed =
        PolicyAdaptation.of(
            bundle, controller, adapt, true, ChangeDetector.Settings.standard(), null, events::add);
    AdaptationEngine engine = feed.engine();
    TransitionRing ring = feed.ring();
    SplittableRandom r = new SplittableRandom(seed);
    double x = 0;
    double gain = 2.0;
    double[] obs = new double[2];
    double[] u = new double[1];
    double ratio = 0;
    int n = 0;
    for (int step = 0; step < 1200; step++) {
      if (step == 400) {
        gain = 1.2;
      }
      double target = (step / 50) % 3 == 0 ? 1.0 : (step / 50) % 3 == 1 ? 0.4 : -0.6;
      obs[0] = (x + 0.002 * r.nextGaussian() - MEAN[0]) / STD[0];
      obs[1] = (target - MEAN[1]) / STD[1];
      controller.compute(obs, u);
      ring.write(step, obs, u);
      x += 0.5 * (-x + gain * u[0]);
      if (step % 5 == 4) {
        engine.poll();
      }
      if (step >= 1000 && step % 50 >= 10) {
        ratio += x / target;
        n++;
      }
    }
    double[] taken = controller.parameters().clone();
    feed.close();
    return new Outcome(events, ratio / n, engine.inUse(), taken);
  }

  static long count(List<AdaptationEvent> events, String kind) {
    return events.stream().filter(e -> e.kind().equals(kind)).count();
  }

  @Test
  void theAdaptedPolicyReachesTheSetPointAgainWithEitherExecutor() throws Exception {
    Bundle bundle = inverseBundle(dir.resolve("inverse"), "mse");
    Bundle.Graph graph = bundle.graph(Manifest.POLICY);
    for (long seed = 1; seed <= 2; seed++) {
      Outcome fixed = run(bundle, new JavaPolicyController(graph), false, seed);
      // the unadapted inverse settles at 0.6 / (1 - 0.2) = 75 % of the set-point
      assertThat(fixed.ratioAfter()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(0.02));
      assertThat(count(fixed.events(), "accepted")).isZero();
      try (PolicyController onnx = new OnnxPolicyController(graph);
          PolicyController java = new JavaPolicyController(graph)) {
        for (PolicyController c : new PolicyController[] {onnx, java}) {
          Outcome adaptive = run(bundle, c, true, seed);
          System.out.printf(
              "gradient mode, seed %d, %s: x/x* after the change %.3f adapted, %.3f fixed;"
                  + " %d accepted, %d rejected%n",
              seed,
              c.getClass().getSimpleName(),
              adaptive.ratioAfter(),
              fixed.ratioAfter(),
              count(adaptive.events(), "accepted"),
              count(adaptive.events(), "rejected"));
          assertThat(count(adaptive.events(), "change_detected")).as("seed %d", seed).isPositive();
          assertThat(count(adaptive.events(), "accepted")).isPositive();
          assertThat(Math.abs(1 - adaptive.ratioAfter()))
              .as("seed %d, %s: x / x* after adaptation", seed, c.getClass().getSimpleName())
              .isLessThan(0.3 * (1 - fixed.ratioAfter()));
          for (AdaptationEvent e : adaptive.events()) {
            if (e.kind().equals("accepted")) {
              assertThat(e.lossAfter()).isLessThan(e.lossBefore());
              assertThat(e.updateNorm()).isLessThanOrEqualTo(1.0 + 1e-12);
            }
          }
          // the controller runs with exactly what the engine published last
          assertThat(adaptive.taken()).containsExactly(adaptive.inUse());
        }
      }
    }
  }

  @Test
  void onlyTheDeclaredTensorsMove() throws Exception {
    MlpArchitecture arch = new MlpArchitecture(new int[] {2, 1}, List.of(Activation.IDENTITY));
    Bundle full = inverseBundle(dir.resolve("full"), "mse");
    double[] p = full.graph(Manifest.POLICY).parameters().values();
    Bundle biasOnly =
        BundleExport.write(
            dir.resolve("bias-only"),
            manifest(arch, AdaptationMode.GRADIENT, List.of("layers.0.bias"), "mse"),
            Map.of(
                Manifest.POLICY, new BundleExport.GraphExport(arch, p, Set.of("layers.0.bias"))));
    Outcome o = run(biasOnly, new JavaPolicyController(biasOnly.graph(Manifest.POLICY)), true, 3);
    assertThat(count(o.events(), "accepted")).isPositive();
    var w = arch.layout().slice("layers.0.weight");
    var b = arch.layout().slice("layers.0.bias");
    for (int i = w.offset(); i < w.end(); i++) {
      assertThat(o.inUse()[i]).isEqualTo(p[i]);
    }
    assertThat(o.inUse()[b.offset()]).isNotEqualTo(p[b.offset()]);
  }

  @Test
  void unsupportedPoliciesAndLossesAreRefusedWithTheReason() throws Exception {
    Bundle pg = inverseBundle(dir.resolve("pg"), "policy_gradient");
    assertThatThrownBy(
            () ->
                PolicyAdaptation.of(
                    pg,
                    new JavaPolicyController(pg.graph(Manifest.POLICY)),
                    true,
                    true,
                    ChangeDetector.Settings.standard(),
                    null,
                    e -> {}))
        .hasMessageContaining("policy_gradient")
        .hasMessageContaining("PolicyGradientEngine");
    // the policy-gradient path names what such a bundle lacks: its reward, then a Gaussian policy
    assertThatThrownBy(
            () ->
                PolicyGradientFeed.of(
                    pg,
                    new JavaPolicyController(pg.graph(Manifest.POLICY)),
                    new PolicyGradientEngine.Settings(
                        10, 2, 1, 1.0, 1.0, PolicyGradientEngine.Trigger.ON_CHANGE),
                    true,
                    true,
                    ErrorLevelDetector.standard(),
                    null,
                    e -> {}))
        .hasMessageContaining("reward_spec");
    NetworkArchitecture.GruArchitecture gru =
        new NetworkArchitecture.GruArchitecture(
            2, 3, new MlpArchitecture(new int[] {3, 1}, List.of(Activation.IDENTITY)));
    double[] q = new double[gru.layout().size()];
    Bundle recurrent =
        BundleExport.write(
            dir.resolve("gru"),
            manifest(
                gru, AdaptationMode.GRADIENT, List.of(gru.layout().slices().get(0).name()), "mse"),
            Map.of(
                Manifest.POLICY,
                new BundleExport.GraphExport(gru, q, Set.of(gru.layout().slices().get(0).name()))));
    assertThatThrownBy(
            () ->
                PolicyAdaptation.of(
                    recurrent,
                    new JavaPolicyController(recurrent.graph(Manifest.POLICY)),
                    true,
                    true,
                    ChangeDetector.Settings.standard(),
                    null,
                    e -> {}))
        .hasMessageContaining("found gru");
  }

  @Test
  void hindsightRelabelsSetPointsInTheirOwnUnits() {
    TransitionSamples s = TransitionSamples.hindsight(List.of("x", "x_target"), MEAN, STD, 1);
    // raw x goes 0.7 -> 1.1 under action 0.9
    double[] obs = {
      (0.7 - MEAN[0]) / STD[0], (5.0 - MEAN[1]) / STD[1], (1.1 - MEAN[0]) / STD[0], 0
    };
    double[] in = new double[2];
    double[] target = new double[1];
    s.fill(obs, new double[] {0.9, 0}, 0, in, 0, target, 0);
    assertThat(in[0]).isEqualTo(obs[0]);
    assertThat(in[1] * STD[1] + MEAN[1]).isCloseTo(1.1, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(target[0]).isEqualTo(0.9);
    assertThatThrownBy(() -> TransitionSamples.hindsight(List.of("x", "y"), MEAN, STD, 1))
        .hasMessageContaining("needs set-points");
  }
}
