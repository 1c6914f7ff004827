package org.adaptrobot.trainer.rl;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import org.adaptrobot.trainer.cluster.Cluster;
import org.adaptrobot.trainer.cluster.Replicas;

/**
 * The per-task work of a gradient-based meta-RL iteration on this machine's threads or on a
 * cluster's members: sampling (each task's trajectories, inner steps and post-update trajectories)
 * and the computations on a task's batch that follow (outer-step gradients, Fisher-vector products,
 * line-search evaluations). A member rebuilds the run's learner from its recipe once per run, keeps
 * the batches it sampled for the current iteration, and computes on them with the vector each job
 * carries; job {@code i} goes to the same member while the members do not change, and a member
 * without the batch (it joined, or another left) samples it again: sampling is seeded per task, so
 * the batch and every result are the same wherever they are computed.
 */
final class RemoteSampling<L extends RemoteSampling.Learner<T>, T extends Serializable> {

  /** A learner that samples one task of an iteration at given parameters. */
  interface Learner<T extends Serializable> {
    T sample(int iteration, int task, double[] taskParameters, double[] theta);
  }

  /** How members rebuild the run's learner. */
  interface Recipe<L> extends Serializable {
    L learner();
  }

  /**
   * A computation on one task's batch, given the parameters it was sampled at and a vector (a
   * non-capturing lambda: it travels to the members).
   */
  interface Op<L, T> extends Serializable {
    double[] apply(L learner, T batch, double[] theta, double[] vector);
  }

  /** What a member holds for one run: the learner and the current iteration's batches. */
  private static final class Replica {
    final Object learner;
    int iteration = -1;
    final Map<Integer, Object> batches = new HashMap<>();

    Replica(Object learner) {
      this.learner = learner;
    }
  }

  /**
   * One task's work on a member: the batch of (iteration, task) sampled at {@code theta} (kept, or
   * sampled now), then {@code op} on it with {@code vector}, or the batch itself when {@code op} is
   * null.
   */
  private record Job<L extends Learner<T>, T extends Serializable>(
      String run,
      Recipe<L> recipe,
      int iteration,
      int task,
      double[] taskParameters,
      double[] theta,
      Op<L, T> op,
      double[] vector)
      implements Cluster.Job<Serializable> {

    @Override
    @SuppressWarnings("unchecked")
    public Serializable call() {
      Replica r = replica(run, recipe);
      L learner = (L) r.learner;
      T batch;
      synchronized (r) {
        if (r.iteration != iteration) {
          r.batches.clear();
          r.iteration = iteration;
        }
        batch = (T) r.batches.get(task);
      }
      if (batch == null) {
        batch = learner.sample(iteration, task, taskParameters, theta);
        synchronized (r) {
          if (r.iteration == iteration) {
            r.batches.put(task, batch);
          }
        }
      }
      return op == null ? batch : op.apply(learner, batch, theta, vector);
    }
  }

  private static Replica replica(String run, Recipe<?> recipe) {
    return Replicas.of(run, recipe, () -> new Replica(recipe.learner()));
  }

  /**
   * A computation with the run's learner on one item of a list (a held-out task), as a lambda that
   * travels to the members: it must not capture the learner, only plain values.
   */
  interface ItemOp<L> extends Serializable {
    double[] apply(L learner, int index, double[] item);
  }

  /** {@link ItemOp} on one item on a member's replica of the run's learner. */
  private record ItemJob<L>(String run, Recipe<L> recipe, int index, double[] item, ItemOp<L> op)
      implements Cluster.Job<double[]> {
    @Override
    @SuppressWarnings("unchecked")
    public double[] call() {
      return op.apply((L) replica(run, recipe).learner, index, item);
    }
  }

  /** {@code op} on every item, on the pool or one job per item on the members; in item order. */
  double[][] each(ExecutorService pool, int threads, List<double[]> items, ItemOp<L> op) {
    if (cluster == null) {
      return MetaBatch.parallel(pool, threads, items.size(), i -> op.apply(local, i, items.get(i)))
          .toArray(new double[0][]);
    }
    List<ItemJob<L>> jobs = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      jobs.add(new ItemJob<>(run, recipe, i, items.get(i), op));
    }
    return cluster.runInOrder(jobs).toArray(new double[0][]);
  }

  private final L local;
  private final Cluster cluster;
  private final Recipe<L> recipe;
  private final String run = UUID.randomUUID().toString();
  private int iteration;
  private List<double[]> tasks;
  private double[] theta;

  /** Local work on the learner's own threads until {@link #distribute}. */
  RemoteSampling(L local) {
    this(local, null, null);
  }

  private RemoteSampling(L local, Cluster cluster, Recipe<L> recipe) {
    this.local = local;
    this.cluster = cluster;
    this.recipe = recipe;
  }

  /** The same work on {@code cluster}'s members. */
  RemoteSampling<L, T> distribute(Cluster cluster, Recipe<L> recipe) {
    return new RemoteSampling<>(local, cluster, recipe);
  }

  /** Samples every task of an iteration at {@code theta}; batches in task order. */
  @SuppressWarnings("unchecked")
  List<T> sample(
      ExecutorService pool, int threads, int iteration, List<double[]> tasks, double[] theta) {
    this.iteration = iteration;
    this.tasks = tasks;
    this.theta = theta;
    if (cluster == null) {
      return MetaBatch.parallel(
          pool, threads, tasks.size(), i -> local.sample(iteration, i, tasks.get(i), theta));
    }
    return (List<T>) (List<?>) cluster.runInOrder(jobs(null, null));
  }

  /**
   * {@code op} on every task's batch of the last {@link #sample} with {@code vector}, where the
   * batch is; results in task order.
   */
  List<double[]> map(
      ExecutorService pool, int threads, List<T> batches, Op<L, T> op, double[] vector) {
    if (cluster == null) {
      return MetaBatch.parallel(
          pool, threads, batches.size(), i -> op.apply(local, batches.get(i), theta, vector));
    }
    List<double[]> out = new ArrayList<>();
    for (Serializable s : cluster.runInOrder(jobs(op, vector))) {
      out.add((double[]) s);
    }
    return out;
  }

  private List<Job<L, T>> jobs(Op<L, T> op, double[] vector) {
    List<Job<L, T>> jobs = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      jobs.add(new Job<>(run, recipe, iteration, i, tasks.get(i), theta, op, vector));
    }
    return jobs;
  }
}
