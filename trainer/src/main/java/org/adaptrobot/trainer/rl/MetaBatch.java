package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;

/**
 * What the meta-RL learners share: the policy they start from, a meta-iteration's training tasks
 * and per-task seeds (all derived from the run's seed, so results do not depend on threads), and
 * running per-task jobs on a pool with the results in task order.
 */
final class MetaBatch {

  private MetaBatch() {}

  /** A fresh Gaussian policy (and value network) for the environment's spaces. */
  static ActorCritic policy(
      Supplier<? extends Env> factory,
      int[] hidden,
      Activation activation,
      double initialLogStd,
      long seed) {
    Env probe = factory.get();
    return new ActorCritic(
        probe.observationSpace().size(),
        probe.actionSpace().size(),
        hidden,
        activation,
        initialLogStd,
        false,
        seed);
  }

  /** The training tasks of one meta-iteration. */
  static List<double[]> trainingTasks(
      Supplier<? extends Env> factory, long seed, int iteration, int n) {
    SplittableRandom random = new SplittableRandom(seed * 7919L + iteration);
    TaskDistribution dist = factory.get().tasks();
    List<double[]> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(dist.sample(TaskDistribution.Split.TRAIN, random));
    }
    return tasks;
  }

  /** The seed of one task's trajectories in one meta-iteration. */
  static long taskSeed(long seed, int iteration, int task) {
    return seed * 1_000_003L + iteration * 10_007L + task * 101L;
  }

  interface Job<T> {
    T run(int i);
  }

  /** Runs {@code n} jobs on the pool, results in index order. */
  static <T> List<T> parallel(ExecutorService pool, int threads, int n, Job<T> job) {
    List<T> out = new ArrayList<>();
    if (pool == null || threads <= 1) {
      for (int i = 0; i < n; i++) {
        out.add(job.run(i));
      }
      return out;
    }
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      futures.add(pool.submit(() -> job.run(k)));
    }
    try {
      for (Future<T> f : futures) {
        out.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("a task failed: " + e.getCause(), e.getCause());
    }
    return out;
  }
}
