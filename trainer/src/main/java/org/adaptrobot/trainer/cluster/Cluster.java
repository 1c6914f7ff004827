package org.adaptrobot.trainer.cluster;

import java.io.Serializable;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Machines that run a meta-iteration's independent jobs for the trainer (the tasks of a
 * meta-batch). The trainer reduces the results in job order, so a run's parameters do not depend on
 * how many members there are or which one ran which job. Implemented by a plug-in module (the
 * {@code cluster} module, on Hazelcast) found through {@link ClusterProvider}; the trainer itself
 * has no dependency on any engine.
 */
public interface Cluster extends AutoCloseable {

  /** A job sent to a member: serialisable, and computable from its own fields alone. */
  interface Job<T extends Serializable> extends Callable<T>, Serializable {}

  /**
   * Runs every job on some member and returns the results in the jobs' order. A job whose member
   * leaves before answering is run again on another member; a job that fails on its own throws here
   * with the member's message.
   */
  <T extends Serializable> List<T> runInOrder(List<? extends Job<T>> jobs);

  /** The members that take jobs (address and threads), for provenance. */
  List<String> members();

  /** How many jobs were run again because their member left. */
  int rerunJobs();

  /** What members must match to take jobs (code and configuration, {@link Fingerprint}). */
  String fingerprint();

  @Override
  void close();
}
