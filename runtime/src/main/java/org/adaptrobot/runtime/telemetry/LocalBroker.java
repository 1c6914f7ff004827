package org.adaptrobot.runtime.telemetry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Mosquitto broker started by this process on 127.0.0.1 with a generated configuration: the
 * "embedded" broker of a zero-configuration run, and the real broker of the tests. Needs Debian's
 * {@code mosquitto} package (MQTT 5).
 */
public final class LocalBroker implements AutoCloseable {

  /** What the broker is started with. */
  public static final class Options {
    int port;
    Path passwordFile;
    Path aclFile;
    Path tlsCertificate;
    Path tlsKey;
    Path tlsCa;

    /** A port; 0 picks a free one. */
    public Options port(int p) {
      this.port = p;
      return this;
    }

    /** Users and passwords (a mosquitto_passwd file); anonymous clients are then refused. */
    public Options passwords(Path file) {
      this.passwordFile = file;
      return this;
    }

    /** Topic access rules (mosquitto's acl_file syntax). */
    public Options acl(Path file) {
      this.aclFile = file;
      return this;
    }

    /**
     * TLS with this server certificate, key and the CA that clients may present certificates of.
     */
    public Options tls(Path certificate, Path key, Path ca) {
      this.tlsCertificate = certificate;
      this.tlsKey = key;
      this.tlsCa = ca;
      return this;
    }
  }

  private final Path dir;
  private final Options options;
  private final int port;
  private Process process;

  private LocalBroker(Path dir, Options options, int port) {
    this.dir = dir;
    this.options = options;
    this.port = port;
  }

  /** The mosquitto executable, or null when it is not installed. */
  public static Path executable() {
    for (String p :
        new String[] {
          "/usr/sbin/mosquitto",
          "/usr/local/sbin/mosquitto",
          "/usr/bin/mosquitto",
          "/opt/homebrew/sbin/mosquitto",
          "/usr/local/opt/mosquitto/sbin/mosquitto"
        }) {
      if (Files.isExecutable(Path.of(p))) {
        return Path.of(p);
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        Path p = Path.of(d, "mosquitto");
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  /** Starts a broker and waits until it accepts connections (at most 5 s). */
  public static LocalBroker start(Options options) throws IOException {
    if (executable() == null) {
      throw new IOException(
          "no mosquitto broker is installed; install it (Debian, Raspberry Pi OS:"
              + " sudo apt-get install mosquitto) or set telemetry.broker to a running broker");
    }
    int port = options.port != 0 ? options.port : freePort();
    Path dir = Files.createTempDirectory("adaptrobot-broker");
    LocalBroker b = new LocalBroker(dir, options, port);
    b.startProcess();
    return b;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void startProcess() throws IOException {
    List<String> conf = new ArrayList<>();
    conf.add("listener " + port + " 127.0.0.1");
    conf.add("persistence false");
    // Started as root, mosquitto would drop to the 'mosquitto' user and lose access to our
    // (private) configuration files: keep the identity of the process that starts it.
    conf.add("user " + System.getProperty("user.name"));
    conf.add("log_dest stderr");
    conf.add("log_type error");
    conf.add("log_type warning");
    conf.add("max_queued_messages 100000");
    // small messages (events, replies) go out at once instead of waiting for Nagle's algorithm
    conf.add("set_tcp_nodelay true");
    if (options.passwordFile != null) {
      conf.add("allow_anonymous false");
      conf.add("password_file " + options.passwordFile.toAbsolutePath());
    } else {
      conf.add("allow_anonymous true");
    }
    if (options.aclFile != null) {
      conf.add("acl_file " + options.aclFile.toAbsolutePath());
    }
    if (options.tlsCertificate != null) {
      conf.add("certfile " + options.tlsCertificate.toAbsolutePath());
      conf.add("keyfile " + options.tlsKey.toAbsolutePath());
      conf.add("cafile " + options.tlsCa.toAbsolutePath());
      conf.add("require_certificate false");
    }
    Path file = dir.resolve("mosquitto.conf");
    Files.write(file, conf);
    process =
        new ProcessBuilder(executable().toString(), "-c", file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("mosquitto.log").toFile())
            .start();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "mosquitto exited at start ("
                + process.exitValue()
                + "): "
                + Files.readString(dir.resolve("mosquitto.log")).trim());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for mosquitto", e);
        }
      }
    }
    process.destroyForcibly();
    throw new IOException("mosquitto did not accept connections on port " + port + " within 5 s");
  }

  /** What the broker has logged (errors and warnings). */
  public String log() {
    try {
      return Files.readString(dir.resolve("mosquitto.log"));
    } catch (IOException e) {
      return "";
    }
  }

  public int port() {
    return port;
  }

  /** {@code tcp://127.0.0.1:<port>} or {@code ssl://...} with TLS. */
  public String url() {
    return (options.tlsCertificate != null ? "ssl" : "tcp") + "://127.0.0.1:" + port;
  }

  /** Stops the broker (clients see the connection drop). */
  public void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(3, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Starts the broker again on the same port. */
  public void restart() throws IOException {
    stop();
    startProcess();
  }

  public boolean running() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() {
    stop();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a temp folder left behind is harmless
    }
  }
}
