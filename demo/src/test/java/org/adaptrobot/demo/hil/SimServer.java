package org.adaptrobot.demo.hil;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code robot sim serve} in a second JVM, as a user starts it on the PC. */
final class SimServer implements AutoCloseable {

  static final String CONFIG = "../src/examples/diffbot-sim.yaml";

  final Process process;
  final int port;
  final List<String> log = new CopyOnWriteArrayList<>();

  private SimServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Starts the simulator on a free loopback port and waits until it listens. */
  static SimServer start(String... extra) throws Exception {
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                cp,
                "org.adaptrobot.runtime.cli.RobotCommand",
                "sim",
                "serve",
                "--config",
                CONFIG,
                "--listen",
                "127.0.0.1:0"));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("listening on tcp://127\\.0\\.0\\.1:(\\d+)");
    List<String> early = new ArrayList<>();
    for (String l; (l = lines.readLine()) != null; ) {
      early.add(l);
      Matcher m = listening.matcher(l);
      if (m.find()) {
        SimServer s = new SimServer(p, Integer.parseInt(m.group(1)));
        s.log.addAll(early);
        Thread drain =
            new Thread(
                () -> {
                  try {
                    for (String x; (x = lines.readLine()) != null; ) {
                      s.log.add(x);
                    }
                  } catch (java.io.IOException ignored) {
                    // the process ended
                  }
                },
                "sim-server-log");
        drain.setDaemon(true);
        drain.start();
        return s;
      }
    }
    p.waitFor(10, TimeUnit.SECONDS);
    throw new IllegalStateException("robot sim serve did not start:\n" + String.join("\n", early));
  }

  /** Waits until the simulator has finished serving its current runtime. */
  void awaitSessionEnd(int sessions) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline
        && log.stream().filter(l -> l.startsWith("session ended")).count() < sessions) {
      Thread.sleep(20);
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
