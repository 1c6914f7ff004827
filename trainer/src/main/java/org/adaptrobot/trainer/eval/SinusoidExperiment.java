package org.adaptrobot.trainer.eval;

import java.util.SplittableRandom;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.ContextMlp;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.Objective;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.trainer.meta.Cavia;
import org.adaptrobot.trainer.meta.EvalCase;
import org.adaptrobot.trainer.meta.FirstOrderMaml;
import org.adaptrobot.trainer.meta.Maml;
import org.adaptrobot.trainer.meta.MetaLearner;
import org.adaptrobot.trainer.meta.MetaSgd;
import org.adaptrobot.trainer.meta.Pretrained;
import org.adaptrobot.trainer.meta.Reptile;
import org.adaptrobot.trainer.meta.TaskData;
import org.adaptrobot.trainer.meta.TaskSampler;
import org.adaptrobot.trainer.tasks.SinusoidTasks;

/**
 * The sinusoid benchmark of the MAML paper: a 1-40-40-1 ReLU network, meta-batch 25, α = 0.01, β =
 * 0.001, one inner step in training; evaluation on held-out tasks as the MSE over 100 evenly spaced
 * points after 1 and 10 steps from K examples, with its 95 % confidence interval.
 */
public final class SinusoidExperiment {

  public static final double ALPHA = 0.01;
  public static final double BETA = 0.001;
  public static final int META_BATCH = 25;
  public static final int CONTEXT = 4;
  public static final int GRID = 100;

  private SinusoidExperiment() {}

  /** The task sampler: K support and K query points of a random sinusoid. */
  public static TaskSampler sampler() {
    return (r, k) -> {
      SinusoidTasks.Task t = SinusoidTasks.sample(r);
      double[] xs = new double[k];
      double[] ys = new double[k];
      double[] xq = new double[k];
      double[] yq = new double[k];
      SinusoidTasks.points(t, r, k, xs, ys);
      SinusoidTasks.points(t, r, k, xq, yq);
      return new TaskData(xs, ys, xq, yq, k);
    };
  }

  public static Mlp network(int inputs) {
    return Mlp.of(inputs, new int[] {40, 40}, 1, Activation.RELU, Activation.IDENTITY);
  }

  /** How cluster members rebuild a sinusoid run's learner. */
  public record Recipe(String algorithm, long seed, int k)
      implements org.adaptrobot.trainer.meta.MetaRecipe {
    @Override
    public MetaLearner learner() {
      return SinusoidExperiment.learner(algorithm, seed, 1, k);
    }

    @Override
    public TaskSampler sampler() {
      return SinusoidExperiment.sampler();
    }
  }

  /** Builds a learner by name: maml, fomaml, reptile, metasgd, cavia, pretrained. */
  public static MetaLearner learner(String algorithm, long seed, int threads, int k) {
    int maxBatch = Math.max(2 * k, GRID);
    return switch (algorithm) {
      case "maml" -> new Maml(network(1), ALPHA, 1, BETA, seed, threads, maxBatch);
      case "fomaml" -> new FirstOrderMaml(network(1), ALPHA, 1, BETA, seed, threads, maxBatch);
      case "reptile" -> new Reptile(network(1), ALPHA, 5, BETA, seed, threads, maxBatch);
      case "metasgd" -> MetaSgd.perParameter(network(1), ALPHA, 1, BETA, seed, threads, maxBatch);
      case "cavia" ->
          new Cavia(
              new ContextMlp(network(1 + CONTEXT), CONTEXT), 1.0, 1, BETA, seed, threads, maxBatch);
      case "pretrained" -> new Pretrained(network(1), ALPHA, BETA, seed, threads, maxBatch);
      default ->
          throw new IllegalArgumentException(
              "unknown algorithm '"
                  + algorithm
                  + "'; expected maml, fomaml, reptile, metasgd, cavia or pretrained");
    };
  }

  /**
   * Mean and 95 % confidence half-width over all tasks, the median, how many tasks diverged (MSE
   * not finite or ≥ {@link #DIVERGED}), and the mean over the others: one diverging task in a
   * thousand makes the mean meaningless while the median and the rest still say how well it adapts.
   */
  public record Estimate(
      double mean, double halfWidth, double median, int diverged, double meanOfRest) {

    public Estimate(double mean, double halfWidth) {
      this(mean, halfWidth, mean, 0, mean);
    }

    public static Estimate of(double[] v) {
      double m = 0;
      for (double x : v) {
        m += x;
      }
      m /= v.length;
      double ss = 0;
      for (double x : v) {
        ss += (x - m) * (x - m);
      }
      double sd = Math.sqrt(ss / (v.length - 1));
      double[] sorted = v.clone();
      java.util.Arrays.sort(sorted); // NaN sorts last, like a divergence
      int n = sorted.length;
      double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
      int diverged = 0;
      double rest = 0;
      for (double x : v) {
        if (Double.isFinite(x) && x < DIVERGED) {
          rest += x;
        } else {
          diverged++;
        }
      }
      double meanOfRest = diverged == n ? Double.NaN : rest / (n - diverged);
      return new Estimate(m, 1.96 * sd / Math.sqrt(v.length), median, diverged, meanOfRest);
    }
  }

  /** An MSE at or above this (or not finite) counts as a diverged adaptation. */
  public static final double DIVERGED = 1e3;

  /**
   * MSE on 100 grid points of {@code tasks} held-out sinusoids (drawn from {@code seed}) after 0 to
   * {@code maxSteps} adaptation steps on K examples; index = steps.
   */
  public static Estimate[] evaluate(
      MetaLearner learner, int k, int tasks, int maxSteps, long seed) {
    double[] grid = SinusoidTasks.grid(GRID);
    SplittableRandom r = new SplittableRandom(seed);
    java.util.List<EvalCase> cases = new java.util.ArrayList<>(tasks);
    for (int t = 0; t < tasks; t++) {
      SinusoidTasks.Task task = SinusoidTasks.sample(r);
      double[] xs = new double[k];
      double[] ys = new double[k];
      SinusoidTasks.points(task, r, k, xs, ys);
      double[] truth = new double[GRID];
      for (int i = 0; i < GRID; i++) {
        truth[i] = task.y(grid[i]);
      }
      cases.add(new EvalCase(xs, ys, k, grid, truth, GRID));
    }
    int[] steps = new int[maxSteps + 1];
    for (int s = 0; s <= maxSteps; s++) {
      steps[s] = s;
    }
    double[][] mse = learner.evaluate(cases, steps); // on a cluster's members when distributed
    Estimate[] out = new Estimate[maxSteps + 1];
    for (int s = 0; s <= maxSteps; s++) {
      double[] column = new double[tasks];
      for (int t = 0; t < tasks; t++) {
        column[t] = mse[t][s];
      }
      out[s] = Estimate.of(column);
    }
    return out;
  }

  /**
   * The oracle: the same network given amplitude and phase as extra inputs, trained on the task
   * distribution; its MSE needs no adaptation.
   */
  public static Estimate oracle(int iterations, int tasks, long seed) {
    Mlp net = network(3);
    double[] p = new double[net.layout().size()];
    net.initialise(p, new SplittableRandom(seed));
    Adam adam = new Adam(p.length, BETA);
    int batch = 250;
    double[] x = new double[3 * batch];
    double[] y = new double[batch];
    MeanSquaredError loss = new MeanSquaredError(1).targets(y);
    Objective o = new Objective(net, loss, Math.max(batch, GRID));
    double[] g = new double[p.length];
    SplittableRandom r = new SplittableRandom(seed + 1);
    for (int it = 0; it < iterations; it++) {
      for (int b = 0; b < batch; b++) {
        SinusoidTasks.Task t = SinusoidTasks.sample(r);
        double xv = -5 + 10 * r.nextDouble();
        x[3 * b] = xv;
        x[3 * b + 1] = t.amplitude();
        x[3 * b + 2] = t.phase();
        y[b] = t.y(xv);
      }
      o.valueAndGradient(p, x, batch, g);
      adam.step(p, g);
    }
    double[] grid = SinusoidTasks.grid(GRID);
    double[] gx = new double[3 * GRID];
    double[] gy = new double[GRID];
    MeanSquaredError evalLoss = new MeanSquaredError(1).targets(gy);
    Objective e = new Objective(net, evalLoss, GRID);
    SplittableRandom er = new SplittableRandom(seed + 2);
    double[] mse = new double[tasks];
    for (int t = 0; t < tasks; t++) {
      SinusoidTasks.Task task = SinusoidTasks.sample(er);
      for (int i = 0; i < GRID; i++) {
        gx[3 * i] = grid[i];
        gx[3 * i + 1] = task.amplitude();
        gx[3 * i + 2] = task.phase();
        gy[i] = task.y(grid[i]);
      }
      mse[t] = e.value(p, gx, GRID);
    }
    return Estimate.of(mse);
  }
}
