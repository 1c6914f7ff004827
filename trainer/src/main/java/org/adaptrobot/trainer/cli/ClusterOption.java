package org.adaptrobot.trainer.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.adaptrobot.trainer.cluster.Cluster;
import org.adaptrobot.trainer.cluster.ClusterProvider;
import picocli.CommandLine.Option;

/** {@code --cluster}: the meta-batch's tasks go to the members of a cluster of workers. */
final class ClusterOption {

  @Option(
      names = "--cluster",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description =
          "Send each meta-iteration's tasks to the workers of this cluster (started with 'robot"
              + " worker'); the result is bit-identical to a run without it (default: this"
              + " machine's threads).")
  String address;

  /** The cluster, or null without {@code --cluster}: then no engine class is ever loaded. */
  Cluster connect() {
    if (address == null) {
      return null;
    }
    Cluster c = ClusterProvider.connectAny(address, System.err);
    System.err.printf(
        "cluster %s: %d members take tasks: %s%n",
        address, c.members().size(), String.join(", ", c.members()));
    return c;
  }

  /** Provenance for the run's summary: which machines, how many, and re-run tasks. */
  static Map<String, Object> provenance(String address, Cluster c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("address", address);
    m.put("members", c.members());
    m.put("fingerprint", c.fingerprint());
    m.put("rerun_tasks", c.rerunJobs());
    return m;
  }
}
