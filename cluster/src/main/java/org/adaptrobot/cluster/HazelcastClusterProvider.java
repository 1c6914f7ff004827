package org.adaptrobot.cluster;

import java.io.PrintStream;
import org.adaptrobot.trainer.cluster.Cluster;
import org.adaptrobot.trainer.cluster.ClusterProvider;

/** The trainer's {@code --cluster}: a Hazelcast client of the workers' cluster. */
public final class HazelcastClusterProvider implements ClusterProvider {
  @Override
  public Cluster connect(String address, PrintStream log) {
    return HazelcastCluster.connect(Engine.addresses("--cluster", address), log);
  }
}
