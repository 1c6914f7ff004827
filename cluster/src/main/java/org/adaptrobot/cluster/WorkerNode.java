package org.adaptrobot.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.adaptrobot.trainer.cluster.Fingerprint;

/** A worker's Hazelcast member: joins, checks the cluster's fingerprint, serves until stopped. */
final class WorkerNode {

  private WorkerNode() {}

  /** Returns the exit code: 0 stopped, 1 nobody to join, 2 refused. */
  static int run(List<String> seeds, int port, String iface, int nThreads, PrintStream out)
      throws InterruptedException {
    Engine.quiet(java.util.logging.Level.WARNING);
    String fingerprint = Fingerprint.current();
    Config config = new Config();
    config.setClusterName(Engine.CLUSTER_NAME);
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(port).setPortAutoIncrement(true);
    if (iface != null) {
      network.getInterfaces().setEnabled(true).addInterface(iface);
      config.setProperty("hazelcast.local.localAddress", iface);
    }
    JoinConfig joining = network.getJoin();
    joining.getMulticastConfig().setEnabled(false);
    joining.getAutoDetectionConfig().setEnabled(false);
    joining.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(5);
    for (String s : seeds) {
      joining.getTcpIpConfig().addMember(s);
    }
    config.getMemberAttributeConfig().setAttribute(Engine.FINGERPRINT, fingerprint);
    config.getMemberAttributeConfig().setAttribute(Engine.THREADS, Integer.toString(nThreads));
    config.getExecutorConfig(Engine.EXECUTOR).setPoolSize(nThreads);

    HazelcastInstance h = Hazelcast.newHazelcastInstance(config);
    Member self = h.getCluster().getLocalMember();
    Member oldest = h.getCluster().getMembers().iterator().next();
    if (!seeds.isEmpty() && h.getCluster().getMembers().size() == 1) {
      h.getLifecycleService().terminate();
      System.err.println(
          "worker: refused to start alone: no member of the cluster at --join "
              + String.join(",", seeds)
              + " answered (is a worker running there, and reachable from here?)");
      return 1;
    }
    if (!oldest.localMember() && !fingerprint.equals(oldest.getAttribute(Engine.FINGERPRINT))) {
      h.getLifecycleService().terminate();
      System.err.println(
          "worker: refused to join: the cluster at "
              + Engine.describe(oldest)
              + " runs "
              + oldest.getAttribute(Engine.FINGERPRINT)
              + ", this worker "
              + fingerprint
              + ". Every member needs the same build of the project and the same Java.");
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    h.getLifecycleService()
        .addLifecycleListener(
            e -> {
              if (e.getState() == LifecycleEvent.LifecycleState.SHUTDOWN) {
                stopped.countDown();
              }
            });
    h.getCluster()
        .addMembershipListener(
            new MembershipListener() {
              @Override
              public void memberAdded(MembershipEvent e) {
                out.printf(
                    "worker: %s joined (%d members)%n",
                    Engine.describe(e.getMember()), e.getMembers().size());
              }

              @Override
              public void memberRemoved(MembershipEvent e) {
                out.printf(
                    "worker: %s left (%d members)%n",
                    Engine.describe(e.getMember()), e.getMembers().size());
              }
            });
    out.printf(
        "worker %s up in a cluster of %d, %s%n",
        Engine.describe(self), h.getCluster().getMembers().size(), fingerprint);
    out.flush();
    stopped.await();
    return 0;
  }
}
