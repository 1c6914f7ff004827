package org.adaptrobot.runtime.control;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;

/**
 * A velocity-tracking controller for a differential-drive robot whose weights are set by hand, not
 * trained: an incremental integral controller on each wheel's speed, written as one linear layer so
 * it travels as an ordinary policy bundle. From the commanded (v, ω) the wheel targets are ω*_L =
 * (v − ω·b/2)/r and ω*_R = (v + ω·b/2)/r, and each duty moves by {@code integralGain} times its
 * wheel's speed error per step: u_k = u_{k−1} + K_i·(ω* − ω). It removes steady-state error
 * whatever the battery, load or motor strength, slowly; it is the baseline the learned policies are
 * compared with, and the bundle the runtime's own tests run.
 */
public final class TrackingControllerBundle {

  /** Observation names, in order. */
  public static final List<String> OBSERVATIONS =
      List.of(
          "v",
          "omega",
          "v_target",
          "omega_target",
          "wheel_left",
          "wheel_right",
          "battery_volts",
          "prev_left",
          "prev_right");

  private TrackingControllerBundle() {}

  /**
   * Writes the bundle.
   *
   * @param wheelRadius m
   * @param trackWidth m
   * @param integralGain duty change per (rad/s) of wheel-speed error per step
   * @param controlRateHz the rate the gain is meant for
   * @param maxDutyChange the safety layer's rate limit per step
   */
  public static Bundle write(
      Path target,
      double wheelRadius,
      double trackWidth,
      double integralGain,
      double controlRateHz,
      double maxDutyChange)
      throws IOException, BundleException {
    MlpArchitecture arch =
        new MlpArchitecture(new int[] {OBSERVATIONS.size(), 2}, List.of(Activation.IDENTITY));
    double[] p = new double[arch.layout().size()];
    int w = arch.layout().slice("layers.0.weight").offset(); // [9, 2] row-major: W[i][j] at i*2+j
    double k = integralGain;
    double halfTrack = trackWidth / 2;
    // left duty (column 0)
    p[w + 2 * 2] = k / wheelRadius; // v_target
    p[w + 3 * 2] = -k * halfTrack / wheelRadius; // omega_target
    p[w + 4 * 2] = -k; // wheel_left
    p[w + 7 * 2] = 1.0; // prev_left
    // right duty (column 1)
    p[w + 2 * 2 + 1] = k / wheelRadius;
    p[w + 3 * 2 + 1] = k * halfTrack / wheelRadius;
    p[w + 5 * 2 + 1] = -k;
    p[w + 8 * 2 + 1] = 1.0;
    Manifest template =
        new Manifest(
            Manifest.FORMAT_VERSION,
            "tracking-integral",
            "Incremental integral wheel-speed controller with analytically set weights (no training).",
            new Manifest.ObservationSpec(
                OBSERVATIONS,
                List.of("m/s", "rad/s", "m/s", "rad/s", "rad/s", "rad/s", "V", "1", "1"),
                new double[] {-5, -20, -5, -20, -200, -200, 0, -1, -1},
                new double[] {5, 20, 5, 20, 200, 200, 20, 1, 1},
                new double[9],
                new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1}),
            new Manifest.ActionSpec(
                List.of("left", "right"),
                List.of("1", "1"),
                new double[] {-1, -1},
                new double[] {1, 1},
                new double[] {maxDutyChange, maxDutyChange}),
            controlRateHz,
            Map.of(),
            Manifest.AdaptationSpec.none(),
            new Manifest.Provenance(
                "analytic-integral-tracking",
                hyper(wheelRadius, trackWidth, k),
                0,
                codeVersion(),
                Map.of(),
                java.time.Instant.now()
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    .toString()),
            Map.of());
    return BundleExport.write(
        target,
        template,
        Map.of(Manifest.POLICY, new BundleExport.GraphExport(arch, p, Set.of("layers.0.bias"))));
  }

  private static Map<String, Object> hyper(double r, double b, double k) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("wheel_radius_m", r);
    h.put("track_width_m", b);
    h.put("integral_gain", k);
    return h;
  }

  static String codeVersion() {
    String v = TrackingControllerBundle.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }
}
