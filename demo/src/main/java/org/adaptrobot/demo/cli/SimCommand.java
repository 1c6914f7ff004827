package org.adaptrobot.demo.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.drivers.hil.HilProtocol;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.sim.ScenarioFile;
import org.adaptrobot.sim.hil.HilServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code robot sim}: the simulator on its own, for hardware-in-the-loop runs. */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = "The robot's simulator on this machine (for hardware-in-the-loop testing).",
    subcommands = {SimCommand.Serve.class})
public final class SimCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code robot sim serve}. */
  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = {
        "Host the simulated robot (register-level device twins and physics) for a runtime on a"
            + " Pi: 'robot run --hil tcp://THIS_HOST:PORT' there runs its unchanged drivers, loop"
            + " and safety layer against it. One runtime at a time; each gets a fresh robot built"
            + " as 'robot run --sim --seed N' builds it. Prints 'listening on tcp://HOST:PORT'"
            + " once ready.",
        "The --scenario-file timeline (physics changes, device faults, link faults: delay,"
            + " jitter, loss, disconnect) runs on simulated time."
      })
  public static final class Serve implements Callable<Integer> {

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description =
            "The robot's hardware description (as for robot doctor), or a runtime configuration"
                + " whose hardware: section describes it. The Pi must use the same description;"
                + " the hello compares their hashes.")
    Path config;

    @Option(
        names = "--listen",
        defaultValue = "127.0.0.1:7450",
        paramLabel = "HOST:PORT",
        description =
            "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0:7450 for a Pi on the LAN;"
                + " port 0 picks a free one).")
    String listen;

    @Option(
        names = "--seed",
        defaultValue = "1",
        description = "Simulation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
        names = "--scenario-file",
        paramLabel = "FILE",
        description = "A YAML timeline of changes and faults (see README, Scenario files).")
    Path scenarioFile;

    @Option(names = "--once", description = "Serve one runtime, then exit.")
    boolean once;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      org.adaptrobot.drivers.hardware.RobotHardware hardware;
      ScenarioFile timeline = null;
      try {
        var root = org.adaptrobot.runtime.config.LineYaml.load(config, "a mapping");
        boolean runtimeConfig =
            root.value() instanceof java.util.Map<?, ?> m && m.containsKey("hardware");
        hardware =
            runtimeConfig
                ? RuntimeConfig.load(config).hardware()
                : org.adaptrobot.drivers.hardware.HardwareDescription.load(config);
        if (scenarioFile != null) {
          timeline = ScenarioFile.load(scenarioFile);
        }
      } catch (ConfigException e) {
        err.printf("%d problem%s:%n", e.problems().size(), e.problems().size() == 1 ? "" : "s");
        e.problems().forEach(p -> err.println("  " + p));
        return 1;
      }
      int colon = listen.lastIndexOf(':');
      int port;
      try {
        port = colon <= 0 ? -1 : Integer.parseInt(listen.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 0 || port > 65535) {
        err.println("error: --listen: expected HOST:PORT (e.g. 0.0.0.0:7450), got " + listen);
        return 2;
      }
      ScenarioFile t = timeline;
      java.io.PrintStream log = new java.io.PrintStream(System.out, true);
      try (HilServer server =
          new HilServer(
              hardware,
              seed,
              new InetSocketAddress(listen.substring(0, colon), port),
              t == null
                  ? null
                  : session -> {
                    ScenarioFile.Player player =
                        new ScenarioFile.Player(
                            t,
                            session.simulation(),
                            link -> {
                              if (link.disconnect()) {
                                session.disconnect("scenario: link disconnected");
                              } else {
                                session.link(
                                    link.delayMs() * 1e-3, link.jitterMs() * 1e-3, link.loss());
                              }
                            });
                    return player::advance;
                  },
              log)) {
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sim-serve-shutdown"));
        InetSocketAddress at = server.address();
        log.printf(
            "listening on tcp://%s:%d (hardware %s…, seed %d%s)%n",
            at.getHostString(),
            at.getPort(),
            HilProtocol.shortHash(server.hardwareHash()),
            seed,
            t == null ? "" : ", scenario " + t.name());
        server.serve(once);
        return 0;
      } catch (java.io.IOException e) {
        err.println("error: cannot listen on " + listen + ": " + e.getMessage());
        return 1;
      }
    }
  }
}
