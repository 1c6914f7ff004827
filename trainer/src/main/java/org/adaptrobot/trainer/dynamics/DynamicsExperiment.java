package org.adaptrobot.trainer.dynamics;

import java.util.SplittableRandom;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.ContextMlp;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.Objective;
import org.adaptrobot.models.optim.Adam;
import org.adaptrobot.sim.env.TaskDistribution;
import org.adaptrobot.trainer.eval.SinusoidExperiment.Estimate;
import org.adaptrobot.trainer.meta.Cavia;
import org.adaptrobot.trainer.meta.FirstOrderMaml;
import org.adaptrobot.trainer.meta.Maml;
import org.adaptrobot.trainer.meta.MetaLearner;
import org.adaptrobot.trainer.meta.MetaSgd;
import org.adaptrobot.trainer.meta.Pretrained;
import org.adaptrobot.trainer.meta.TaskData;
import org.adaptrobot.trainer.meta.TaskSampler;

/**
 * Meta-learned dynamics models after GrBAL (Nagabandi et al. 2019): a task is a window of M
 * consecutive transitions of one dynamics followed by the next K; the inner update adapts on the M,
 * the meta-loss is the prediction error on the K. Evaluation uses fixed windows per scenario so
 * every model sees the same data.
 */
public final class DynamicsExperiment {

  public static final int HIDDEN = 64;
  public static final int CONTEXT = 4;
  public static final double META_LEARNING_RATE = 1e-3;

  private DynamicsExperiment() {}

  public static Mlp network(int inputs, int outputs) {
    return Mlp.of(
        inputs, new int[] {HIDDEN, HIDDEN}, outputs, Activation.TANH, Activation.IDENTITY);
  }

  /** The dynamics domain of {@code --env}: diffdrive or pendulum. */
  public static DynamicsDomain domain(String env) {
    return switch (env) {
      case "diffdrive" -> new DiffDriveDynamics();
      case "pendulum" -> new PendulumDynamics();
      default ->
          throw new IllegalArgumentException(
              "--env: expected diffdrive or pendulum, got '" + env + "'");
    };
  }

  /** How cluster members rebuild a dynamics run's learner. */
  public record Recipe(
      String env,
      String algorithm,
      double innerRate,
      double contextRate,
      int innerSteps,
      long seed,
      int window)
      implements org.adaptrobot.trainer.meta.MetaRecipe {
    @Override
    public MetaLearner learner() {
      return DynamicsExperiment.learner(
          algorithm, domain(env), innerRate, contextRate, innerSteps, seed, 1, window);
    }

    @Override
    public TaskSampler sampler() {
      return DynamicsExperiment.sampler(domain(env), window);
    }
  }

  /**
   * A learner: {@code maml} (exact second order), {@code fomaml}, {@code tensor-rate} (MAML with a
   * learned rate per tensor), {@code cavia} (context only, rate {@code contextRate}) or {@code
   * pretrained} (pooled data, the non-meta-trained baseline).
   */
  public static MetaLearner learner(
      String algorithm,
      DynamicsDomain d,
      double innerRate,
      double contextRate,
      int innerSteps,
      long seed,
      int threads,
      int window) {
    int in = d.inputSize();
    int out = d.stateSize();
    int maxBatch = Math.max(2 * window, 256);
    return switch (algorithm) {
      case "maml" ->
          new Maml(
              network(in, out), innerRate, innerSteps, META_LEARNING_RATE, seed, threads, maxBatch);
      case "fomaml" ->
          new FirstOrderMaml(
              network(in, out), innerRate, innerSteps, META_LEARNING_RATE, seed, threads, maxBatch);
      case "tensor-rate" ->
          MetaSgd.perTensor(
              network(in, out), innerRate, innerSteps, META_LEARNING_RATE, seed, threads, maxBatch);
      case "cavia" ->
          new Cavia(
              new ContextMlp(network(in + CONTEXT, out), CONTEXT),
              contextRate,
              innerSteps,
              META_LEARNING_RATE,
              seed,
              threads,
              maxBatch);
      case "pretrained" ->
          new Pretrained(network(in, out), innerRate, META_LEARNING_RATE, seed, threads, maxBatch);
      default ->
          throw new IllegalArgumentException(
              "unknown algorithm '"
                  + algorithm
                  + "'; expected maml, fomaml, tensor-rate, cavia or pretrained");
    };
  }

  /**
   * Training tasks: M support transitions and the K that follow, from a random training dynamics.
   */
  public static TaskSampler sampler(DynamicsDomain prototype, int window) {
    ThreadLocal<DynamicsDomain> domains = ThreadLocal.withInitial(prototype::copy);
    return (r, k) -> {
      DynamicsDomain d = domains.get();
      return window(d, d.trainingTask(r), r, k);
    };
  }

  static TaskData window(DynamicsDomain d, double[] task, SplittableRandom r, int k) {
    int in = d.inputSize();
    int out = d.stateSize();
    double[] x = new double[2 * k * in];
    double[] y = new double[2 * k * out];
    d.transitions(task, r, 2 * k, x, y);
    return new TaskData(
        java.util.Arrays.copyOfRange(x, 0, k * in),
        java.util.Arrays.copyOfRange(y, 0, k * out),
        java.util.Arrays.copyOfRange(x, k * in, 2 * k * in),
        java.util.Arrays.copyOfRange(y, k * out, 2 * k * out),
        k);
  }

  /** Fixed evaluation windows of one dynamics (or, with a null task, one test task per window). */
  public static TaskData[] windows(DynamicsDomain d, double[] task, int count, int k, long seed) {
    TaskData[] w = new TaskData[count];
    for (int i = 0; i < count; i++) {
      SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
      double[] t = task != null ? task : d.tasks().sample(TaskDistribution.Split.TEST, r);
      w[i] = window(d, t, r, k);
    }
    return w;
  }

  /** Query MSE after {@code steps} adaptation steps on each window's support part. */
  public static Estimate evaluate(MetaLearner learner, TaskData[] windows, int steps) {
    java.util.List<org.adaptrobot.trainer.meta.EvalCase> cases = new java.util.ArrayList<>();
    for (TaskData w : windows) {
      cases.add(
          new org.adaptrobot.trainer.meta.EvalCase(
              w.supportX(), w.supportY(), w.k(), w.queryX(), w.queryY(), w.k()));
    }
    double[][] m = learner.evaluate(cases, new int[] {steps}); // on a cluster when distributed
    double[] mse = new double[windows.length];
    for (int i = 0; i < windows.length; i++) {
      mse[i] = m[i][0];
    }
    return Estimate.of(mse);
  }

  /** Query MSE of fixed parameters (the oracle). */
  public static Estimate evaluateFixed(Mlp net, double[] params, TaskData[] windows) {
    MeanSquaredError loss = new MeanSquaredError(net.outputSize());
    Objective o = new Objective(net, loss, windows[0].k());
    double[] mse = new double[windows.length];
    for (int i = 0; i < windows.length; i++) {
      loss.targets(windows[i].queryY());
      mse[i] = o.value(params, windows[i].queryX(), windows[i].k());
    }
    return Estimate.of(mse);
  }

  /**
   * The oracle for one dynamics: the same network trained only on that dynamics' transitions (Adam,
   * batches of 128), so it needs no adaptation.
   */
  public static double[] oracle(DynamicsDomain d, double[] task, int iterations, long seed) {
    Mlp net = network(d.inputSize(), d.stateSize());
    double[] p = new double[net.layout().size()];
    net.initialise(p, new SplittableRandom(seed));
    Adam adam = new Adam(p.length, META_LEARNING_RATE);
    int batch = 128;
    double[] x = new double[batch * d.inputSize()];
    double[] y = new double[batch * d.stateSize()];
    MeanSquaredError loss = new MeanSquaredError(d.stateSize()).targets(y);
    Objective o = new Objective(net, loss, batch);
    double[] g = new double[p.length];
    SplittableRandom r = new SplittableRandom(seed + 17);
    for (int it = 0; it < iterations; it++) {
      d.transitions(task, r, batch, x, y);
      java.util.Arrays.fill(g, 0);
      o.valueAndGradient(p, x, batch, g);
      adam.step(p, g);
    }
    return p;
  }
}
