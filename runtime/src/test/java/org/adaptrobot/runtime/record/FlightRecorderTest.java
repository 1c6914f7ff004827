package org.adaptrobot.runtime.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flight recorder on the simulated robot: every step in the file, nothing allocated. */
class FlightRecorderTest {

  @TempDir Path dir;

  @Test
  void robotRunRecordsEveryStepIntoAnMcapFileAnIndependentReaderReads() throws Exception {
    Path file = dir.resolve("run.mcap");
    var run =
        org.adaptrobot.runtime.cli.BundleCommandTest.robot(
            "run",
            "--config",
            "../src/examples/diffbot-sim.yaml",
            "--sim",
            "--seconds",
            "4",
            "--velocity",
            "0.3,0.5",
            "--record",
            file.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).contains("to " + file).doesNotContain("dropped");
    Path home = McapWriterTest.reader();
    String out = McapWriterTest.run(home, "node", "read.mjs", file.toString());
    assertThat(out).as("the reader failed on the file").isNotNull();
    JsonNode r = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElseThrow());
    assertThat(r.get("topics").get("/robot/step").asInt()).isEqualTo(400);
    // the lifecycle transitions (activation, the end) are on their own channel
    assertThat(r.get("topics").get("/robot/events").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(r.get("topics").get("/robot/session").asInt()).isEqualTo(1);
    assertThat(r.get("schemas").toString())
        .contains("adaptrobot.Step", "adaptrobot.Event", "adaptrobot.Session");
    assertThat(r.get("first").asText()).isEqualTo("0");
    JsonNode s = r.get("sample");
    assertThat(s.get("target").get("v").asDouble()).isEqualTo(0.3);
    assertThat(s.get("observation").has("wheel_left")).isTrue();
    assertThat(s.get("duty").has("left")).isTrue();
    // the readings as the drivers returned them, the action before and after the safety layer
    assertThat(s.get("sensors").get("imu").has("gz")).isTrue();
    assertThat(s.get("sensors").get("left").has("count")).isTrue();
    assertThat(s.get("action_raw").has("left")).isTrue();
    assertThat(s.get("action").has("right")).isTrue();
    assertThat(s.get("safety").asText()).isIn("passed", "adjusted", "none");
    assertThat(s.get("state").asText()).isNotEmpty();
  }

  @Test
  void theLoopThreadAllocatesNothingWhileRecording() throws Exception {
    RuntimeConfig c = RuntimeConfig.load(Path.of("../src/examples/diffbot-sim.yaml"));
    try (RobotRuntime rt = RobotRuntime.start(c, true, false, 1, RuntimeEvents.NONE, true);
        FlightRecorder rec =
            new FlightRecorder(
                dir.resolve("alloc.mcap"), rt.bundle().manifest(), 8192, true, rt.agents())) {
      ControlLoop loop = rt.loop();
      rec.then(loop.stepListener());
      loop.stepListener(rec);
      loop.targets().hold(0.3, 0.5);
      loop.requestActivate();
      loop.run(3000); // warm-up: JIT, first writes of the file
      var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long id = Thread.currentThread().threadId();
      long before = threads.getThreadAllocatedBytes(id);
      loop.run(5000);
      double perStep = (threads.getThreadAllocatedBytes(id) - before) / 5000.0;
      System.out.printf("loop thread while recording: %.3f bytes/step%n", perStep);
      assertThat(perStep).isLessThan(1.0);
    }
  }
}
