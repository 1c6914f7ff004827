package org.adaptrobot.trainer.rl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.trainer.cli.RlCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RMA's second phase on the robot's task: the module learns what the window shows (the battery's
 * charge, which the battery voltage reveals), and the exported latent bundle computes the latent
 * and the actions the trainer drove with.
 */
class RmaTest {

  static ExecutorService pool;
  static ActorCritic oracle;
  static Rma rma;
  static List<Rma.Round> rounds;

  @TempDir Path dir;

  @BeforeAll
  static void train() {
    pool = Executors.newFixedThreadPool(2);
    Rl2.Config drive = Rl2.Config.robot();
    PpoRun run =
        new PpoRun(
            TaskEnvs.randomTask(
                RobotMetaRl.env(), true, drive.switchProbability(), drive.horizon()),
            RlCommand.ppoConfig("diffdrive", 30_000),
            3);
    run.run(pool, 2, null);
    oracle = run.model();
    Rma.Config c = new Rma.Config(25, 5, new int[] {64, 32}, 1e-3, 128, 20, 2, 600, 25);
    rma = new Rma(oracle, RobotMetaRl.env(), c, 3);
    rounds = rma.train(pool, 2, null);
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
  }

  @Test
  void theModuleLearnsWhatTheWindowShows() {
    double[] oracleDrives = rma.errorOnOracleDrives(50, 99);
    System.out.printf(
        "RMA, latent error per parameter after %d rounds: oracle's drives %s, held-out drives"
            + " acting on it %s%n",
        rounds.size(),
        java.util.Arrays.toString(oracleDrives),
        java.util.Arrays.toString(rounds.getLast().heldOutPerParameter()));
    // battery_soc: the battery voltage in every observation shows it (the normalised parameter
    // has variance about 1, so 0.3 is 70 % of its spread explained)
    assertThat(oracleDrives[0]).isLessThan(0.3);
    assertThat(rounds.getLast().heldOutPerParameter()[0])
        .as(
            "the module's own acting moves it away from what it was fitted on, but it still reads it")
        .isLessThan(0.9);
    assertThat(rounds.getLast().samples()).isEqualTo(2 * 600 * 20);
  }

  @Test
  void theExportedBundleComputesTheTrainersLatentAndActions() throws Exception {
    Bundle b =
        RlBundle.exportLatent(
            dir.resolve("rma"),
            oracle,
            rma,
            RobotMetaRl.OBS_MEAN,
            RobotMetaRl.OBS_STD,
            RobotMetaRl.RATE_HZ,
            RewardSpec.standard(),
            1.0,
            Map.of(),
            3,
            Map.of());
    Manifest m = b.manifest();
    Manifest.LatentSpec l = m.adaptation().latent();
    Mlp encoder = ((MlpArchitecture) b.graph(Manifest.ENCODER).spec().architecture()).build();
    Mlp policy = ((MlpArchitecture) b.graph(Manifest.POLICY).spec().architecture()).build();
    double[] pe = b.graph(Manifest.ENCODER).parameters().values();
    double[] pp = b.graph(Manifest.POLICY).parameters().values();
    int o = m.observation().size();
    double[] window = new double[l.window() * o];
    double[] z = new double[l.size()];
    double[] in = new double[o + l.size()];
    RobotDrives.Driver driver = rma.driver().get();
    driver.reset();
    Env env = TaskEnvs.fixed(RobotMetaRl.env(), RobotDrives.drives(1, 5).get(0)[0]).get();
    double[] obs = new double[o];
    double[] a = new double[2];
    double[] expected = new double[2];
    env.reset(5L, obs);
    Env.Status st = new Env.Status();
    double worst = 0;
    for (int t = 0; t < 300; t++) {
      driver.act(obs, null, 0, null, a);
      // the runtime's way: the raw observation clipped to the bundle's bounds, normalised once
      double[] x = new double[o];
      for (int i = 0; i < o; i++) {
        double raw = obs[i] * RobotMetaRl.OBS_STD[i] + RobotMetaRl.OBS_MEAN[i];
        double clipped =
            Math.max(m.observation().low()[i], Math.min(m.observation().high()[i], raw));
        x[i] = (clipped - m.observation().mean()[i]) / m.observation().std()[i];
      }
      System.arraycopy(window, o, window, 0, (l.window() - 1) * o);
      System.arraycopy(x, 0, window, (l.window() - 1) * o, o);
      if (t % l.updateEvery() == 0) {
        System.arraycopy(encoder.forward(pe, window, 1, encoder.newTape(1)), 0, z, 0, z.length);
      }
      System.arraycopy(x, 0, in, 0, o);
      System.arraycopy(z, 0, in, o, z.length);
      System.arraycopy(policy.forward(pp, in, 1, policy.newTape(1)), 0, expected, 0, 2);
      worst = Math.max(worst, Math.max(Math.abs(a[0] - expected[0]), Math.abs(a[1] - expected[1])));
      env.step(a, obs, st);
    }
    System.out.printf("RMA bundle vs trainer over 300 steps: max |Δa| %.2e%n", worst);
    assertThat(worst).as("float32 weights, one composed normalisation").isLessThan(1e-4);
  }
}
