package org.adaptrobot.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.adaptrobot.runtime.cli.RobotCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RlCommandTest {

  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  static Run robot(String... args) {
    var cl = RobotCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aMetaRlRunWritesItsMetricsCurvePolicyAndHeldOutTest() throws Exception {
    Path out = dir.resolve("promp");
    Run r =
        robot(
            "train",
            "rl",
            "--algo",
            "promp",
            "--env",
            "point-nav",
            "--iterations",
            "2",
            "--eval-tasks",
            "4",
            "--eval-steps",
            "1",
            "--out",
            out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("held-out tasks (4)", "after 0 steps", "after 1 step:");
    assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(3);
    assertThat(out.resolve("curve.png")).isNotEmptyFile();
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(s.get("algorithm").asText()).isEqualTo("promp");
    assertThat(s.get("held_out").get("steps_1").get("mean").isNumber()).isTrue();
    assertThat(s.get("code").asText()).isNotEmpty();
    assertThat(Files.readAllLines(out.resolve("policy.csv"))).hasSizeGreaterThan(1000);
  }

  @Test
  void mamlTrpoMetaTrainsOnPendulumsAndTestsOnExtrapolatedOnes() throws Exception {
    Path out = dir.resolve("pendulum");
    Run r =
        robot(
            "train",
            "rl",
            "--algo",
            "maml_trpo",
            "--env",
            "pendulum",
            "--iterations",
            "1",
            "--eval-tasks",
            "3",
            "--eval-steps",
            "1",
            "--eval-split",
            "EXTRAPOLATION",
            "--out",
            out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("extrapolation tasks (3)");
    assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(2);
  }

  @Test
  void ppoRunsAndBadOptionsAreNamed() {
    Run ok =
        robot(
            "train",
            "rl",
            "--env",
            "cartpole",
            "--steps",
            "2048",
            "--out",
            dir.resolve("ppo").toString());
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("final:");
    Run env = robot("train", "rl", "--env", "mars", "--out", dir.toString());
    assertThat(env.exit()).isEqualTo(2);
    assertThat(env.err())
        .contains(
            "--env: expected cartpole, pendulum, point-nav, point-robot or diffdrive, got 'mars'");
    Run notRobot =
        robot(
            "train",
            "rl",
            "--env",
            "cartpole",
            "--steps",
            "512",
            "--bundle",
            dir.resolve("b").toString(),
            "--out",
            dir.resolve("c").toString());
    assertThat(notRobot.exit()).isEqualTo(2);
    assertThat(notRobot.err()).contains("--bundle: only a diffdrive policy runs on the robot");
    Run mismatch = robot("train", "rl", "--algo", "promp", "--env", "cartpole");
    assertThat(mismatch.exit()).isEqualTo(2);
    assertThat(mismatch.err())
        .contains("needs a task distribution: --env point-nav, point-robot, pendulum or diffdrive");
  }

  @Test
  void mamlTrpoOnTheRobotsTaskExportsABundleThatAdaptsByPolicyGradientOnTheRobot()
      throws Exception {
    Path out = dir.resolve("robot");
    Path b = dir.resolve("diffdrive-maml-rl");
    Run r =
        robot(
            "train",
            "rl",
            "--algo",
            "maml_trpo",
            "--env",
            "diffdrive",
            "--iterations",
            "1",
            "--meta-batch",
            "2",
            "--eval-tasks",
            "2",
            "--eval-steps",
            "1",
            "--bundle",
            b.toString(),
            "--out",
            out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("wrote bundle");
    var bundle = org.adaptrobot.models.bundle.Bundle.load(b);
    var m = bundle.manifest();
    assertThat(m.adaptation().mode())
        .isEqualTo(org.adaptrobot.models.bundle.AdaptationMode.GRADIENT);
    assertThat(m.adaptation().loss()).isEqualTo("policy_gradient");
    assertThat(m.adaptation().queryWindow()).isEqualTo(50);
    assertThat(m.adaptation().supportWindow()).isEqualTo(500);
    assertThat(m.adaptation().adaptableTensors()).isNotEmpty().doesNotContain("log_std");
    assertThat(m.reward()).isEqualTo(org.adaptrobot.models.bundle.RewardSpec.standard());
    assertThat(m.provenance().algorithm()).isEqualTo("maml_trpo");
    assertThat(bundle.graph("policy").spec().architecture())
        .isInstanceOf(
            org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture.class);
    assertThat(m.observation().mean())
        .containsExactly(org.adaptrobot.trainer.rl.RobotMetaRl.OBS_MEAN);
  }

  @Test
  void aResumedMetaRlRunEndsWhereTheUninterruptedOneDoes() throws Exception {
    Path straight = dir.resolve("straight");
    Path broken = dir.resolve("broken");
    String[] common = {
      "train",
      "rl",
      "--algo",
      "promp",
      "--env",
      "point-nav",
      "--meta-batch",
      "3",
      "--trajectories",
      "4",
      "--eval-tasks",
      "2",
      "--eval-steps",
      "1"
    };
    Run a = robot(concat(common, "--iterations", "3", "--out", straight.toString()));
    assertThat(a.exit()).as(a.err()).isZero();
    // interrupted after iteration 2 (checkpoint at 2)
    Run b1 =
        robot(
            concat(
                common,
                "--iterations",
                "2",
                "--checkpoint-every",
                "2",
                "--out",
                broken.toString()));
    assertThat(b1.exit()).as(b1.err()).isZero();
    Run b2 = robot(concat(common, "--iterations", "3", "--resume", "--out", broken.toString()));
    assertThat(b2.exit()).as(b2.err()).isZero();
    assertThat(b2.out()).contains("resuming at meta-iteration 2");
    assertThat(Files.readAllLines(broken.resolve("policy.csv")))
        .isEqualTo(Files.readAllLines(straight.resolve("policy.csv")));
    assertThat(Files.readAllLines(broken.resolve("metrics.csv"))).hasSize(4);
    // another run's checkpoint is refused, naming both
    Run other =
        robot(
            "train",
            "rl",
            "--algo",
            "maml_trpo",
            "--env",
            "point-nav",
            "--iterations",
            "3",
            "--resume",
            "--out",
            broken.toString());
    assertThat(other.exit()).isNotZero();
    assertThat(other.err()).contains("belongs to run 'promp/point-nav");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void rl2TrainsOnTrialsAndReportsTheReturnOfEachEpisode() throws Exception {
    Path out = dir.resolve("rl2");
    Run r =
        robot(
            "train",
            "rl",
            "--algo",
            "rl2",
            "--env",
            "point-nav",
            "--iterations",
            "2",
            "--meta-batch",
            "4",
            "--episodes",
            "2",
            "--eval-tasks",
            "3",
            "--out",
            out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("held-out tasks (3)", "episode 1:", "episode 2:");
    assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(3);
    assertThat(out.resolve("checkpoint.bin")).exists();
    JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(s.get("held_out").get("episode_2").get("mean").isNumber()).isTrue();
    Run switching =
        robot(
            "train",
            "rl",
            "--algo",
            "rl2",
            "--env",
            "point-nav",
            "--iterations",
            "1",
            "--meta-batch",
            "2",
            "--switch-probability",
            "0.5",
            "--eval-tasks",
            "2",
            "--out",
            dir.resolve("rl2s").toString());
    assertThat(switching.exit()).as(switching.err()).isZero();
    Run badSwitch =
        robot("train", "rl", "--algo", "rl2", "--env", "point-nav", "--switch-probability", "2");
    assertThat(badSwitch.exit()).isEqualTo(2);
    assertThat(badSwitch.err()).contains("--switch-probability must be in [0, 1]");
    Run notDistributed =
        robot("train", "rl", "--algo", "ppo", "--env", "cartpole", "--cluster", "127.0.0.1:5701");
    assertThat(notDistributed.exit()).isEqualTo(2);
    assertThat(notDistributed.err())
        .contains("only --algo promp, maml_trpo and rl2 send their tasks to a cluster");
    Run notTheRobot =
        robot("train", "rl", "--algo", "rl2", "--env", "point-nav", "--bundle", "/tmp/x");
    assertThat(notTheRobot.exit()).isEqualTo(2);
    assertThat(notTheRobot.err()).contains("--bundle", "--env diffdrive");
  }

  @Test
  void rl2OnTheRobotWritesARecurrentBundle() throws Exception {
    Path bundle = dir.resolve("rl2-bundle");
    Run r =
        robot(
            "train",
            "rl",
            "--algo",
            "rl2",
            "--env",
            "diffdrive",
            "--iterations",
            "1",
            "--meta-batch",
            "2",
            "--eval-tasks",
            "2",
            "--bundle",
            bundle.toString(),
            "--out",
            dir.resolve("rl2-robot").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("episode 1:", "wrote bundle");
    var b = org.adaptrobot.models.bundle.Bundle.load(bundle);
    assertThat(b.manifest().adaptation().mode().id()).isEqualTo("recurrent");
    var g =
        (org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture)
            b.manifest().graphs().get("policy").architecture();
    assertThat(g.extraInputs())
        .containsExactly("previous_action", "previous_reward", "episode_done");
    assertThat(g.inputSize()).isEqualTo(13);
    assertThat(b.manifest().provenance().hyperparameters())
        .containsEntry("switch_probability", 0.5);
  }

  @Test
  void rmaOnTheRobotWritesALatentBundleThatComputesWhatTheTrainerDrove() throws Exception {
    Path bundle = dir.resolve("rma-bundle");
    Run r =
        robot(
            "train",
            "rl",
            "--algo",
            "rma",
            "--env",
            "diffdrive",
            "--steps",
            "20000",
            "--rounds",
            "1",
            "--drives",
            "20",
            "--window",
            "12",
            "--update-every",
            "2",
            "--bundle",
            bundle.toString(),
            "--out",
            dir.resolve("rma-robot").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("phase 2 round 0", "parameters inferred", "parameters told");
    var b = org.adaptrobot.models.bundle.Bundle.load(bundle);
    var m = b.manifest();
    assertThat(m.adaptation().mode().id()).isEqualTo("latent");
    assertThat(m.adaptation().latent().window()).isEqualTo(12);
    assertThat(m.adaptation().latent().updateEvery()).isEqualTo(2);
    assertThat(m.graphs().get("encoder").architecture().inputSize()).isEqualTo(12 * 9);
    assertThat(m.graphs().get("policy").architecture().inputSize()).isEqualTo(9 + 7);
    assertThat(m.provenance().hyperparameters()).containsEntry("rounds", 1L);
    Run bad = robot("train", "rl", "--algo", "rma", "--env", "point-nav");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--algo rma", "--env diffdrive");
    Run none = robot("train", "rl", "--algo", "rma", "--env", "diffdrive", "--window", "0");
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err()).contains("--window and --update-every must be >= 1, got 0 and 5");
  }

  @Test
  void pearlTrainsOnTwoDimensionalNavigationAndTheRobotOnly() throws Exception {
    Path out = dir.resolve("pearl");
    Run r =
        robot(
            "train",
            "rl",
            "--algo",
            "pearl",
            "--env",
            "point-nav",
            "--iterations",
            "1",
            "--eval-tasks",
            "3",
            "--train-tasks",
            "20",
            "--kl-weight",
            "0",
            "--out",
            out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("episode 1 (prior)", "episode 2 (posterior)", "goal R²");
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(summary.get("train_tasks").asInt()).isEqualTo(20);
    assertThat(summary.get("kl_weight").asDouble()).isZero();
    assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(2);
    Path half = dir.resolve("pearl-point-robot");
    Run circle =
        robot(
            "train",
            "rl",
            "--algo",
            "pearl",
            "--env",
            "point-robot",
            "--iterations",
            "1",
            "--eval-tasks",
            "3",
            "--train-tasks",
            "16",
            "--out",
            half.toString());
    assertThat(circle.exit()).as(circle.err()).isZero();
    // Pearl.Config.pointRobot(): 10 initial episodes per goal, then 5 goals × (5 + 5) episodes,
    // 20 steps each
    assertThat(Files.readAllLines(half.resolve("metrics.csv")).get(1))
        .startsWith("1," + (16 * 10 * 20 + 5 * 10 * 20) + ",");
    Run bad = robot("train", "rl", "--algo", "pearl", "--env", "pendulum");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--algo pearl", "--env point-nav, point-robot or diffdrive");
    Run negative =
        robot("train", "rl", "--algo", "pearl", "--env", "point-nav", "--reward-decoder", "-1");
    assertThat(negative.exit()).isEqualTo(2);
    assertThat(negative.err()).contains("--reward-decoder must be >= 0");
    Run few = robot("train", "rl", "--algo", "pearl", "--env", "point-nav", "--train-tasks", "8");
    assertThat(few.exit()).isEqualTo(2);
    assertThat(few.err()).contains("--train-tasks must be >= 16", "got 8");
    Run kl = robot("train", "rl", "--algo", "pearl", "--env", "point-nav", "--kl-weight", "-0.5");
    assertThat(kl.exit()).isEqualTo(2);
    assertThat(kl.err()).contains("--kl-weight must be >= 0, got -0.5");
  }

  @Test
  void sacTrainsOnThePendulumAndRefusesABundle() throws Exception {
    Path out = dir.resolve("sac");
    Run r =
        robot(
            "train",
            "rl",
            "--algo",
            "sac",
            "--env",
            "pendulum",
            "--steps",
            "1000",
            "--out",
            out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("1000 steps: deterministic", "final:");
    assertThat(Files.readAllLines(out.resolve("metrics.csv")).getFirst())
        .isEqualTo("evaluation,env_steps,return,alpha,seconds");
    Run b = robot("train", "rl", "--algo", "sac", "--env", "diffdrive", "--bundle", "/tmp/x");
    assertThat(b.exit()).isEqualTo(2);
    assertThat(b.err()).contains("SAC policies are not exported");
  }
}
