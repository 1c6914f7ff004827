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
        .contains("--env: expected cartpole, pendulum, point-nav or diffdrive, got 'mars'");
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
    assertThat(mismatch.err()).contains("needs a task distribution: --env point-nav or pendulum");
  }
}
