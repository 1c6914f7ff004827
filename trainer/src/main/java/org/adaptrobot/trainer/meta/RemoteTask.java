package org.adaptrobot.trainer.meta;

import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.adaptrobot.trainer.cluster.Cluster;
import org.adaptrobot.trainer.cluster.Replicas;

/**
 * The jobs a cluster member computes for a supervised meta-learning run: one task of a
 * meta-iteration, or the evaluation of some cases. Each carries the run's recipe and what the tasks
 * read of the learner's state at the moment (θ, Meta-SGD's rates; not the optimiser's moments); on
 * the member a replica of the run's learner (built once per run from the recipe) is set to that
 * state and computes what the trainer's own threads would.
 */
final class RemoteTask {

  private RemoteTask() {}

  /** A run's learner on a member and which version of the run's state it holds. */
  private static final class Replica implements AutoCloseable {
    final MetaLearner learner;
    final TaskSampler sampler;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    long version = -1;

    Replica(MetaRecipe recipe) {
      learner = recipe.learner();
      sampler = recipe.sampler();
    }

    /** {@code work} on the learner set to {@code state} (version {@code version}). */
    <R> R at(long version, Map<String, double[]> state, Function<Replica, R> work) {
      lock.readLock().lock();
      try {
        if (this.version != version) {
          lock.readLock().unlock();
          lock.writeLock().lock();
          try {
            if (this.version != version) {
              learner.restoreTaskState(state);
              this.version = version;
            }
            lock.readLock().lock();
          } finally {
            lock.writeLock().unlock();
          }
        }
        return work.apply(this);
      } finally {
        lock.readLock().unlock();
      }
    }

    @Override
    public void close() {
      learner.close();
    }
  }

  private static Replica replica(String run, MetaRecipe recipe) {
    return Replicas.of(run, recipe, () -> new Replica(recipe));
  }

  /** Task {@code task} of meta-iteration {@code iteration} from the state of {@code version}. */
  record Task(
      String run,
      MetaRecipe recipe,
      long version,
      Map<String, double[]> state,
      int iteration,
      int task,
      int k)
      implements Cluster.Job<TaskResult> {
    @Override
    public TaskResult call() {
      return replica(run, recipe)
          .at(version, state, r -> r.learner.task(iteration, task, r.sampler, k));
    }
  }

  /** {@link MetaLearner#evaluateHere} of some cases from the state of {@code version}. */
  record Evaluation(
      String run,
      MetaRecipe recipe,
      long version,
      Map<String, double[]> state,
      List<EvalCase> cases,
      int[] steps)
      implements Cluster.Job<double[][]> {
    @Override
    public double[][] call() {
      return replica(run, recipe).at(version, state, r -> r.learner.evaluateHere(cases, steps));
    }
  }
}
