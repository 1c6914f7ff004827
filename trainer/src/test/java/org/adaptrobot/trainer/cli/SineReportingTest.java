package org.adaptrobot.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.adaptrobot.trainer.eval.SinusoidExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sinusoid table reports the median and diverged tasks beside the mean, and seeds' spread. */
class SineReportingTest {

  @TempDir Path dir;

  @Test
  void oneDivergedTaskDoesNotHideHowTheOthersAdapted() {
    double[] mse = new double[1000];
    java.util.Arrays.fill(mse, 0.2);
    mse[7] = Double.POSITIVE_INFINITY;
    mse[8] = 0.1;
    var e = SinusoidExperiment.Estimate.of(mse);
    assertThat(e.mean()).isInfinite(); // what the table used to show as "diverged"
    assertThat(e.median()).isEqualTo(0.2);
    assertThat(e.diverged()).isEqualTo(1);
    assertThat(e.meanOfRest())
        .isCloseTo((998 * 0.2 + 0.1) / 999, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(SineCommand.cellText(Double.POSITIVE_INFINITY, 0, 0.2, 1))
        .isEqualTo("diverged (median 0.200, 1 diverged)");
  }

  @Test
  void severalSeedsAreRunAndReported() throws Exception {
    var cl = org.adaptrobot.runtime.cli.RobotCommand.commandLine();
    cl.setErr(new java.io.PrintWriter(new java.io.StringWriter(), true));
    int code =
        cl.execute(
            "train",
            "sine",
            "--algorithms",
            "fomaml",
            "--iterations",
            "20",
            "--eval-every",
            "20",
            "--eval-tasks",
            "20",
            "--oracle-iterations",
            "0",
            "--threads",
            "2",
            "--seeds",
            "2",
            "--out",
            dir.toString());
    assertThat(code).isZero();
    JsonNode rows =
        new ObjectMapper().readTree(dir.resolve("summary.json").toFile()).get("results");
    assertThat(rows.size()).isEqualTo(2);
    assertThat(rows.get(0).get("seed").asLong()).isEqualTo(1);
    assertThat(rows.get(1).get("seed").asLong()).isEqualTo(2);
    assertThat(rows.get(1).has("median_after_10")).isTrue();
    assertThat(rows.get(1).has("diverged_after_10")).isTrue();
    assertThat(rows.get(0).get("mse_after_1").asDouble())
        .isNotEqualTo(rows.get(1).get("mse_after_1").asDouble());
    assertThat(cl.getUsageMessage()).isNotNull();
    String help =
        org.adaptrobot.runtime.cli.RobotCommand.commandLine()
            .getSubcommands()
            .get("train")
            .getSubcommands()
            .get("sine")
            .getUsageMessage();
    assertThat(help).contains("(default: 25)", "(default: 70000)", "(default: runs/sine)");
  }
}
