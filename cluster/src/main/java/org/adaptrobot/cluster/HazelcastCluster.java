package org.adaptrobot.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.RetryableException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import java.io.PrintStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.adaptrobot.trainer.cluster.Cluster;
import org.adaptrobot.trainer.cluster.Fingerprint;

/**
 * The trainer's side of a cluster: a Hazelcast client of the workers. Job i goes to member i modulo
 * their number, in the order they joined, among the members whose fingerprint equals the trainer's
 * (others are named once and never used); a job whose member leaves before answering goes to
 * another member; results come back in job order.
 */
final class HazelcastCluster implements Cluster {

  /** How long to wait for a worker when none is there (all left, or none matches). */
  static final long WAIT_MILLIS = 60_000;

  private final HazelcastInstance client;
  private final IExecutorService executor;
  private final PrintStream log;
  private final String fingerprint = Fingerprint.current();
  private final Set<String> named = new HashSet<>();
  private int rerun;

  private HazelcastCluster(HazelcastInstance client, PrintStream log) {
    this.client = client;
    this.executor = client.getExecutorService(Engine.EXECUTOR);
    this.log = log;
  }

  static HazelcastCluster connect(List<String> addresses, PrintStream log) {
    Engine.quiet(java.util.logging.Level.SEVERE);
    ClientConfig config = new ClientConfig();
    config.setClusterName(Engine.CLUSTER_NAME);
    config.getNetworkConfig().setAddresses(addresses);
    config
        .getConnectionStrategyConfig()
        .getConnectionRetryConfig()
        .setClusterConnectTimeoutMillis(15_000);
    HazelcastInstance client;
    try {
      client = HazelcastClient.newHazelcastClient(config);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "--cluster "
              + String.join(",", addresses)
              + ": no worker answered within 15 s (start one with 'robot worker'; is the address"
              + " reachable?)",
          e);
    }
    HazelcastCluster c = new HazelcastCluster(client, log);
    try {
      c.eligible(Set.of(), 0);
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
    return c;
  }

  /**
   * Members that take jobs except those in {@code avoid} (one that just failed to answer), waiting
   * up to {@code waitMillis} for one when there is none.
   */
  private List<Member> eligible(Set<Member> avoid, long waitMillis) {
    long deadline = System.currentTimeMillis() + waitMillis;
    boolean waited = false;
    while (true) {
      List<Member> ok = new ArrayList<>();
      List<Member> refused = new ArrayList<>();
      for (Member m : client.getCluster().getMembers()) {
        if (fingerprint.equals(m.getAttribute(Engine.FINGERPRINT))) {
          ok.add(m);
        } else {
          refused.add(m);
          if (named.add(m.getUuid().toString())) {
            log.printf(
                "cluster: refusing member %s: it runs %s, this trainer %s%n",
                Engine.describe(m), m.getAttribute(Engine.FINGERPRINT), fingerprint);
          }
        }
      }
      List<Member> preferred = new ArrayList<>(ok);
      preferred.removeAll(avoid);
      if (!preferred.isEmpty()) {
        return preferred;
      }
      if (System.currentTimeMillis() >= deadline) {
        throw new IllegalStateException(
            "cluster: no member takes jobs"
                + (waitMillis > 0 ? " after waiting " + waitMillis / 1000 + " s" : "")
                + (refused.isEmpty()
                    ? " (none is left)"
                    : "; refused, other code or configuration: "
                        + refused.stream()
                            .map(
                                m ->
                                    Engine.describe(m)
                                        + " runs "
                                        + m.getAttribute(Engine.FINGERPRINT))
                            .toList()
                        + "; this trainer runs "
                        + fingerprint));
      }
      if (!waited) {
        log.println("cluster: waiting for a worker that runs this code to join ...");
        waited = true;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a worker", e);
      }
    }
  }

  @Override
  public <T extends Serializable> List<T> runInOrder(List<? extends Job<T>> jobs) {
    List<Member> members = eligible(Set.of(), WAIT_MILLIS);
    List<Future<T>> futures = new ArrayList<>(jobs.size());
    List<Member> at = new ArrayList<>(jobs.size());
    for (int i = 0; i < jobs.size(); i++) {
      Member m = members.get(i % members.size());
      at.add(m);
      futures.add(executor.submitToMember(jobs.get(i), m));
    }
    List<T> results = new ArrayList<>(jobs.size());
    for (int i = 0; i < jobs.size(); i++) {
      while (true) {
        try {
          results.add(futures.get(i).get());
          break;
        } catch (ExecutionException e) {
          Member lost = at.get(i);
          if (!memberLoss(e.getCause()) && client.getCluster().getMembers().contains(lost)) {
            throw new IllegalStateException(
                "job " + i + " failed on member " + Engine.describe(lost) + ": " + e.getCause(),
                e.getCause());
          }
          Member other = eligible(Set.of(lost), WAIT_MILLIS).get(0);
          log.printf(
              "cluster: member %s left before answering job %d; running it on %s%n",
              Engine.describe(lost), i, Engine.describe(other));
          rerun++;
          at.set(i, other);
          futures.set(i, executor.submitToMember(jobs.get(i), other));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for job " + i, e);
        }
      }
    }
    return results;
  }

  /** The member is gone (or going): the job itself did not fail. */
  private static boolean memberLoss(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof MemberLeftException
          || c instanceof TargetDisconnectedException
          || c instanceof TargetNotMemberException
          || c instanceof HazelcastInstanceNotActiveException
          || c instanceof RetryableException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public List<String> members() {
    return eligible(Set.of(), WAIT_MILLIS).stream().map(Engine::describe).toList();
  }

  @Override
  public int rerunJobs() {
    return rerun;
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public void close() {
    client.shutdown();
  }
}
