package org.adaptrobot.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pi archive on 64-bit ARM without a Pi: its own {@code bin/robot}, with Debian 13's aarch64
 * Java 21 (fetched by {@code src/test/aarch64/make-sysroot}) running under qemu-aarch64-static, so
 * that the JVM, ONNX Runtime's aarch64 library and the runtime's code all run as aarch64 code.
 */
class Aarch64EmulationIT {

  @TempDir Path work;

  record Result(int exit, String out) {}

  static Result run(Path dir, Path javaHome, Path userHome, String... command) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(Map.of("HOME", userHome.toString()));
    if (javaHome != null) {
      env.put("JAVA_HOME", javaHome.toString());
    }
    CleanProcess.Result r = CleanProcess.run(dir, env, 600, command);
    return new Result(r.exit(), r.all());
  }

  @Test
  void theArchiveSelftestsAndDrivesTheSimulatedRobotOnAnEmulatedAarch64Java() throws Exception {
    Path userHome = Files.createDirectories(work.resolve("home"));
    Path cache = Path.of("target/aarch64").toAbsolutePath();
    Result made =
        run(
            Path.of("."),
            null,
            userHome,
            "bash",
            "src/test/aarch64/make-sysroot",
            cache.toString());
    if (made.exit() != 0) {
      String why =
          "SKIPPED the aarch64 emulation test: make-sysroot could not make an aarch64 Java"
              + " (qemu-user-static installed? Debian's arm64 packages reachable?): "
              + made.out().strip();
      System.out.println(why);
      Assumptions.abort(why);
    }
    Path javaHome = cache.resolve("java-home");
    Path extracted = Files.createDirectories(work.resolve("extracted"));
    assertThat(
            run(
                    extracted,
                    null,
                    userHome,
                    "tar",
                    "xzf",
                    Path.of(System.getProperty("archive")).toAbsolutePath().toString())
                .exit())
        .isZero();
    Path home = extracted.resolve(System.getProperty("archive.name"));

    long t0 = System.nanoTime();
    Result st = run(home, javaHome, userHome, "bin/robot", "selftest");
    double selftestSeconds = (System.nanoTime() - t0) * 1e-9;
    System.out.print(st.out());
    assertThat(st.exit()).as(st.out()).isZero();
    assertThat(st.out())
        .contains("on Linux aarch64", "ONNX Runtime: load the native library", "selftest passed")
        .doesNotContain("pthread_setaffinity_np failed");

    // the first run writes the class-data archive, the second maps it; the third runs without
    Path json = work.resolve("run.json");
    String[] runArgs = {
      "bin/robot",
      "run",
      "--config",
      "share/examples/diffbot-sim.yaml",
      "--sim",
      "--seconds",
      "4",
      "--velocity",
      "0.3,0",
      "--json",
      json.toString()
    };
    long[] startup = new long[3];
    for (int i = 0; i < 3; i++) {
      java.util.List<String> command = new java.util.ArrayList<>();
      if (i == 2) {
        command.addAll(java.util.List.of("env", "ROBOT_CDS=off"));
      }
      command.addAll(java.util.List.of(runArgs));
      Result r = run(home, javaHome, userHome, command.toArray(String[]::new));
      assertThat(r.exit()).as(r.out()).isZero();
      JsonNode s = new ObjectMapper().readTree(json.toFile());
      assertThat(s.get("final_state").asText()).isEqualTo("ACTIVE");
      assertThat(s.get("forward_speed_mps").asDouble()).isBetween(0.28, 0.32);
      startup[i] = s.get("jvm_start_to_first_step_ms").asLong();
    }
    System.out.printf(
        "aarch64 under qemu: selftest %.1f s; JVM start to first control step %d ms (CDS archive the"
            + " selftest wrote), %d ms (again), %d ms (without CDS)%n",
        selftestSeconds, startup[0], startup[1], startup[2]);

    // hardware in the loop: the emulated Pi's runtime and drivers against this machine's simulator
    var cfg =
        org.adaptrobot.runtime.config.RuntimeConfig.load(
            home.resolve("share/examples/diffbot-sim.yaml"));
    try (var server =
        new org.adaptrobot.sim.hil.HilServer(
            cfg.hardware(), 1, new java.net.InetSocketAddress("127.0.0.1", 0), null, System.out)) {
      Thread serving =
          new Thread(
              () -> {
                try {
                  server.serve(true);
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      serving.start();
      Path hil = work.resolve("hil.json");
      Result r =
          run(
              home,
              javaHome,
              userHome,
              "bin/robot",
              "run",
              "--config",
              "share/examples/diffbot-sim.yaml",
              "--hil",
              "tcp://127.0.0.1:" + server.address().getPort(),
              "--lockstep",
              "--seconds",
              "4",
              "--velocity",
              "0.3,0",
              "--json",
              hil.toString());
      assertThat(r.exit()).as(r.out()).isZero();
      JsonNode s = new ObjectMapper().readTree(hil.toFile());
      assertThat(s.get("mode").asText()).isEqualTo("hardware-in-the-loop");
      assertThat(s.get("final_state").asText()).isEqualTo("ACTIVE");
      assertThat(s.get("forward_speed_mps").asDouble()).isBetween(0.28, 0.32);
      serving.join(10_000);
      System.out.printf(
          "aarch64 under qemu, hardware in the loop (lockstep) against the x86 simulator: %d steps"
              + " in %.1f s wall, %d transactions%n",
          s.get("steps").asLong(),
          s.get("wall_seconds").asDouble(),
          s.get("hil").get("requests").asLong());
    }
  }
}
