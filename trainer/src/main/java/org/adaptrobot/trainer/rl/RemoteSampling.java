package org.adaptrobot.trainer.rl;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import org.adaptrobot.trainer.cluster.Cluster;

/**
 * The sampling phase of a gradient-based meta-RL iteration (each task's trajectories, inner steps
 * and post-update trajectories) on this machine's threads or on a cluster's members. A member
 * rebuilds the run's learner from its recipe once per run and samples with the parameters the job
 * carries, so the batch is the same wherever it was sampled; the outer step stays with the trainer.
 */
final class RemoteSampling {

  /** A learner that samples one task of an iteration at given parameters. */
  interface Learner<T extends Serializable> {
    T sample(int iteration, int task, double[] taskParameters, double[] theta);
  }

  /** How members rebuild the run's learner. */
  interface Recipe<T extends Serializable> extends Serializable {
    Learner<T> learner();
  }

  private record Job<T extends Serializable>(
      String run, Recipe<T> recipe, int iteration, int task, double[] params, double[] theta)
      implements Cluster.Job<T> {

    /** The runs this member has recently served (a few; the oldest is dropped). */
    private static final Map<String, Learner<?>> REPLICAS =
        new LinkedHashMap<>(4, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Learner<?>> eldest) {
            return size() > 4;
          }
        };

    @Override
    @SuppressWarnings("unchecked")
    public T call() {
      Learner<T> replica;
      synchronized (REPLICAS) {
        replica =
            (Learner<T>)
                REPLICAS.computeIfAbsent(
                    run,
                    x -> {
                      System.out.printf("worker: tasks of run %s: %s%n", run, recipe);
                      return recipe.learner();
                    });
      }
      return replica.sample(iteration, task, params, theta);
    }
  }

  private final Cluster cluster;
  private final Recipe<?> recipe;
  private final String run = UUID.randomUUID().toString();

  RemoteSampling(Cluster cluster, Recipe<?> recipe) {
    this.cluster = cluster;
    this.recipe = recipe;
  }

  /**
   * Every task of an iteration sampled by {@code local} on the pool, or by its replicas on the
   * cluster when {@code remote} is not null; results in task order.
   */
  @SuppressWarnings("unchecked")
  static <T extends Serializable> List<T> sample(
      RemoteSampling remote,
      Learner<T> local,
      ExecutorService pool,
      int threads,
      int iteration,
      List<double[]> tasks,
      double[] theta) {
    if (remote == null) {
      return MetaBatch.parallel(
          pool, threads, tasks.size(), i -> local.sample(iteration, i, tasks.get(i), theta));
    }
    List<Job<T>> jobs = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      jobs.add(new Job<>(remote.run, (Recipe<T>) remote.recipe, iteration, i, tasks.get(i), theta));
    }
    return remote.cluster.runInOrder(jobs);
  }
}
