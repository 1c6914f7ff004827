package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.adaptrobot.runtime.cli.RobotCommand;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorTest {

  @TempDir Path dir;

  @Test
  void showsEveryRobotsStatusTelemetryAndEvents() throws Exception {
    try (LocalBroker broker = LocalBroker.start(new LocalBroker.Options());
        RobotUnderTest a =
            new RobotUnderTest(
                dir.resolve("a"), RuntimeConfig.Telemetry.to(broker.url(), "alpha", 10), 100);
        RobotUnderTest b =
            new RobotUnderTest(
                dir.resolve("b"), RuntimeConfig.Telemetry.to(broker.url(), "beta", 10), 100);
        RobotUnderTest c =
            new RobotUnderTest(
                Path.of("../bundles/diffdrive-rl2"),
                dir.resolve("c"),
                RuntimeConfig.Telemetry.to(broker.url(), "gamma", 10),
                50);
        RobotUnderTest d =
            new RobotUnderTest(
                Path.of("../bundles/diffdrive-rma"),
                dir.resolve("d"),
                RuntimeConfig.Telemetry.to(broker.url(), "delta", 10),
                50);
        RobotUnderTest e =
            new RobotUnderTest(
                Path.of("../bundles/diffdrive-pearl"),
                dir.resolve("e"),
                RuntimeConfig.Telemetry.to(broker.url(), "epsilon", 10),
                50)) {
      MqttProbe.awaitTrue(
          () ->
              a.publisher().connected()
                  && b.publisher().connected()
                  && c.publisher().connected()
                  && d.publisher().connected()
                  && e.publisher().connected(),
          5,
          "robots online");
      d.loop.requestActivate();
      d.loop.targets().hold(0.2, -0.5);
      e.loop.requestActivate();
      e.loop.targets().hold(0.2, 0.2);
      c.loop.requestActivate();
      c.loop.targets().hold(0.2, 0.5);
      a.loop.requestActivate();
      a.loop.targets().hold(0.3, 0.0);
      StringWriter out = new StringWriter();
      var cl = RobotCommand.commandLine();
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(new StringWriter(), true));
      Thread later =
          new Thread(
              () -> {
                try {
                  Thread.sleep(600);
                  b.loop.requestEStop("pressed");
                } catch (InterruptedException ignored) {
                  Thread.currentThread().interrupt();
                }
              });
      later.start();
      int code = cl.execute("monitor", "--broker", broker.url(), "--seconds", "2", "--plain");
      later.join();
      assertThat(code).isZero();
      String last = out.toString().substring(out.toString().lastIndexOf("robot monitor"));
      assertThat(last)
          .contains("5 robots")
          .containsPattern("gamma\\s+online\\s+ACTIVE")
          .containsPattern(
              "recurrent: hidden ‖h‖ \\d+\\.\\d+, change \\d\\.\\d+ per step, 1 resets")
          .containsPattern("delta\\s+online\\s+ACTIVE")
          .containsPattern(
              "latent: ‖z‖ \\d+\\.\\d+, change \\d\\.\\d+ per encoding, shift \\d+\\.\\d+ over the"
                  + " window, 1 resets")
          .containsPattern("epsilon\\s+online\\s+ACTIVE")
          .containsPattern(
              "latent: ‖z‖ \\d+\\.\\d+, change \\d\\.\\d+ per encoding, shift \\d+\\.\\d+ nats"
                  + " \\(KL\\) over the window, 1 resets")
          .containsPattern("alpha\\s+online\\s+ACTIVE")
          .containsPattern("beta\\s+online\\s+INACTIVE\\s+YES")
          .contains("fault e-stop: pressed");
    }
  }

  @Test
  void saysSoWhenTheBrokerIsUnreachable() {
    StringWriter err = new StringWriter();
    var cl = RobotCommand.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    assertThat(cl.execute("monitor", "--broker", "tcp://127.0.0.1:1", "--seconds", "1"))
        .isEqualTo(1);
    assertThat(err.toString()).contains("cannot reach the broker at tcp://127.0.0.1:1");
  }
}
