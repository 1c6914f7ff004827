package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.observation.ObservationPipeline;
import org.adaptrobot.sim.env.DiffDriveEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle's reward spec: read from the manifest, and the same number in trainer and runtime. */
class RewardSpecTest {

  @TempDir Path dir;

  static final String SPEC =
      "{\"terms\":[{\"signal\":\"v\",\"target\":\"v_target\",\"weight\":2.0},"
          + "{\"signal\":\"omega\",\"target\":\"omega_target\",\"weight\":0.3},"
          + "{\"signal\":\"battery_volts\",\"weight\":0.001}],"
          + "\"action_penalty\":0.01,\"action_change_penalty\":0.05}";

  Path bundleWith(String rewardJson) throws Exception {
    Path b = dir.resolve("bundle");
    if (Files.exists(b)) {
      try (var s = Files.walk(b)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(b);
    try (var s = Files.list(Path.of("../bundles/tracking-integral"))) {
      for (Path p : s.toList()) {
        Files.copy(p, b.resolve(p.getFileName()));
      }
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = (ObjectNode) json.readTree(b.resolve("manifest.json").toFile());
    m.set("reward_spec", json.readTree(rewardJson));
    json.writeValue(b.resolve("manifest.json").toFile(), m);
    return b;
  }

  @Test
  void theManifestCarriesTheRewardAndBadOnesAreNamed() throws Exception {
    Bundle b = Bundle.load(bundleWith(SPEC));
    RewardSpec r = b.manifest().reward();
    assertThat(r.terms()).hasSize(3);
    assertThat(r.terms().get(2).target()).isNull();
    assertThat(r.actionChangePenalty()).isEqualTo(0.05);
    assertThatThrownBy(
            () ->
                Bundle.load(
                    bundleWith(
                        "{\"terms\":[{\"signal\":\"speed\",\"target\":\"v_target\",\"weight\":-1}],"
                            + "\"bonus\":1}")))
        .isInstanceOfSatisfying(
            BundleException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.contains("reward_spec.terms[0]: signal \"speed\" is not one"))
                    .anyMatch(p -> p.contains("reward_spec.terms[0].weight: expected a weight"))
                    .anyMatch(p -> p.contains("reward_spec.bonus: unknown field")));
  }

  @Test
  void theRuntimeComputesOnTheRobotTheRewardTheTrainerTrainsWith() throws Exception {
    Path bundle = bundleWith(SPEC);
    RuntimeConfig base = RuntimeConfig.load(Path.of("../src/examples/diffbot-sim.yaml"));
    RuntimeConfig cfg = base.with(bundle, base.runtime());
    List<Double> rewards = new ArrayList<>();
    List<double[]> signals = new ArrayList<>();
    List<double[]> applied = new ArrayList<>();
    List<String> names;
    try (RobotRuntime rt = RobotRuntime.start(cfg, true, false, 3, RuntimeEvents.NONE, true)) {
      ControlLoop loop = rt.loop();
      names = ObservationPipeline.signalNames(rt.bundle().manifest().actuators());
      loop.stepListener(
          (l, now) -> {
            double[] s = new double[names.size()];
            l.signals(s);
            double[] a = new double[2];
            l.appliedAction(a);
            rewards.add(l.controllerRan() ? l.lastReward() : Double.NaN);
            signals.add(s);
            applied.add(a);
          });
      loop.targets().hold(0.3, 0.6);
      loop.requestActivate();
      loop.run(150);
      loop.targets().hold(0.1, -0.4);
      loop.run(150);
    }
    // the trainer's view of each step: DiffDriveEnv's observation layout, the action it applied
    // and the one before, through the trainer's reward
    RewardSpec spec = Bundle.load(bundle).manifest().reward();
    RewardSpec.Evaluator trainer = spec.bind(SpecReward.DIFF_DRIVE_VELOCITY);
    int compared = 0;
    double standardDiffers = 0;
    RewardSpec.Evaluator standard = RewardSpec.standard().bind(SpecReward.DIFF_DRIVE_VELOCITY);
    for (int t = 2; t < rewards.size(); t++) {
      if (Double.isNaN(rewards.get(t))) {
        continue;
      }
      double[] obs = new double[SpecReward.DIFF_DRIVE_VELOCITY.size()];
      for (int i = 0; i < obs.length; i++) {
        obs[i] = signals.get(t)[names.indexOf(SpecReward.DIFF_DRIVE_VELOCITY.get(i))];
      }
      double r = SpecReward.reward(trainer, obs, applied.get(t - 1), applied.get(t - 2));
      assertThat(r).as("step %d", t).isEqualTo(rewards.get(t));
      standardDiffers =
          Math.max(
              standardDiffers,
              Math.abs(r - standard.reward(obs, applied.get(t - 1), applied.get(t - 2))));
      compared++;
    }
    assertThat(compared).isGreaterThan(290);
    assertThat(standardDiffers).isPositive(); // the spec, not the standard reward, was computed
    // and the trainer's environment wrapper uses the same evaluator on DiffDriveEnv
    SpecReward env =
        new SpecReward(
            new DiffDriveEnv(DiffDriveEnv.Mode.VELOCITY_TRACKING, 50),
            SpecReward.DIFF_DRIVE_VELOCITY,
            spec);
    double[] o = new double[env.observationSpace().size()];
    env.reset(1L, o);
    var st = new org.adaptrobot.sim.env.Env.Status();
    double[] a1 = {0.4, 0.3};
    double[] a2 = {1.7, -0.2}; // clipped to 1 by the environment and by the reward
    env.step(a1, o, st);
    double r2 = env.step(a2, o, st);
    assertThat(r2).isEqualTo(trainer.reward(o, new double[] {1.0, -0.2}, a1));
  }
}
