package org.adaptrobot.models.bundle;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.adaptrobot.models.bundle.BundleExport.GraphExport;
import org.adaptrobot.models.bundle.Manifest.ActionSpec;
import org.adaptrobot.models.bundle.Manifest.AdaptationSpec;
import org.adaptrobot.models.bundle.Manifest.ObservationSpec;
import org.adaptrobot.models.bundle.Manifest.Provenance;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;

/** A valid two-graph bundle (Gaussian policy and dynamics model) for the bundle tests. */
final class TestBundles {

  static final GaussianPolicyArchitecture POLICY =
      new GaussianPolicyArchitecture(
          MlpArchitecture.of(Mlp.of(4, new int[] {16}, 2, Activation.TANH, Activation.IDENTITY)));
  static final MlpArchitecture DYNAMICS =
      MlpArchitecture.of(Mlp.of(6, new int[] {16}, 4, Activation.TANH, Activation.IDENTITY));

  private TestBundles() {}

  static Manifest template() {
    return new Manifest(
        Manifest.FORMAT_VERSION,
        "test-bundle",
        "bundle used by the tests",
        new ObservationSpec(
            List.of("v", "omega", "v_target", "omega_target"),
            List.of("m/s", "rad/s", "m/s", "rad/s"),
            new double[] {-1, -4, -1, -4},
            new double[] {1, 4, 1, 4},
            new double[] {0, 0, 0, 0},
            new double[] {0.5, 2, 0.5, 2}),
        new ActionSpec(
            List.of("left", "right"),
            List.of("1", "1"),
            new double[] {-1, -1},
            new double[] {1, 1},
            new double[] {0.2, 0.2}),
        50.0,
        Map.of(),
        new AdaptationSpec(
            AdaptationMode.MODEL_BASED,
            Manifest.DYNAMICS,
            List.of("layers.1.weight", "layers.1.bias"),
            new double[] {0.01},
            3,
            200,
            50,
            "mse"),
        new Provenance(
            "test",
            Map.of("hidden", 16L, "lr", 0.01),
            42L,
            "test",
            Map.of("loss", 0.5),
            "2026-11-21T00:00:00Z"),
        Map.of());
  }

  static double[] params(int n, long seed) {
    double[] p = new double[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) (2 * r.nextDouble() - 1);
    }
    return p;
  }

  static Map<String, GraphExport> graphs() {
    return Map.of(
        Manifest.POLICY,
        new GraphExport(POLICY, params(POLICY.layout().size(), 1), Set.of()),
        Manifest.DYNAMICS,
        new GraphExport(
            DYNAMICS,
            params(DYNAMICS.layout().size(), 2),
            Set.of("layers.1.weight", "layers.1.bias")));
  }

  static Bundle write(Path target) throws Exception {
    return BundleExport.write(target, template(), new java.util.TreeMap<>(graphs()));
  }
}
