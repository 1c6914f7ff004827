package org.adaptrobot.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import org.adaptrobot.cluster.LocalWorkers;
import org.adaptrobot.trainer.cluster.Cluster;
import org.adaptrobot.trainer.cluster.ClusterProvider;
import org.adaptrobot.trainer.dynamics.DynamicsExperiment;
import org.adaptrobot.trainer.eval.SinusoidExperiment;
import org.adaptrobot.trainer.meta.MetaLearner;
import org.adaptrobot.trainer.meta.MetaRecipe;
import org.adaptrobot.trainer.meta.TaskSampler;

/**
 * Time per meta-iteration (20 tasks) on this machine's threads and on a loopback cluster of 1, 2
 * and 3 worker JVMs (one thread each), for the sinusoid (tiny tasks: the engine's overhead
 * dominates) and the diff-drive dynamics model (heavier tasks). On one machine this measures
 * overhead, not speed-up: the trainer and every worker share its cores. Each cluster run's final
 * parameters are checked against the threads' run, bit for bit.
 *
 * <pre>java -cp benchmarks.jar org.adaptrobot.benchmarks.ClusterIterations [iterations]</pre>
 */
public final class ClusterIterations {

  record Workload(String name, MetaRecipe recipe, int k, IntFunction<MetaLearner> threads) {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int warmUp = 30;
    int metaBatch = 20;
    var sine = new SinusoidExperiment.Recipe("maml", 1, 10);
    var dyn = new DynamicsExperiment.Recipe("diffdrive", "maml", 0.1, 1.0, 1, 1, 32);
    List<Workload> workloads =
        List.of(
            new Workload(
                "sinusoid MAML (K 10)",
                sine,
                10,
                t -> SinusoidExperiment.learner(sine.algorithm(), sine.seed(), t, sine.k())),
            new Workload(
                "diff-drive dynamics MAML (M 32)",
                dyn,
                32,
                t ->
                    DynamicsExperiment.learner(
                        dyn.algorithm(),
                        DynamicsExperiment.domain(dyn.env()),
                        dyn.innerRate(),
                        dyn.contextRate(),
                        dyn.innerSteps(),
                        dyn.seed(),
                        t,
                        dyn.window())));
    System.out.printf(
        Locale.ROOT,
        "%d meta-iterations of %d tasks after %d warm-up; %d cores%n%n",
        iterations,
        metaBatch,
        warmUp,
        Runtime.getRuntime().availableProcessors());
    System.out.printf(
        Locale.ROOT,
        "%-34s %-20s %10s %10s %12s%n",
        "workload",
        "where",
        "median ms",
        "p99 ms",
        "vs 1 thread");
    int n = workloads.size();
    double[][] reference = new double[n][];
    double[] oneThread = new double[n];
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Workload w = workloads.get(i);
      rows.add(new ArrayList<>());
      for (int threads : new int[] {1, 2}) {
        try (MetaLearner l = w.threads().apply(threads)) {
          double[] t = time(l, w.recipe().sampler(), iterations, warmUp, metaBatch, w.k());
          if (threads == 1) {
            oneThread[i] = median(t);
          }
          reference[i] = l.parameters().clone();
          rows.get(i)
              .add(row(w.name(), threads + " thread" + (threads > 1 ? "s" : ""), t, oneThread[i]));
        }
      }
    }
    try (LocalWorkers workers = new LocalWorkers()) {
      List<LocalWorkers.Worker> up = new ArrayList<>();
      for (int members = 1; members <= 3; members++) {
        LocalWorkers.Worker w0 =
            workers.start(LocalWorkers.classPath(), up.isEmpty() ? null : up.get(0));
        if (!w0.up()) {
          throw new IllegalStateException("a worker did not start:\n" + w0.output());
        }
        up.add(w0);
        try (Cluster c = ClusterProvider.connectAny(up.get(0).address(), System.err)) {
          if (c.members().size() != members) {
            throw new IllegalStateException("expected " + members + " members: " + c.members());
          }
          for (int i = 0; i < n; i++) {
            Workload w = workloads.get(i);
            try (MetaLearner l = w.threads().apply(1)) {
              l.distribute(c, w.recipe());
              double[] t = time(l, w.recipe().sampler(), iterations, warmUp, metaBatch, w.k());
              if (!Arrays.equals(l.parameters(), reference[i])) {
                throw new IllegalStateException(w.name() + ": cluster parameters differ");
              }
              rows.get(i)
                  .add(
                      row(
                          w.name(),
                          members + " member" + (members > 1 ? "s" : ""),
                          t,
                          oneThread[i]));
            }
          }
        }
      }
    }
    for (List<String> r : rows) {
      r.forEach(System.out::println);
    }
    System.out.println();
    System.out.println("every cluster run ended with the threads' parameters, bit for bit");
  }

  private static double[] time(
      MetaLearner l, TaskSampler sampler, int iterations, int warmUp, int metaBatch, int k) {
    double[] t = new double[iterations];
    for (int it = 0; it < warmUp + iterations; it++) {
      long t0 = System.nanoTime();
      l.metaIteration(it, sampler, metaBatch, k);
      if (it >= warmUp) {
        t[it - warmUp] = (System.nanoTime() - t0) / 1e6;
      }
    }
    return t;
  }

  private static double median(double[] t) {
    double[] s = t.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static String row(String workload, String where, double[] t, double oneThread) {
    double[] s = t.clone();
    Arrays.sort(s);
    double median = s[s.length / 2];
    double p99 = s[(int) Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)];
    return String.format(
        Locale.ROOT,
        "%-34s %-20s %10.2f %10.2f %+11.2f",
        workload,
        where,
        median,
        p99,
        median - oneThread);
  }
}
