package org.adaptrobot.cluster;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code robot worker}: a member of a meta-training cluster. It computes the tasks the trainer
 * sends ({@code robot train ... --cluster HOST:PORT}) and refuses to join a cluster whose code or
 * configuration differs from its own.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Join (or start) a cluster of machines that meta-train together; runs until stopped.",
      "First machine:   robot worker --interface 10.0.0.1",
      "Other machines:  robot worker --interface 10.0.0.2 --join 10.0.0.1:5701",
      "Trainer:         robot train sine ... --cluster 10.0.0.1:5701",
      "Every worker needs the same build of this project and the same Java as the others."
    })
public final class WorkerCommand implements Callable<Integer> {

  @Option(
      names = "--join",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Members of the cluster to join (default: start a new cluster).")
  String join;

  @Option(
      names = "--port",
      defaultValue = "" + Engine.DEFAULT_PORT,
      description = "Port to listen on; the next free one when taken (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--interface",
      paramLabel = "IP",
      description =
          "The address to listen on and announce to the others (default: chosen by the engine).")
  String iface;

  @Option(names = "--threads", description = "Tasks computed at once (default: all cores).")
  Integer threads;

  @Override
  public Integer call() throws InterruptedException {
    PrintStream out = System.out;
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (nThreads < 1 || port < 1 || port > 65535) {
      throw new IllegalArgumentException("--threads must be >= 1 and --port in 1..65535");
    }
    java.util.List<String> seeds =
        join == null ? java.util.List.of() : Engine.addresses("--join", join);
    // the engine's classes load only here, not when the command line is built
    return WorkerNode.run(seeds, port, iface, nThreads, out);
  }
}
