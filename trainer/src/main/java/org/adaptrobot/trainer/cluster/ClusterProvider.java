package org.adaptrobot.trainer.cluster;

import java.io.PrintStream;

/**
 * A distributed engine the trainer can send jobs to, found with {@link java.util.ServiceLoader}
 * only when a command is given {@code --cluster}.
 */
public interface ClusterProvider {

  /**
   * Connects to the cluster at {@code address} (the engine's own notation; for Hazelcast {@code
   * host:port[,host:port...]}); {@code log} receives membership changes and re-runs.
   */
  Cluster connect(String address, PrintStream log);

  /** Connects through the first provider on the class path. */
  static Cluster connectAny(String address, PrintStream log) {
    for (ClusterProvider p : java.util.ServiceLoader.load(ClusterProvider.class)) {
      return p.connect(address, log);
    }
    throw new IllegalStateException(
        "--cluster "
            + address
            + ": no cluster engine on the class path (the cluster module; ./robot includes it)");
  }
}
