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
}
