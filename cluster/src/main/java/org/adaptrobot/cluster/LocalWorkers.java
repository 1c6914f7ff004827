package org.adaptrobot.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code robot worker} processes on this machine's loopback, each in its own JVM with this JVM's
 * class path and module flags, killed by {@link #close}: a real cluster for tests and benchmarks.
 */
public final class LocalWorkers implements AutoCloseable {

  /** One worker process and everything it printed. */
  public static final class Worker {
    public final Process process;
    final List<String> log = new CopyOnWriteArrayList<>();
    int port;

    Worker(Process process) {
      this.process = process;
    }

    /** Whether it said it is up (false: it ended first, see its exit code and output). */
    public boolean up() {
      return port > 0;
    }

    public String address() {
      return "127.0.0.1:" + port;
    }

    public String output() {
      return String.join("\n", log);
    }
  }

  private final List<Worker> started = new ArrayList<>();

  public static String classPath() {
    return System.getProperty("java.class.path");
  }

  /** A free loopback port (the worker takes the next one if it is gone by then). */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts a worker joining {@code join} (null: a new cluster); waits until it is up or ended. */
  public Worker start(String classPath, Worker join) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(
                a ->
                    a.startsWith("--add-")
                        || a.startsWith("--enable-native")
                        || a.startsWith("--sun-misc"))
            .toList());
    cmd.addAll(
        List.of(
            "-cp",
            classPath,
            "org.adaptrobot.runtime.cli.RobotCommand",
            "worker",
            "--interface",
            "127.0.0.1",
            "--port",
            Integer.toString(freePort()),
            "--threads",
            "1"));
    if (join != null) {
      cmd.addAll(List.of("--join", join.address()));
    }
    Worker w = new Worker(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    started.add(w);
    BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(w.process.getInputStream(), StandardCharsets.UTF_8));
    Pattern up = Pattern.compile("^worker 127\\.0\\.0\\.1:(\\d+) .*up in a cluster");
    for (String l; (l = lines.readLine()) != null; ) {
      w.log.add(l);
      Matcher m = up.matcher(l);
      if (m.find()) {
        w.port = Integer.parseInt(m.group(1));
        Thread drain =
            new Thread(
                () -> {
                  try {
                    for (String x; (x = lines.readLine()) != null; ) {
                      w.log.add(x);
                    }
                  } catch (IOException ignored) {
                    // the process ended
                  }
                },
                "worker-log");
        drain.setDaemon(true);
        drain.start();
        return w;
      }
    }
    w.process.waitFor(20, TimeUnit.SECONDS);
    return w; // ended before it was up: the caller reads its exit code and output
  }

  @Override
  public void close() {
    for (Worker w : started) {
      w.process.destroyForcibly();
    }
    for (Worker w : started) {
      try {
        w.process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
