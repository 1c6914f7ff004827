package org.adaptrobot.trainer.rl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;

/**
 * A policy trained on the robot's velocity-tracking task as a bundle the runtime drives: the
 * Gaussian policy's mean network as the policy graph (the robot acts with the mean), the
 * observation normaliser as the manifest's mean and std (with bounds at ±10 std, where the trainer
 * clips), the wheel duties as actions, and the reward spec it was trained with.
 */
public final class RlBundle {

  private RlBundle() {}

  /** Units of {@link SpecReward#DIFF_DRIVE_VELOCITY}. */
  static final List<String> UNITS =
      List.of("m/s", "rad/s", "m/s", "rad/s", "rad/s", "rad/s", "V", "1", "1");

  /**
   * Writes the bundle and loads it back (a bundle that would not load is never reported written).
   *
   * @param maxDutyChange the safety layer's rate limit per step (the environment has none)
   */
  public static Bundle export(
      Path target,
      ActorCritic ac,
      double controlRateHz,
      RewardSpec reward,
      double maxDutyChange,
      Map<String, Object> hyperparameters,
      long seed,
      Map<String, Double> metrics)
      throws IOException, BundleException {
    int o = ac.policy.inputSize();
    if (o != SpecReward.DIFF_DRIVE_VELOCITY.size() || ac.policy.actionSize() != 2) {
      throw new IllegalArgumentException(
          "a robot bundle needs the velocity-tracking observation "
              + SpecReward.DIFF_DRIVE_VELOCITY
              + " and two duties; this policy has "
              + o
              + " inputs and "
              + ac.policy.actionSize()
              + " outputs");
    }
    double[] mean = ac.norm == null ? new double[o] : ac.norm.mean();
    double[] std = new double[o];
    if (ac.norm == null) {
      Arrays.fill(std, 1.0);
    } else {
      std = ac.norm.std();
    }
    double[] low = new double[o];
    double[] high = new double[o];
    for (int i = 0; i < o; i++) {
      low[i] = mean[i] - RunningMeanStd.CLIP * std[i];
      high[i] = mean[i] + RunningMeanStd.CLIP * std[i];
    }
    Mlp net = ac.policy.meanNetwork();
    List<Activation> acts = Arrays.asList(net.activations());
    NetworkArchitecture arch = new NetworkArchitecture.MlpArchitecture(net.layerSizes(), acts);
    double[] params = Arrays.copyOf(ac.policyParams, net.layout().size());
    Manifest template =
        new Manifest(
            Manifest.FORMAT_VERSION,
            target.getFileName().toString(),
            "Wheel-duty policy trained with PPO on the simulated robot's velocity-tracking task.",
            new Manifest.ObservationSpec(
                SpecReward.DIFF_DRIVE_VELOCITY, UNITS, low, high, mean, std),
            new Manifest.ActionSpec(
                Manifest.WHEEL_DUTIES,
                List.of("1", "1"),
                new double[] {-1, -1},
                new double[] {1, 1},
                new double[] {maxDutyChange, maxDutyChange}),
            controlRateHz,
            Map.of(),
            Manifest.AdaptationSpec.none(),
            new Manifest.Provenance(
                "ppo",
                hyperparameters,
                seed,
                org.adaptrobot.trainer.cli.RlCommandVersion.code(),
                metrics,
                java.time.Instant.now()
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    .toString()),
            Map.of(),
            null,
            reward);
    return BundleExport.write(
        target,
        template,
        Map.of(Manifest.POLICY, new BundleExport.GraphExport(arch, params, Set.of())));
  }
}
