package org.adaptrobot.trainer.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.Objective;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.trainer.cluster.Cluster;

/**
 * What the meta-learning algorithms share: the meta-parameters θ, Adam as outer optimiser with meta
 * learning rate β, and a meta-batch of tasks computed in parallel. Each task's random generator is
 * derived from (seed, iteration, task index) and the per-task gradients are summed in task order,
 * so a seeded run gives the same result for any number of threads.
 */
public abstract class MetaLearner implements AutoCloseable {

  /** Per-thread buffers. */
  protected static final class Workspace {
    public final InnerLoop inner;
    public final Objective query;
    public final MeanSquaredError queryLoss;

    Workspace(DifferentiableModel model, int maxBatch) {
      inner = new InnerLoop(model, maxBatch);
      queryLoss = new MeanSquaredError(model.outputSize());
      query = new Objective(model, queryLoss, maxBatch);
    }
  }

  protected final DifferentiableModel model;
  protected final double innerLearningRate;
  protected final int innerSteps;
  protected final double metaLearningRate;
  protected final long seed;
  protected final double[] theta;
  protected final Adam outer;
  private final int maxBatch;
  private final ExecutorService pool;
  private final ThreadLocal<Workspace> workspaces;
  private Cluster cluster;
  private MetaRecipe recipe;
  private String run;

  /** Counts changes of the state (outer steps, restores): what a member's replica is set to. */
  private long version;

  protected MetaLearner(
      DifferentiableModel model,
      double innerLearningRate,
      int innerSteps,
      double metaLearningRate,
      long seed,
      int threads,
      int maxBatch) {
    this.model = model;
    this.innerLearningRate = innerLearningRate;
    this.innerSteps = innerSteps;
    this.metaLearningRate = metaLearningRate;
    this.seed = seed;
    this.maxBatch = maxBatch;
    this.theta = new double[model.layout().size()];
    model.initialise(theta, new SplittableRandom(seed));
    this.outer = new Adam(theta.length, metaLearningRate);
    this.pool =
        Executors.newFixedThreadPool(
            Math.max(1, threads),
            r -> {
              Thread t = new Thread(r, "meta-batch");
              t.setDaemon(true);
              return t;
            });
    this.workspaces = ThreadLocal.withInitial(() -> new Workspace(model, maxBatch));
  }

  public abstract String name();

  public DifferentiableModel model() {
    return model;
  }

  public double[] parameters() {
    return theta;
  }

  public Adam outerOptimizer() {
    return outer;
  }

  public int innerSteps() {
    return innerSteps;
  }

  public double innerLearningRate() {
    return innerLearningRate;
  }

  /**
   * Adds this task's meta-gradient to {@code grad} (zeroed by the caller) and returns the query
   * loss after adaptation.
   */
  protected abstract double taskGradient(Workspace ws, TaskData task, double[] grad);

  /**
   * The common core of the gradient-based learners: adapts {@code start} with rates {@code alpha}
   * on the support set, writes the query loss's gradient at the adapted parameters into {@code
   * grad}, and, when {@code throughAdaptation}, carries it back through the inner steps (exact
   * second order; also into {@code alphaGrad} when that is not null). Returns the query loss.
   */
  protected final double adaptedQueryGradient(
      Workspace ws,
      TaskData task,
      double[] start,
      double[] alpha,
      boolean throughAdaptation,
      double[] grad,
      double[] alphaGrad) {
    double[][] trajectory =
        ws.inner.adapt(start, alpha, task.supportX(), task.supportY(), task.k(), innerSteps);
    ws.queryLoss.targets(task.queryY());
    double loss = ws.query.valueAndGradient(trajectory[innerSteps], task.queryX(), task.k(), grad);
    if (throughAdaptation) {
      ws.inner.backpropagate(
          trajectory, alpha, task.supportX(), task.supportY(), task.k(), grad, alphaGrad);
    }
    return loss;
  }

  /** A rate vector with the same rate for every parameter. */
  protected static double[] uniformRates(int parameters, double rate) {
    double[] a = new double[parameters];
    java.util.Arrays.fill(a, rate);
    return a;
  }

  /** The per-parameter inner rates used to adapt at test time. */
  public abstract double[] adaptationRates();

  /** Where adaptation starts at test time (θ, with a CAVIA context reset to zero). */
  public double[] adaptationStart() {
    return theta.clone();
  }

  /** Applies the averaged meta-gradient; subclasses with extra meta-parameters override. */
  protected void outerStep(double[] meanGradient, List<double[]> extras) {
    outer.step(theta, meanGradient);
  }

  /** Extra per-task outputs (Meta-SGD's rate gradients); null when there are none. */
  protected double[] newExtra() {
    return null;
  }

  /** Same as {@link #taskGradient} with an extra output. */
  protected double taskGradient(Workspace ws, TaskData task, double[] grad, double[] extra) {
    return taskGradient(ws, task, grad);
  }

  static long mix(long seed, long iteration, long task) {
    long z =
        seed * 0x9E3779B97F4A7C15L + iteration * 0xBF58476D1CE4E5B9L + task * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Task {@code index} of meta-iteration {@code iteration}: its random generator derived from
   * (seed, iteration, index), K support and query points, the meta-gradient at the current
   * parameters. What the trainer's threads and cluster members compute alike.
   */
  public TaskResult task(int iteration, int index, TaskSampler sampler, int k) {
    TaskData d = sampler.sample(new SplittableRandom(mix(seed, iteration, index)), k);
    double[] g = new double[theta.length];
    double[] extra = newExtra();
    double loss = taskGradient(workspaces.get(), d, g, extra);
    return new TaskResult(g, extra, loss);
  }

  /**
   * From now on sends the tasks of each meta-iteration to {@code cluster} instead of the local
   * threads; {@code recipe} rebuilds this learner on the members. The result is the same.
   */
  public void distribute(Cluster cluster, MetaRecipe recipe) {
    this.cluster = cluster;
    this.recipe = recipe;
    this.run = java.util.UUID.randomUUID().toString();
  }

  /**
   * One meta-iteration (Algorithm 1/2 of MAML, line "sample batch of tasks" to "update θ"): tasks
   * in parallel (threads, or the cluster's members), gradients averaged in task order, one outer
   * step. Returns the mean post-adaptation query loss.
   */
  public double metaIteration(int iteration, TaskSampler sampler, int metaBatch, int k) {
    List<TaskResult> results = new ArrayList<>(metaBatch);
    if (cluster != null) {
      Map<String, double[]> now = taskState();
      List<RemoteTask.Task> jobs = new ArrayList<>(metaBatch);
      for (int i = 0; i < metaBatch; i++) {
        jobs.add(new RemoteTask.Task(run, recipe, version, now, iteration, i, k));
      }
      results.addAll(cluster.runInOrder(jobs));
    } else {
      List<Future<TaskResult>> futures = new ArrayList<>(metaBatch);
      for (int i = 0; i < metaBatch; i++) {
        int index = i;
        futures.add(pool.submit(() -> task(iteration, index, sampler, k)));
      }
      try {
        for (Future<TaskResult> f : futures) {
          results.add(f.get());
        }
      } catch (Exception e) {
        throw new IllegalStateException("meta-batch failed: " + e.getMessage(), e);
      }
    }
    double[] mean = new double[theta.length];
    List<double[]> extras = new ArrayList<>();
    double loss = 0;
    for (TaskResult r : results) {
      for (int j = 0; j < mean.length; j++) {
        mean[j] += r.gradient()[j];
      }
      if (r.extra() != null) {
        extras.add(r.extra());
      }
      loss += r.loss();
    }
    for (int j = 0; j < mean.length; j++) {
      mean[j] /= metaBatch;
    }
    outerStep(mean, extras);
    version++;
    return loss / metaBatch;
  }

  /** Cases per evaluation job on a cluster. */
  private static final int CASES_PER_JOB = 25;

  /**
   * The query MSE of every case after each number of adaptation steps in {@code steps}, [case][j]:
   * on the cluster's members when distributed (in chunks), else on this thread. The same numbers
   * either way.
   */
  public double[][] evaluate(List<EvalCase> cases, int[] steps) {
    if (cluster == null) {
      return evaluateHere(cases, steps);
    }
    Map<String, double[]> now = taskState();
    List<RemoteTask.Evaluation> jobs = new ArrayList<>();
    for (int from = 0; from < cases.size(); from += CASES_PER_JOB) {
      List<EvalCase> chunk =
          new ArrayList<>(cases.subList(from, Math.min(cases.size(), from + CASES_PER_JOB)));
      jobs.add(new RemoteTask.Evaluation(run, recipe, version, now, chunk, steps));
    }
    List<double[]> rows = new ArrayList<>();
    for (double[][] part : cluster.runInOrder(jobs)) {
      rows.addAll(java.util.Arrays.asList(part));
    }
    return rows.toArray(new double[0][]);
  }

  /** {@link #evaluate} on the calling thread. */
  double[][] evaluateHere(List<EvalCase> cases, int[] steps) {
    MeanSquaredError loss = new MeanSquaredError(model.outputSize());
    int largest = 1;
    for (EvalCase c : cases) {
      largest = Math.max(largest, c.n());
    }
    Objective objective = new Objective(model, loss, largest);
    double[][] mse = new double[cases.size()][steps.length];
    for (int i = 0; i < cases.size(); i++) {
      EvalCase c = cases.get(i);
      loss.targets(c.queryY());
      for (int j = 0; j < steps.length; j++) {
        double[] adapted = adapt(c.supportX(), c.supportY(), c.k(), steps[j]);
        mse[i][j] = objective.value(adapted, c.queryX(), c.n());
      }
    }
    return mse;
  }

  /** Adapts to a support set with the test-time rule and returns the adapted parameters. */
  public double[] adapt(double[] x, double[] y, int k, int steps) {
    Workspace ws = workspaces.get();
    double[][] t = ws.inner.adapt(adaptationStart(), adaptationRates(), x, y, k, steps);
    return t[steps];
  }

  /** A workspace for the calling thread (evaluation). */
  protected Workspace workspace() {
    return workspaces.get();
  }

  /**
   * Everything the meta-training changes, by name (θ and the outer optimiser's moments; subclasses
   * add their own), for checkpoints. Arrays are copies.
   */
  public java.util.Map<String, double[]> state() {
    java.util.Map<String, double[]> m = new java.util.LinkedHashMap<>();
    m.put("theta", theta.clone());
    putAdam(m, "outer", outer);
    return m;
  }

  /**
   * What a task's meta-gradient and test-time adaptation read (θ; subclasses add theirs, not the
   * outer optimiser's moments): what cluster jobs carry. Arrays are copies.
   */
  protected java.util.Map<String, double[]> taskState() {
    java.util.Map<String, double[]> m = new java.util.LinkedHashMap<>();
    m.put("theta", theta.clone());
    return m;
  }

  /** Sets what {@link #taskState()} returned (on a cluster member's replica). */
  protected void restoreTaskState(java.util.Map<String, double[]> state) {
    System.arraycopy(require(state, "theta", theta.length), 0, theta, 0, theta.length);
  }

  /** Restores what {@link #state()} returned, checking every array's presence and length. */
  public void restore(java.util.Map<String, double[]> state) {
    System.arraycopy(require(state, "theta", theta.length), 0, theta, 0, theta.length);
    restoreAdam(state, "outer", outer);
    version++;
  }

  protected static void putAdam(java.util.Map<String, double[]> m, String name, Adam adam) {
    org.adaptrobot.trainer.io.CheckpointArrays.putAdam(m, name, adam);
  }

  protected static void restoreAdam(java.util.Map<String, double[]> m, String name, Adam adam) {
    org.adaptrobot.trainer.io.CheckpointArrays.restoreAdam(m, name, adam);
  }

  protected static double[] require(java.util.Map<String, double[]> m, String name, int length) {
    return org.adaptrobot.trainer.io.CheckpointArrays.require(m, name, length);
  }

  public int maxBatch() {
    return maxBatch;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
