package org.adaptrobot.runtime.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.adaptrobot.runtime.cli.BundleCommandTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** robot replay: recorded readings through the same state, pipeline, controller and safety. */
class ReplayTest {

  @TempDir static Path dir;
  static Path recording;

  @BeforeAll
  static void record() {
    recording = dir.resolve("run.mcap");
    var run =
        BundleCommandTest.robot(
            "run",
            "--config",
            "../src/examples/diffbot-sim.yaml",
            "--sim",
            "--seconds",
            "20",
            "--velocity",
            "0.3,0.5",
            "--record",
            recording.toString());
    assertThat(run.exit()).as(run.err()).isZero();
  }

  @Test
  void withTheRecordedBundleEveryActionIsBitIdentical() {
    var r = BundleCommandTest.robot("replay", recording.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("every action bit-identical to the recording (2000 of 2000 steps)");
  }

  @Test
  void withAnotherBundleItReportsWhereAndHowMuchTheActionsDiffer() throws Exception {
    Path json = dir.resolve("whatif.json");
    var r =
        BundleCommandTest.robot(
            "replay",
            recording.toString(),
            "--bundle",
            "../bundles/pi-wheel-speed",
            "--json",
            json.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains(
            "steps differ (another bundle, or adaptation on the robot: expected)",
            "left ",
            "right ");
    var j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
    assertThat(j.get("steps_differing").asLong()).isPositive();
    assertThat(j.get("max_abs_difference").asDouble()).isPositive();
    assertThat(j.get("largest_differences").size()).isEqualTo(5);
  }

  @Test
  void aReadingThatDiffersFromTheRecordingIsCaughtAtItsStep() throws Exception {
    // the same recording with one encoder reading changed at step 1000: the replay must see it
    Path tampered = dir.resolve("tampered.mcap");
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    try (McapWriter w = new McapWriter(tampered, "", 1 << 20)) {
      int schema = w.schema("adaptrobot.Step", "jsonschema", "{}");
      int steps = w.channel("/robot/step", schema, "json");
      int session = w.channel("/robot/session", schema, "json");
      McapReader.read(
          recording,
          (topic, t, data) -> {
            try {
              byte[] out = data;
              if (topic.equals("/robot/step")) {
                var node = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(data);
                if (node.get("step").asLong() == 1000) {
                  var left =
                      (com.fasterxml.jackson.databind.node.ObjectNode)
                          node.get("sensors").get("left");
                  left.put("velocity", left.get("velocity").asDouble() + 0.5);
                  out = json.writeValueAsBytes(node);
                }
                w.message(steps, t, out, out.length);
              } else if (topic.equals("/robot/session")) {
                w.message(session, t, out, out.length);
              }
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
    }
    var r = BundleCommandTest.robot("replay", tampered.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3);
    assertThat(r.out()).contains("FROM THE RECORDING", "first at step 1000");
  }

  @Test
  void aRecordingCutOffMidChunkReplaysUpToItsLastClosedChunk() throws Exception {
    byte[] all = Files.readAllBytes(recording);
    Path cut = dir.resolve("cut.mcap");
    Files.write(cut, java.util.Arrays.copyOf(all, (int) (all.length * 0.6)));
    List<String> topics = new ArrayList<>();
    McapReader.Result res = McapReader.read(cut, (topic, t, d) -> topics.add(topic));
    assertThat(res.truncated()).isTrue();
    long steps = topics.stream().filter("/robot/step"::equals).count();
    // everything before the open chunk is there: at most one chunk (256 KiB) is lost
    long perChunk = 2000L * FlightRecorder.CHUNK_BYTES / all.length;
    assertThat(steps).isBetween(1200 - 2 * perChunk, 1200L);
    var r = BundleCommandTest.robot("replay", cut.toString());
    assertThat(r.err()).contains("ends mid-record");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("every action bit-identical to the recording (" + steps + " of");
  }

  @Test
  void aBadFileGetsAClearError() throws Exception {
    Path bad = dir.resolve("bad.mcap");
    Files.writeString(bad, "not an mcap file at all");
    var r = BundleCommandTest.robot("replay", bad.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains(bad + ": not an MCAP file");
    var missing = BundleCommandTest.robot("replay", dir.resolve("none.mcap").toString());
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("none.mcap: no such file");
  }

  @Test
  void aSizeLimitRotatesTheRecordingKeepingTheNewestFiles() throws Exception {
    Path file = dir.resolve("rot.mcap");
    var run =
        BundleCommandTest.robot(
            "run",
            "--config",
            "../src/examples/diffbot-sim.yaml",
            "--sim",
            "--seconds",
            "20",
            "--velocity",
            "0.3,0",
            "--record",
            file.toString(),
            "--record-max-mb",
            "0.5",
            "--record-files",
            "2");
    assertThat(run.exit()).as(run.err()).isZero();
    // about 2.2 MB in files of at least 0.5 MB: the first ones were deleted, two are kept
    assertThat(file).doesNotExist();
    List<Path> kept;
    try (var s = Files.list(dir)) {
      kept =
          s.filter(p -> p.getFileName().toString().matches("rot\\.\\d+\\.mcap")).sorted().toList();
    }
    assertThat(kept).hasSize(2);
    for (Path p : kept) {
      List<String> topics = new ArrayList<>();
      McapReader.Result res = McapReader.read(p, (topic, t, d) -> topics.add(topic));
      assertThat(res.truncated()).isFalse();
      assertThat(topics).contains("/robot/session", "/robot/step");
      assertThat(Files.size(p)).isLessThan(500 * 1024 + FlightRecorder.CHUNK_BYTES + 64 * 1024);
    }
  }
}
