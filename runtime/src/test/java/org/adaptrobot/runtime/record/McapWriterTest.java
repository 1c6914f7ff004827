package org.adaptrobot.runtime.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link McapWriter} writes, read back by an independent reader: Foxglove's {@code @mcap/core}
 * (npm), through the summary and chunk indexes and as a stream.
 */
class McapWriterTest {

  @TempDir Path dir;

  static String run(Path cwd, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return null;
    }
    return p.exitValue() == 0 ? out : null;
  }

  /** {@code @mcap/core} and {@code @mcap/nodejs} in target/mcap-reader, installed once. */
  static Path reader() throws Exception {
    Path home = Path.of("target/mcap-reader").toAbsolutePath();
    if (!Files.isDirectory(home.resolve("node_modules/@mcap/core"))) {
      Files.createDirectories(home);
      Files.writeString(
          home.resolve("package.json"), "{\"name\":\"mcap-reader\",\"private\":true}");
      String why = null;
      if (run(home, "node", "--version") == null) {
        why = "node is not installed";
      } else if (run(
              home,
              "npm",
              "install",
              "--no-audit",
              "--no-fund",
              "@mcap/core@2.2.2",
              "@mcap/nodejs@1.0.2")
          == null) {
        why = "npm could not install @mcap/core";
      }
      if (why != null) {
        System.out.println("SKIPPED McapWriterTest: " + why + " (the independent MCAP reader)");
        Assumptions.abort(why);
      }
    }
    Files.copy(
        McapWriterTest.class.getResourceAsStream("/mcap/read.mjs"),
        home.resolve("read.mjs"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return home;
  }

  @Test
  void anIndependentReaderFindsEveryMessageThroughTheIndexAndAsAStream() throws Exception {
    Path file = dir.resolve("run.mcap");
    long t0 = 1_700_000_000_000_000_000L;
    try (McapWriter w = new McapWriter(file, "", 4096)) {
      int stepSchema =
          w.schema(
              "adaptrobot.Step",
              "jsonschema",
              "{\"type\":\"object\",\"properties\":{\"step\":{\"type\":\"integer\"},"
                  + "\"v\":{\"type\":\"number\"}}}");
      int steps = w.channel("/robot/step", stepSchema, "json");
      int events = w.channel("/robot/events", stepSchema, "json");
      for (int i = 0; i < 1000; i++) {
        byte[] d =
            ("{\"step\":" + i + ",\"v\":" + (0.3 + i * 1e-4) + "}")
                .getBytes(StandardCharsets.UTF_8);
        w.message(steps, t0 + i * 10_000_000L, d, d.length);
        if (i % 100 == 0) {
          w.message(events, t0 + i * 10_000_000L, d, d.length);
        }
      }
      assertThat(w.messages()).isEqualTo(1010);
    }
    Path home = reader();
    String out = run(home, "node", "read.mjs", file.toString());
    assertThat(out).as("the reader failed on the file").isNotNull();
    System.out.println(out);
    JsonNode r = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElseThrow());
    assertThat(r.get("indexed").asInt()).isEqualTo(1010);
    assertThat(r.get("streamed").asInt()).isEqualTo(1010);
    assertThat(r.get("statistics").asInt()).isEqualTo(1010);
    assertThat(r.get("topics").get("/robot/step").asInt()).isEqualTo(1000);
    assertThat(r.get("topics").get("/robot/events").asInt()).isEqualTo(10);
    assertThat(r.get("chunks").asInt()).isGreaterThan(1);
    assertThat(r.get("first").asText()).isEqualTo(Long.toString(t0));
    assertThat(r.get("last").asText()).isEqualTo(Long.toString(t0 + 999 * 10_000_000L));
    assertThat(r.get("sample").get("step").asInt()).isZero();
    assertThat(r.get("schemas").toString()).contains("adaptrobot.Step");
  }

  @Test
  void aFileCutOffMidChunkIsReadableUpToTheLastClosedChunk() throws Exception {
    Path file = dir.resolve("cut.mcap");
    long whole;
    McapWriter w = new McapWriter(file, "", 4096);
    int ch = w.channel("/robot/step", 0, "json");
    byte[] d = "{\"step\":0,\"v\":0.3,\"pad\":\"................................\"}".getBytes();
    // chunks of 4096 bytes hold 4096 / (9 + 22 + d.length) messages, closed as they fill
    for (int i = 0; i < 500; i++) {
      w.message(ch, i * 10_000_000L, d, d.length);
    }
    int perChunk = (int) Math.ceil(4096.0 / (9 + 22 + d.length));
    // the process dies here, the writer never closed: only the closed chunks reached the file
    whole = Files.size(file);
    int closedChunks = 500 / perChunk;
    // and the tail of the file is cut in the middle of the next record as well
    try (var ch2 =
        java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch2.truncate(whole - 100);
    }
    Path home = reader();
    String out2 = run(home, "node", "read.mjs", file.toString(), "--stream-only");
    assertThat(out2).as("the stream reader failed on the cut file").isNotNull();
    JsonNode r = new ObjectMapper().readTree(out2.lines().reduce((a, b) -> b).orElseThrow());
    System.out.printf(
        "cut-off file: %d of 500 messages readable (%d per chunk, %d chunks closed)%n",
        r.get("streamed").asInt(), perChunk, closedChunks);
    // everything in the chunks closed before the cut, at most one chunk lost
    assertThat(r.get("streamed").asInt()).isBetween((closedChunks - 1) * perChunk, 500);
    assertThat(r.get("done").asBoolean()).isFalse();
  }
}
