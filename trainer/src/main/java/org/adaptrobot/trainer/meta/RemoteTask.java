package org.adaptrobot.trainer.meta;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.adaptrobot.trainer.cluster.Cluster;

/**
 * One task of a meta-iteration as a job for a cluster member: the run's recipe, the learner's state
 * at the start of the iteration, and which task. On the member a replica of the run's learner
 * (built once per run from the recipe) is set to that state and computes the task as the trainer's
 * own threads would.
 */
record RemoteTask(
    String run, MetaRecipe recipe, int iteration, Map<String, double[]> state, int task, int k)
    implements Cluster.Job<TaskResult> {

  /** A run's learner on a member and which iteration's state it holds. */
  private static final class Replica {
    final MetaLearner learner;
    final TaskSampler sampler;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    int iteration = -1;

    Replica(MetaRecipe recipe) {
      learner = recipe.learner();
      sampler = recipe.sampler();
    }
  }

  /** The runs this member has recently served (a few; the oldest is dropped). */
  private static final Map<String, Replica> REPLICAS =
      new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Replica> eldest) {
          if (size() > 4) {
            eldest.getValue().learner.close();
            return true;
          }
          return false;
        }
      };

  @Override
  public TaskResult call() {
    Replica r;
    synchronized (REPLICAS) {
      r =
          REPLICAS.computeIfAbsent(
              run,
              x -> {
                System.out.printf("worker: tasks of run %s: %s%n", run, recipe);
                return new Replica(recipe);
              });
    }
    r.lock.readLock().lock();
    try {
      if (r.iteration != iteration) {
        r.lock.readLock().unlock();
        r.lock.writeLock().lock();
        try {
          if (r.iteration != iteration) {
            r.learner.restore(state);
            r.iteration = iteration;
          }
          r.lock.readLock().lock();
        } finally {
          r.lock.writeLock().unlock();
        }
      }
      return r.learner.task(iteration, task, r.sampler, k);
    } finally {
      r.lock.readLock().unlock();
    }
  }
}
