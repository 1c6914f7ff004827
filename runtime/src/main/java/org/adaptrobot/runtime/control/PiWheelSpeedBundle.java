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
 * The classic baseline: a PI controller on each wheel's speed, in velocity form, written as one
 * linear layer so that it runs as an ordinary policy bundle through the same runtime, safety layer
 * and rate limits as every learned controller. From the commanded (v, ω) the wheel targets are ω*_L
 * = (v − ω·b/2)/r and ω*_R = (v + ω·b/2)/r; with e = ω* − ω each duty moves by
 *
 * <pre>
 *   u_k = u_{k−1} + K_p·(e_k − e_{k−1}) + K_i·T·e_k
 * </pre>
 *
 * (T the control period). The velocity form needs no integrator state beyond the last duty and
 * winds up nothing: u_{k−1} is the duty actually applied, after the bounds and rate limits, so a
 * saturated wheel stops integrating (anti-windup by construction). The last step's targets and
 * wheel speeds come from the observation history ({@code name@t-1}).
 */
public final class PiWheelSpeedBundle {

  /** Observation names, in order. */
  public static final List<String> OBSERVATIONS =
      List.of(
          "v_target",
          "omega_target",
          "wheel_left",
          "wheel_right",
          "v_target@t-1",
          "omega_target@t-1",
          "wheel_left@t-1",
          "wheel_right@t-1",
          "prev_left",
          "prev_right");

  private PiWheelSpeedBundle() {}

  /**
   * Writes the bundle.
   *
   * @param wheelRadius m
   * @param trackWidth m
   * @param proportionalGain K_p, duty per (rad/s) of wheel-speed error
   * @param integralGain K_i, duty per (rad/s · s)
   * @param controlRateHz the loop's rate
   * @param maxDutyChange the safety layer's rate limit per step
   * @param provenance how the gains were chosen (kept in the manifest)
   */
  public static Bundle write(
      Path target,
      double wheelRadius,
      double trackWidth,
      double proportionalGain,
      double integralGain,
      double controlRateHz,
      double maxDutyChange,
      Map<String, Object> provenance)
      throws IOException, BundleException {
    MlpArchitecture arch =
        new MlpArchitecture(new int[] {OBSERVATIONS.size(), 2}, List.of(Activation.IDENTITY));
    double[] p = new double[arch.layout().size()];
    int w = arch.layout().slice("layers.0.weight").offset(); // [10, 2]: W[i][j] at i*2+j
    double kp = proportionalGain;
    double ki = integralGain / controlRateHz;
    double half = trackWidth / 2;
    for (int j = 0; j < 2; j++) {
      double turn = j == 0 ? -half : half;
      // e_k: (Kp + Ki T)·(ω* − ω);  e_{k−1}: −Kp·(ω*_{k−1} − ω_{k−1})
      p[w + 0 * 2 + j] = (kp + ki) / wheelRadius; // v_target
      p[w + 1 * 2 + j] = (kp + ki) * turn / wheelRadius; // omega_target
      p[w + (2 + j) * 2 + j] = -(kp + ki); // this wheel's speed
      p[w + 4 * 2 + j] = -kp / wheelRadius; // v_target@t-1
      p[w + 5 * 2 + j] = -kp * turn / wheelRadius; // omega_target@t-1
      p[w + (6 + j) * 2 + j] = kp; // this wheel's speed @t-1
      p[w + (8 + j) * 2 + j] = 1.0; // its last duty
    }
    Map<String, Object> hyper = new LinkedHashMap<>(provenance);
    hyper.put("wheel_radius_m", wheelRadius);
    hyper.put("track_width_m", trackWidth);
    hyper.put("proportional_gain", kp);
    hyper.put("integral_gain", integralGain);
    int n = OBSERVATIONS.size();
    double[] low = {-5, -20, -200, -200, -5, -20, -200, -200, -1, -1};
    double[] high = {5, 20, 200, 200, 5, 20, 200, 200, 1, 1};
    double[] std = new double[n];
    java.util.Arrays.fill(std, 1);
    Manifest template =
        new Manifest(
            Manifest.FORMAT_VERSION,
            "pi-wheel-speed",
            "PI wheel-speed controller in velocity form (anti-windup by construction), gains"
                + " tuned on the simulated robot; no learning.",
            new Manifest.ObservationSpec(
                OBSERVATIONS,
                List.of(
                    "m/s", "rad/s", "rad/s", "rad/s", "m/s", "rad/s", "rad/s", "rad/s", "1", "1"),
                low,
                high,
                new double[n],
                std),
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
                "pi-velocity-form",
                hyper,
                0,
                TrackingControllerBundle.codeVersion(),
                Map.of(),
                java.time.Instant.now()
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    .toString()),
            Map.of());
    return BundleExport.write(
        target, template, Map.of(Manifest.POLICY, new BundleExport.GraphExport(arch, p, Set.of())));
  }
}
