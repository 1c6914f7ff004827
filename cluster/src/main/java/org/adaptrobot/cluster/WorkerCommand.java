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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.adaptrobot.trainer.cluster.Fingerprint;
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
    Engine.quiet();
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
              + join
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
