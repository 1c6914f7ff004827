package org.adaptrobot.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as a user meets it: extracted with tar into an empty folder, run with no
 * Maven repository and nothing else from this checkout, stopped with SIGTERM, installed into a fake
 * root by its own install.sh and removed by uninstall.sh.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PiArchiveIT {

  @TempDir static Path work;
  Path home; // the extracted archive
  Path userHome; // an empty home: no ~/.m2

  record Result(int exit, String out, String err) {}

  Result run(Map<String, String> env, Path dir, String... command) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.putIfAbsent("HOME", userHome.toString());
    all.putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
    CleanProcess.Result r = CleanProcess.run(dir, all, 180, command);
    return new Result(r.exit(), r.out(), r.err());
  }

  @BeforeAll
  void extract() throws Exception {
    Path archive = Path.of(System.getProperty("archive"));
    assertThat(archive).exists();
    userHome = Files.createDirectories(work.resolve("user-home"));
    Path dir = Files.createDirectories(work.resolve("extracted"));
    Result r = run(Map.of(), dir, "tar", "xzf", archive.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    home = dir.resolve(System.getProperty("archive.name"));
    System.out.printf(
        "archive %s: %.1f MB%n", archive.getFileName(), Files.size(archive) / 1048576.0);
  }

  @Test
  void theArchiveCarriesTheAarch64NativesOfOnnxRuntimeAndPi4j() throws Exception {
    Map<String, Long> natives = new TreeMap<>();
    List<String> jars = new ArrayList<>();
    try (var s = Files.list(home.resolve("lib"))) {
      for (Path jar : s.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
        jars.add(jar.getFileName().toString());
        try (ZipFile z = new ZipFile(jar.toFile())) {
          z.stream()
              .filter(e -> e.getName().endsWith(".so"))
              .forEach(e -> natives.put(jar.getFileName() + "!/" + e.getName(), e.getSize()));
        }
      }
    }
    System.out.println("lib/: " + jars);
    natives.forEach((k, v) -> System.out.printf("  native %-90s %,d bytes%n", k, v));
    assertThat(natives.keySet())
        .anyMatch(k -> k.endsWith("ai/onnxruntime/native/linux-aarch64/libonnxruntime.so"))
        .anyMatch(k -> k.endsWith("ai/onnxruntime/native/linux-aarch64/libonnxruntime4j_jni.so"))
        .anyMatch(k -> k.endsWith("lib/aarch64/pi4j-gpiod/libpi4j-gpiod.so"))
        .anyMatch(k -> k.endsWith("lib/aarch64/pi4j-linuxfs/libpi4j-linuxfs.so"));
    assertThat(jars).noneMatch(j -> j.startsWith("trainer") || j.startsWith("demo"));
    assertThat(home.resolve("bin/robot")).isExecutable();
    assertThat(home.resolve("install.sh")).isExecutable();
    assertThat(home.resolve("bundles/diffdrive-bll/manifest.json")).exists();
    assertThat(home.resolve("share/examples/diffbot-sim.yaml")).exists();
  }

  @Test
  void selftestHelpAndASimulatedRunWorkFromTheArchiveAlone() throws Exception {
    Result st = run(Map.of(), home, "bin/robot", "selftest");
    System.out.print(st.out());
    assertThat(st.exit()).as(st.out() + st.err()).isZero();
    assertThat(st.out())
        .contains(
            "ONNX Runtime: load the native library", "bundle diffdrive-bll", "selftest passed");
    for (int i = 0; i < 2; i++) { // the second run maps the class-data archive the first wrote
      Result help = run(Map.of(), home, "bin/robot", "--help");
      assertThat(help.exit()).isZero();
      assertThat(help.err()).as("--help prints no warnings").isEmpty();
      assertThat(help.out()).contains("selftest").doesNotContain("warning");
    }
    Path json = work.resolve("run.json");
    Result r =
        run(
            Map.of(),
            home,
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
            json.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    String summary = Files.readString(json);
    System.out.println(summary);
    assertThat(summary).contains("\"final_state\" : \"ACTIVE\"");
    assertThat(userHome.resolve(".m2")).doesNotExist();
  }

  @Test
  void sigtermStopsTheMotorsBeforeTheJvmExits() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "bin/robot",
                "run",
                "--config",
                "share/examples/diffbot-sim.yaml",
                "--sim",
                "--realtime",
                "--velocity",
                "0.3,0")
            .directory(home.toFile());
    pb.environment().put("HOME", userHome.toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = in.readLine()) != null) {
                  lines.add(System.nanoTime() + " " + l);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            });
    reader.start();
    waitFor(lines, "-> ACTIVE]", 60);
    Thread.sleep(1000); // driving
    long sent = System.nanoTime();
    Result kill = run(Map.of(), home, "kill", "-TERM", Long.toString(p.pid()));
    assertThat(kill.exit()).isZero();
    String braked = waitFor(lines, "-> FINALIZED]", 10);
    long brakedAt = Long.parseLong(braked.substring(0, braked.indexOf(' ')));
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    long exited = System.nanoTime();
    reader.join(2000);
    System.out.printf(
        "SIGTERM -> motors stopped (loop finalized after io.stop): %.1f ms; -> JVM exited: %.1f"
            + " ms; exit status %d; %s%n",
        (brakedAt - sent) * 1e-6, (exited - sent) * 1e-6, p.exitValue(), braked);
    assertThat(braked).contains("[ACTIVE -> FINALIZED] shutdown hook (Ctrl-C or termination)");
    assertThat(p.exitValue()).as("killed by SIGTERM after the hook").isEqualTo(143);
  }

  private static String waitFor(BlockingQueue<String> lines, String text, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String l = lines.poll(100, TimeUnit.MILLISECONDS);
      if (l != null) {
        seen.add(l);
        if (l.contains(text)) {
          return l;
        }
      }
    }
    throw new AssertionError("no line with '" + text + "' within " + seconds + " s: " + seen);
  }

  /** Every file and link under {@code root}, with its content hash or link target. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (var s = Files.walk(root)) {
      for (Path p : s.toList()) {
        String key = root.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.put(key, "-> " + Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p)) {
          out.put(key, Integer.toHexString(java.util.Arrays.hashCode(Files.readAllBytes(p))));
        }
      }
    }
    return out;
  }

  @Test
  void installShInstallsIntoAFakeRootIdempotentlyAndKeepsTheConfiguration() throws Exception {
    Path root = Files.createDirectories(work.resolve("fake-root"));
    Files.createDirectories(root.resolve("proc/device-tree"));
    Files.writeString(
        root.resolve("proc/device-tree/model"), "Raspberry Pi 3 Model B Plus Rev 1.3\0");
    Files.createDirectories(root.resolve("boot/firmware"));
    Files.writeString(root.resolve("boot/firmware/config.txt"), "arm_64bit=1\n");
    Map<String, String> pi = Map.of("ROBOT_UNAME_M", "aarch64");
    Map<String, String> before = snapshot(root);

    Result dry = run(pi, home, "./install.sh", "--dry-run", "--root", root.toString());
    assertThat(dry.exit()).as(dry.out() + dry.err()).isZero();
    assertThat(dry.out())
        .contains(
            "== 1. this machine",
            "== 5. program files",
            "== 7. the systemd service",
            "== 8. self-test",
            "dry run: nothing was changed");
    assertThat(snapshot(root)).as("--dry-run changes nothing").isEqualTo(before);

    Result first = run(pi, home, "./install.sh", "--root", root.toString());
    System.out.print(first.out());
    assertThat(first.exit()).as(first.out() + first.err()).isZero();
    assertThat(first.err()).contains("JDK-8353237");
    String version = Files.readString(home.resolve("VERSION")).trim();
    assertThat(Files.readSymbolicLink(root.resolve("opt/robot")))
        .isEqualTo(Path.of("/opt/robot-" + version));
    assertThat(root.resolve("opt/robot-" + version + "/bin/robot")).isExecutable();
    assertThat(root.resolve("opt/robot-" + version + "/lib")).isDirectory();
    assertThat(Files.readSymbolicLink(root.resolve("usr/local/bin/robot")))
        .isEqualTo(Path.of("/opt/robot/bin/robot"));
    assertThat(root.resolve("etc/systemd/system/robot.service"))
        .hasSameTextualContentAs(home.resolve("systemd/robot.service"));
    assertThat(Files.readString(root.resolve("etc/robot/robot.yaml")))
        .contains("bundle: /opt/robot/bundles/tracking-integral", "bundles: [/opt/robot/bundles]");
    assertThat(root.resolve("etc/robot/diffbot-hardware.yaml")).exists();
    assertThat(Files.readString(root.resolve("etc/default/robot")))
        .contains("-XX:-UseVectorizedHashCodeIntrinsic");
    assertThat(Files.readString(root.resolve("boot/firmware/config.txt")))
        .contains("dtparam=i2c_arm=on");

    Map<String, String> installed = snapshot(root);
    Path config = root.resolve("etc/robot/robot.yaml");
    Files.writeString(config, Files.readString(config) + "# edited by the user\n");
    Result again = run(pi, home, "./install.sh", "--root", root.toString());
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).doesNotContain("  + ").contains("/etc/robot/robot.yaml kept");
    Map<String, String> after = snapshot(root);
    after.remove("etc/robot/robot.yaml");
    installed.remove("etc/robot/robot.yaml");
    assertThat(after).as("a second run changes nothing").isEqualTo(installed);
    assertThat(Files.readString(config)).endsWith("# edited by the user\n");

    // the unit passes systemd's own check (with the archive's launcher in place of /opt/robot)
    if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
      Path unit = work.resolve("robot.service");
      Files.writeString(
          unit,
          Files.readString(home.resolve("systemd/robot.service"))
              .replace("/opt/robot/bin/robot", home.resolve("bin/robot").toString()));
      Result v = run(Map.of(), work, "systemd-analyze", "verify", unit.toString());
      assertThat(v.exit()).as(v.err()).isZero();
      assertThat(v.out() + v.err()).as("no warning from systemd-analyze verify").isBlank();
    } else {
      System.out.println("SKIPPED systemd-analyze verify: /usr/bin/systemd-analyze is not here");
    }

    Result gone = run(Map.of(), home, "./uninstall.sh", "--root", root.toString());
    assertThat(gone.exit()).as(gone.err()).isZero();
    assertThat(root.resolve("opt/robot")).doesNotExist();
    assertThat(root.resolve("opt/robot-" + version)).doesNotExist();
    assertThat(root.resolve("etc/systemd/system/robot.service")).doesNotExist();
    assertThat(config).as("the configuration is kept").exists();
  }

  @Test
  void installShRefusesAMachineItIsNotFor() throws Exception {
    Path root = Files.createDirectories(work.resolve("laptop-root"));
    Result x86 =
        run(Map.of("ROBOT_UNAME_M", "x86_64"), home, "./install.sh", "--root", root.toString());
    assertThat(x86.exit()).isEqualTo(1);
    assertThat(x86.err())
        .contains("this archive is for 64-bit ARM (aarch64), this is x86_64 (--force to go on)");
    Result notPi =
        run(Map.of("ROBOT_UNAME_M", "aarch64"), home, "./install.sh", "--root", root.toString());
    assertThat(notPi.exit()).isEqualTo(1);
    assertThat(notPi.err()).contains("not a Raspberry Pi (board 'unknown'; --force to go on)");
    try (var s = Files.list(root)) {
      assertThat(s.toList()).as("nothing installed").isEmpty();
    }
  }
}
