package org.adaptrobot.trainer.meta;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.adaptrobot.models.bayes.BayesianLastLayer;
import org.adaptrobot.models.optim.Adam;

/**
 * ALPaCA (Harrison, Sharma and Pavone, "Meta-Learning Priors for Efficient Online Bayesian
 * Regression", 2018), Algorithm 1: offline meta-training of a Bayesian last layer.
 *
 * <pre>
 *   initialise θ (features), K₀, Λ₀ = L₀L₀ᵀ + εI, log σ²
 *   repeat:
 *     sample J tasks
 *     for each task: sample t ~ U{0, …, maxSupport} support transitions and Q that follow;
 *       condition the last layer on the t in closed form, score the Q:
 *       ℓⱼ = −log p(query | support)            (BayesianLastLayer.loss)
 *     θ, K₀, L₀, log σ² ← Adam step on ∇ (1/J) Σⱼ ℓⱼ
 * </pre>
 *
 * Drawing the support size per task trains the model to predict well from no data (the prior) up to
 * many transitions, which is what the robot sees after a change. The tasks of a meta-batch run in
 * parallel, each from a seed derived from (seed, iteration, task), and their gradients are summed
 * in task order, so a run is bit-identical for any thread count.
 */
public final class Alpaca implements AutoCloseable {

  /** A task's transitions: {@code count} consecutive inputs and targets. */
  @FunctionalInterface
  public interface WindowSource {
    /** Fills x (count × inputs) and y (count × outputs) from a training task drawn with r. */
    void window(SplittableRandom r, int count, double[] x, double[] y);
  }

  private final BayesianLastLayer model;
  private final double[] theta;
  private final Adam adam;
  private final double metaLearningRate;
  private final int maxSupport;
  private final int query;
  private final long seed;
  private final int threads;
  private final ExecutorService pool;
  private final ThreadLocal<BayesianLastLayer.Workspace> workspaces;
  private long iteration;

  /**
   * @param metaLearningRate β, Adam's step size
   * @param maxSupport the largest support set drawn
   * @param query query transitions per task
   */
  public Alpaca(
      BayesianLastLayer model,
      double[] initial,
      double metaLearningRate,
      int maxSupport,
      int query,
      long seed,
      int threads) {
    this.model = model;
    this.theta = initial.clone();
    this.metaLearningRate = metaLearningRate;
    this.adam = new Adam(theta.length, metaLearningRate);
    this.maxSupport = maxSupport;
    this.query = query;
    this.seed = seed;
    this.threads = Math.max(1, threads);
    this.pool =
        this.threads > 1
            ? Executors.newFixedThreadPool(
                this.threads,
                r -> {
                  Thread t = new Thread(r, "alpaca");
                  t.setDaemon(true);
                  return t;
                })
            : null;
    this.workspaces = ThreadLocal.withInitial(() -> model.newWorkspace(maxSupport, query));
  }

  public BayesianLastLayer model() {
    return model;
  }

  /** The meta-parameters now (a copy). */
  public double[] parameters() {
    return theta.clone();
  }

  public double metaLearningRate() {
    return metaLearningRate;
  }

  public long iterations() {
    return iteration;
  }

  /** The per-task result: its loss and gradient. */
  private record TaskResult(double loss, double[] gradient) {}

  private TaskResult task(WindowSource source, long iter, int j) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + iter * 7919L + j);
    int t = r.nextInt(maxSupport + 1);
    int in = model.inputSize();
    int out = model.outputSize();
    double[] x = new double[(t + query) * in];
    double[] y = new double[(t + query) * out];
    source.window(r, t + query, x, y);
    double[] g = new double[theta.length];
    double loss =
        model.loss(
            theta,
            java.util.Arrays.copyOfRange(x, 0, t * in),
            java.util.Arrays.copyOfRange(y, 0, t * out),
            t,
            java.util.Arrays.copyOfRange(x, t * in, x.length),
            java.util.Arrays.copyOfRange(y, t * out, y.length),
            query,
            g,
            workspaces.get());
    return new TaskResult(loss, g);
  }

  /**
   * One meta-iteration on {@code batch} tasks; returns the mean loss (nats per query transition),
   * or NaN when a task's posterior could not be formed (the step is then skipped).
   */
  public double step(WindowSource source, int batch) throws Exception {
    long iter = iteration++;
    TaskResult[] results = new TaskResult[batch];
    if (pool == null) {
      for (int j = 0; j < batch; j++) {
        results[j] = task(source, iter, j);
      }
    } else {
      @SuppressWarnings("unchecked")
      Future<TaskResult>[] f = new Future[batch];
      for (int j = 0; j < batch; j++) {
        int task = j;
        f[j] = pool.submit(() -> task(source, iter, task));
      }
      for (int j = 0; j < batch; j++) {
        results[j] = f[j].get();
      }
    }
    double[] grad = new double[theta.length];
    double loss = 0;
    for (TaskResult r : results) { // in task order: the same sum for any thread count
      if (!Double.isFinite(r.loss())) {
        return Double.NaN;
      }
      loss += r.loss();
      for (int i = 0; i < grad.length; i++) {
        grad[i] += r.gradient()[i] / batch;
      }
    }
    adam.step(theta, grad);
    return loss / batch;
  }

  /** Mean query loss over fixed windows (support t, query q each), without a step. */
  public double evaluate(double[][] x, double[][] y, int t, int q) {
    BayesianLastLayer.Workspace w = model.newWorkspace(t, q);
    int in = model.inputSize();
    int out = model.outputSize();
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum +=
          model.loss(
              theta,
              java.util.Arrays.copyOfRange(x[i], 0, t * in),
              java.util.Arrays.copyOfRange(y[i], 0, t * out),
              t,
              java.util.Arrays.copyOfRange(x[i], t * in, (t + q) * in),
              java.util.Arrays.copyOfRange(y[i], t * out, (t + q) * out),
              q,
              null,
              w);
    }
    return sum / x.length;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
