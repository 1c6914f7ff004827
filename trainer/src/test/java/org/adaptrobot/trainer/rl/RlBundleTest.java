package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.sim.env.DiffDriveEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A PPO policy of the robot's task, exported, driven by the runtime as it was trained. */
class RlBundleTest {

  @TempDir Path dir;

  @Test
  void anExportedPolicyRunsInTheRuntimeWithTheTrainersNormalisationAndReward() throws Exception {
    RewardSpec reward = RewardSpec.standard();
    PpoRun run =
        new PpoRun(
            () ->
                new SpecReward(
                    new DiffDriveEnv(DiffDriveEnv.Mode.VELOCITY_TRACKING, 50),
                    SpecReward.DIFF_DRIVE_VELOCITY,
                    reward),
            new PpoRun.Config(
                4,
                256,
                8192,
                new int[] {32, 32},
                Activation.TANH,
                -0.5,
                true,
                new Ppo.Settings(5, 256, 3e-4, false, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.98, 0.95),
                0,
                1),
            5);
    run.run(null, 1, null);
    ActorCritic ac = run.model();
    Path out = dir.resolve("ppo-diffdrive");
    Bundle b = RlBundle.export(out, ac, 50, reward, 1.0, Map.of("steps", 8192), 5, Map.of());
    assertThat(b.manifest().reward()).isEqualTo(reward);
    assertThat(b.manifest().observation().names()).isEqualTo(SpecReward.DIFF_DRIVE_VELOCITY);
    assertThat(b.manifest().observation().mean()).containsExactly(ac.norm.mean());
    RuntimeConfig base = RuntimeConfig.load(Path.of("../src/examples/diffbot-sim.yaml"));
    RuntimeConfig cfg = base.with(out, base.runtime().withControlRate(50));
    Mlp net = ac.policy.meanNetwork();
    Mlp.Workspace ws = net.newWorkspace();
    double[] worst = {0};
    int[] compared = {0};
    try (RobotRuntime rt = RobotRuntime.start(cfg, true, false, 1, RuntimeEvents.NONE, true)) {
      ControlLoop loop = rt.loop();
      loop.stepListener(
          (l, now) -> {
            if (!l.controllerRan()) {
              return;
            }
            double[] obs = new double[9];
            l.observation(obs);
            double[] raw = new double[2];
            l.rawAction(raw);
            double[] mine = new double[2];
            ac.policy.mean(ac.policyParams, obs, mine, ws);
            for (int j = 0; j < 2; j++) {
              worst[0] = Math.max(worst[0], Math.abs(mine[j] - raw[j]));
            }
            compared[0]++;
          });
      loop.targets().hold(0.3, 0.2);
      loop.requestActivate();
      loop.run(200);
      assertThat(loop.lifecycle().active()).as(loop.lifecycle().lastReason()).isTrue();
    }
    // the runtime computes the trained policy's mean action on the observation it normalised
    assertThat(compared[0]).isGreaterThan(190);
    assertThat(worst[0]).isLessThan(1e-5);
  }
}
