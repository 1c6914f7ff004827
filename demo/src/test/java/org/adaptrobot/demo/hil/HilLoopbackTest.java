package org.adaptrobot.demo.hil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.adaptrobot.drivers.hil.HilClient;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.record.McapReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hardware in the loop on loopback with two processes: {@code robot sim serve} in a second JVM, the
 * runtime with its real drivers in this one, every device transaction over TCP.
 */
class HilLoopbackTest {

  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  static Run robot(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    var cl = org.adaptrobot.runtime.cli.RobotCommand.commandLine();
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static List<String> steps(Path mcap) throws Exception {
    List<String> steps = new ArrayList<>();
    McapReader.read(
        mcap,
        (topic, t, data) -> {
          if (topic.equals("/robot/step")) {
            steps.add(new String(data, StandardCharsets.UTF_8));
          }
        });
    return steps;
  }

  @Test
  void lockstepHilDrivesTheRobotAlongTheSameTrajectoryAsTheInProcessSimulation() throws Exception {
    Path hil = dir.resolve("hil.mcap");
    Path sil = dir.resolve("sil.mcap");
    try (SimServer server = SimServer.start("--seed", "7")) {
      Run r =
          robot(
              "run",
              "--config",
              SimServer.CONFIG,
              "--hil",
              server.uri(),
              "--lockstep",
              "--seconds",
              "4",
              "--velocity",
              "0.3,0.4",
              "--record",
              hil.toString());
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("hardware-in-the-loop run", "lost=no");
    }
    Run s =
        robot(
            "run",
            "--config",
            SimServer.CONFIG,
            "--sim",
            "--seed",
            "7",
            "--seconds",
            "4",
            "--velocity",
            "0.3,0.4",
            "--record",
            sil.toString());
    assertThat(s.exit()).as(s.err()).isZero();
    List<String> a = steps(hil);
    List<String> b = steps(sil);
    assertThat(a).hasSize(400);
    // every sensor reading, observation and action of every step, to the last bit
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i)).as("step %d", i).isEqualTo(b.get(i));
    }
    // and the lockstep HIL recording replays bit-identically
    Run replay = robot("replay", hil.toString());
    assertThat(replay.exit()).as(replay.out() + replay.err()).isZero();
    assertThat(replay.out()).contains("every action bit-identical to the recording (400 of 400");
    JsonNode last = new ObjectMapper().readTree(a.get(a.size() - 1));
    assertThat(last.get("observation").get("v").asDouble()).isBetween(0.27, 0.33);
    assertThat(last.get("sensors").get("left").get("count").asLong()).isGreaterThan(1000);
  }

  @Test
  void realTimeHilReachesTheCommandedVelocity() throws Exception {
    Path json = dir.resolve("run.json");
    Path mcap = dir.resolve("realtime.mcap");
    try (SimServer server = SimServer.start()) {
      Run r =
          robot(
              "run",
              "--config",
              SimServer.CONFIG,
              "--hil",
              server.uri(),
              "--hil-timeout-ms",
              "20",
              "--seconds",
              "4",
              "--velocity",
              "0.3,0",
              "--json",
              json.toString(),
              "--record",
              mcap.toString());
      assertThat(r.exit()).as(r.err()).isZero();
    }
    ObjectMapper mapper = new ObjectMapper();
    JsonNode j = mapper.readTree(json.toFile());
    assertThat(j.get("mode").asText()).isEqualTo("hardware-in-the-loop");
    assertThat(j.get("final_state").asText())
        .as("the run's last transition: %s", j.get("last_reason"))
        .isEqualTo("ACTIVE");
    // the mean over the last second: in real time one step's encoder estimate carries the
    // jitter of a loaded machine (one CI run read 0.269 at the last step)
    List<String> steps = steps(mcap);
    assertThat(steps).hasSizeGreaterThan(300);
    double sum = 0;
    for (String step : steps.subList(steps.size() - 100, steps.size())) {
      sum += mapper.readTree(step).get("observation").get("v").asDouble();
    }
    assertThat(sum / 100).isBetween(0.27, 0.33);
    assertThat(j.get("hil").get("edges").asLong()).isGreaterThan(1000);
    assertThat(j.get("hil").get("mode").asText()).isEqualTo("realtime");
  }

  @Test
  void killingTheSimulatorLatchesTheEStopWithinOnePeriodNamingTheLink() throws Exception {
    RuntimeConfig cfg = RuntimeConfig.load(Path.of(SimServer.CONFIG));
    long period = cfg.runtime().periodNanos();
    SimServer server = SimServer.start();
    AtomicReference<String> reason = new AtomicReference<>();
    List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    RuntimeEvents collect =
        new RuntimeEvents() {
          @Override
          public void transition(
              org.adaptrobot.runtime.lifecycle.LifecycleState from,
              org.adaptrobot.runtime.lifecycle.LifecycleState to,
              String why) {
            events.add(from + " -> " + to + ": " + why);
          }

          @Override
          public void fault(String kind, String message) {
            events.add(kind + ": " + message);
          }
        };
    HilClient link =
        HilClient.connect(
            server.uri(), cfg.hardware(), new HilClient.Options(false, period, 20_000_000L));
    try (RobotRuntime rt = RobotRuntime.startHil(cfg, link, collect, true)) {
      ControlLoop loop = rt.loop();
      AtomicLong lostAt = new AtomicLong();
      link.onLinkLost(
          why -> {
            lostAt.set(System.nanoTime());
            reason.set(why);
          });
      loop.targets().hold(0.3, 0);
      loop.requestActivate();
      Thread runner = new Thread(() -> loop.run(-1), "loop");
      runner.start();
      Thread.sleep(1500);
      assertThat(loop.lifecycle().active()).as(loop.lifecycle().lastReason()).isTrue();
      long stepsBefore = loop.steps();
      server.process.destroyForcibly();
      long latchedAt = 0;
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < deadline) {
        if (loop.lifecycle().eStopLatched()) {
          latchedAt = System.nanoTime();
          break;
        }
        Thread.onSpinWait();
      }
      assertThat(latchedAt).as("the e-stop never latched").isPositive();
      while (System.nanoTime() < deadline && lostAt.get() == 0) {
        Thread.onSpinWait(); // the listener may run just after the loop saw the dead link
      }
      // negative when the loop met the dead link (and stopped) before the listener was told
      long afterLoss = Math.max(0, latchedAt - lostAt.get());
      System.out.printf(
          "simulator killed after %d steps: link lost, e-stop latched %.2f ms later (period %.0f"
              + " ms): %s%n",
          stepsBefore, afterLoss / 1e6, period / 1e6, reason.get());
      assertThat(afterLoss).isLessThanOrEqualTo(period + 2_000_000L);
      // a killed process resets or closes its end, depending on what was in flight
      assertThat(reason.get())
          .startsWith("HIL link " + server.uri() + " lost:")
          .containsAnyOf("the simulator closed the connection", "Connection reset");
      // the e-stop is the link's, or a device's whose error names the link
      long deadline2 = System.nanoTime() + 2_000_000_000L;
      while (System.nanoTime() < deadline2
          && events.stream().noneMatch(e -> e.contains("HIL link " + server.uri() + " lost"))) {
        Thread.sleep(10);
      }
      assertThat(events).anyMatch(e -> e.contains("HIL link " + server.uri() + " lost"));
      loop.requestShutdown("test over");
      runner.join(5000);
      assertThat(runner.isAlive()).isFalse();
    } finally {
      server.close();
    }
  }

  @Test
  void aScriptedDisconnectEndsTheRunInTheSafeStateWithTheLinksReason() throws Exception {
    Path scenario = dir.resolve("drop.yaml");
    Files.writeString(
        scenario,
        """
        name: link drops
        events:
          - at: 1.0
            link: {disconnect: true}
        """);
    try (SimServer server = SimServer.start("--scenario-file", scenario.toString())) {
      Run r =
          robot(
              "run",
              "--config",
              SimServer.CONFIG,
              "--hil",
              server.uri(),
              "--lockstep",
              "--seconds",
              "5",
              "--velocity",
              "0.3,0");
      assertThat(r.exit()).isEqualTo(1);
      // the step that met the dead link stopped the motors (a device error or the link's
      // e-stop, whichever came first), and the run ended with the link's reason
      assertThat(r.err())
          .contains("HIL link " + server.uri() + " lost: the simulator closed the connection")
          .contains(
              "-> FINALIZED] HIL link "
                  + server.uri()
                  + " lost: the simulator closed the connection");
      // the run ended at the disconnect, not after 5 s
      assertThat(r.out()).containsPattern("run: 10[0-9] steps");
      server.awaitSessionEnd(1);
      assertThat(server.log).anyMatch(l -> l.contains("scenario: link disconnected"));
    }
  }

  @Test
  void aLossyLinkIsADeviceErrorAndALinkThatStopsAnsweringIsLost() throws Exception {
    Path scenario = dir.resolve("loss.yaml");
    Files.writeString(
        scenario,
        """
        events:
          - at: 0.5
            link: {loss: 0.05}
          - at: 2.0
            link: {loss: 1.0}
        """);
    try (SimServer server = SimServer.start("--scenario-file", scenario.toString())) {
      Run r =
          robot(
              "run",
              "--config",
              SimServer.CONFIG,
              "--hil",
              server.uri(),
              "--hil-timeout-ms",
              "20",
              "--seconds",
              "6",
              "--velocity",
              "0.3,0");
      assertThat(r.exit()).isEqualTo(1);
      // lost requests are I/O errors the safety layer handles; total silence loses the link
      assertThat(r.err()).contains("no reply to").contains("within 20000 µs");
      assertThat(r.err()).contains("HIL link " + server.uri() + " lost: no reply to");
    }
  }

  @Test
  void aDifferentHardwareDescriptionOrProtocolVersionIsRefusedAtHello() throws Exception {
    Path other = dir.resolve("other.yaml");
    String cfg = Files.readString(Path.of(SimServer.CONFIG));
    Path hw = Path.of("../src/examples/diffbot-hardware.yaml").toAbsolutePath().normalize();
    String hardware =
        Files.readString(hw).replaceFirst("wheel_radius_m: *[0-9.]+", "wheel_radius_m: 0.04");
    assertThat(hardware).contains("wheel_radius_m: 0.04");
    Path otherHw = dir.resolve("hw.yaml");
    Files.writeString(otherHw, hardware);
    Files.writeString(
        other,
        cfg.replace("diffbot-hardware.yaml", otherHw.toString())
            .replace("../../bundles/", Path.of("../bundles").toAbsolutePath().normalize() + "/"));
    try (SimServer server = SimServer.start()) {
      Run r = robot("run", "--config", other.toString(), "--hil", server.uri(), "--seconds", "1");
      assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
      assertThat(r.err())
          .contains("the simulator refused the connection: hardware description differs");
      // another protocol version, spoken by hand
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port)) {
        var w = new org.adaptrobot.drivers.hil.HilProtocol.FrameWriter(64);
        w.start(org.adaptrobot.drivers.hil.HilProtocol.HELLO, 0)
            .i32(org.adaptrobot.drivers.hil.HilProtocol.MAGIC)
            .u16(99)
            .u8(0)
            .i64(10_000_000)
            .bytes(new byte[32], 0, 32);
        s.getOutputStream().write(w.array(), 0, w.finish());
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(answer).contains("protocol version 99 is not this simulator's 1");
      }
      assertThat(server.process.isAlive()).isTrue();
    }
  }

  @Test
  void theLoopThreadAllocatesNothingForItsTransactionsOverTheLink() throws Exception {
    RuntimeConfig cfg = RuntimeConfig.load(Path.of(SimServer.CONFIG));
    try (SimServer server = SimServer.start()) {
      HilClient link =
          HilClient.connect(
              server.uri(),
              cfg.hardware(),
              new HilClient.Options(true, cfg.runtime().periodNanos(), 1_000_000_000L));
      try (RobotRuntime rt = RobotRuntime.startHil(cfg, link, RuntimeEvents.NONE, true)) {
        ControlLoop loop = rt.loop();
        loop.targets().hold(0.3, 0.5);
        loop.requestActivate();
        loop.run(4000); // warm-up: JIT on both sides
        var threads =
            (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(id);
        long requests = link.requests();
        loop.run(5000);
        double perStep = (threads.getThreadAllocatedBytes(id) - before) / 5000.0;
        System.out.printf(
            "HIL lockstep: loop thread %.3f bytes/step over %d transactions%n",
            perStep, link.requests() - requests);
        assertThat(loop.lifecycle().active()).isTrue();
        assertThat(perStep).isLessThan(1.0);
      }
    }
  }

  @Test
  void aScenarioOnThePisSideChangesAndFaultsTheSimulatedRobotOverTheLink() throws Exception {
    Path scenario = dir.resolve("change.yaml");
    Files.writeString(
        scenario,
        """
        events:
          - at: 1.0
            set: {payload_kg: 2.0, left_torque_factor: 0.5}
          - at: 2.0
            fault: {device: imu, fault: io_error}
        """);
    try (SimServer server = SimServer.start()) {
      Run r =
          robot(
              "run",
              "--config",
              SimServer.CONFIG,
              "--hil",
              server.uri(),
              "--lockstep",
              "--seconds",
              "3",
              "--velocity",
              "0.3,0",
              "--scenario-file",
              scenario.toString());
      assertThat(r.err()).contains("[fault sensor_error] mpu6050 'imu'");
      server.awaitSessionEnd(1);
      assertThat(server.log)
          .anyMatch(l -> l.contains("set payload_kg = 2.0"))
          .anyMatch(l -> l.contains("fault imu: io_error"));
      // a bad name is refused by the simulator with its own message
      RuntimeConfig cfg = RuntimeConfig.load(Path.of(SimServer.CONFIG));
      try (HilClient link =
          HilClient.connect(
              server.uri(),
              cfg.hardware(),
              new HilClient.Options(true, cfg.runtime().periodNanos(), 1_000_000_000L))) {
        assertThatThrownBy(() -> link.set("warp_drive", 1.0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("unknown simulation parameter 'warp_drive'");
        assertThatThrownBy(() -> link.fault("lidar", "stuck"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("no simulated I2C device is named 'lidar'");
        link.set("battery_soc", 0.4);
        assertThat(link.truth("battery_volts")).isLessThan(12.0);
      }
    }
  }
}
