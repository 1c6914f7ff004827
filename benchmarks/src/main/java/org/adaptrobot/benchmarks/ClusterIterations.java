package org.adaptrobot.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import org.adaptrobot.cluster.LocalWorkers;
import org.adaptrobot.trainer.cluster.Cluster;
import org.adaptrobot.trainer.cluster.ClusterProvider;
import org.adaptrobot.trainer.dynamics.DynamicsExperiment;
import org.adaptrobot.trainer.eval.SinusoidExperiment;
import org.adaptrobot.trainer.meta.MetaLearner;
import org.adaptrobot.trainer.rl.ProMp;
import org.adaptrobot.trainer.rl.RlEnvs;

/**
 * Time per meta-iteration (20 tasks) on this machine's threads and on a loopback cluster of 1, 2
 * and 3 worker JVMs (one thread each): the sinusoid (tiny tasks: the engine's overhead dominates),
 * the diff-drive dynamics model, and ProMP on point navigation (each task samples 2 × 20
 * trajectories of 100 steps on the member). On one machine this measures overhead, not speed-up:
 * the trainer and every worker share its cores. Each cluster run's final parameters are checked
 * against the threads' run, bit for bit.
 *
 * <pre>java -cp benchmarks.jar org.adaptrobot.benchmarks.ClusterIterations [iterations]</pre>
 */
public final class ClusterIterations {

  /** One learner under test: its meta-iteration, its parameters, sending its tasks away. */
  interface Runner extends AutoCloseable {
    void iterate(int iteration);

    double[] parameters();

    void distribute(Cluster c);

    @Override
    void close();
  }

  /**
   * @param trainerThreads the trainer's threads in the cluster rows, for what stays local (ProMP's
   *     outer steps)
   */
  record Workload(String name, int iterations, int trainerThreads, IntFunction<Runner> threads) {}

  static Runner of(MetaLearner l, int metaBatch, int k, org.adaptrobot.trainer.meta.MetaRecipe r) {
    org.adaptrobot.trainer.meta.TaskSampler sampler = r.sampler();
    return new Runner() {
      @Override
      public void iterate(int iteration) {
        l.metaIteration(iteration, sampler, metaBatch, k);
      }

      @Override
      public double[] parameters() {
        return l.parameters();
      }

      @Override
      public void distribute(Cluster c) {
        l.distribute(c, r);
      }

      @Override
      public void close() {
        l.close();
      }
    };
  }

  static Runner promp(ProMp.Config config, int threads) {
    ProMp m = new ProMp(RlEnvs.metaRl("point-nav"), config, 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    return new Runner() {
      @Override
      public void iterate(int iteration) {
        m.iterate(pool, threads); // sampling goes to the members once distributed
      }

      @Override
      public double[] parameters() {
        return m.model().policyParams;
      }

      @Override
      public void distribute(Cluster c) {
        m.distribute(c, new ProMp.Recipe("point-nav", config, 1));
      }

      @Override
      public void close() {
        pool.shutdown();
      }
    };
  }

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int warmUp = 30;
    var sine = new SinusoidExperiment.Recipe("maml", 1, 10);
    var dyn = new DynamicsExperiment.Recipe("diffdrive", "maml", 0.1, 1.0, 1, 1, 32);
    ProMp.Config pointNav = ProMp.Config.pointNavigation();
    List<Workload> workloads =
        List.of(
            new Workload(
                "sinusoid MAML (K 10)",
                iterations,
                1,
                t ->
                    of(
                        SinusoidExperiment.learner(sine.algorithm(), sine.seed(), t, sine.k()),
                        20,
                        sine.k(),
                        sine)),
            new Workload(
                "diff-drive dynamics MAML (M 32)",
                iterations,
                1,
                t ->
                    of(
                        DynamicsExperiment.learner(
                            dyn.algorithm(),
                            DynamicsExperiment.domain(dyn.env()),
                            dyn.innerRate(),
                            dyn.contextRate(),
                            dyn.innerSteps(),
                            dyn.seed(),
                            t,
                            dyn.window()),
                        20,
                        dyn.window(),
                        dyn)),
            new Workload(
                "ProMP point-nav (20 × 2 × 20 × 100)",
                Math.max(5, iterations / 20),
                2,
                t -> promp(pointNav, t)));
    System.out.printf(
        Locale.ROOT,
        "meta-iterations of 20 tasks (ProMP: a twentieth as many) after warm-up; %d cores; in the"
            + " cluster rows ProMP's members sample and compute the outer steps' per-task"
            + " gradients, the trainer (2 threads) takes Adam's steps%n%n",
        Runtime.getRuntime().availableProcessors());
    int n = workloads.size();
    double[][] reference = new double[n][];
    double[] oneThread = new double[n];
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Workload w = workloads.get(i);
      rows.add(new ArrayList<>());
      for (int threads : new int[] {1, 2}) {
        try (Runner r = w.threads().apply(threads)) {
          double[] t = time(r, w.iterations(), warmUp(w, warmUp));
          if (threads == 1) {
            oneThread[i] = median(t);
          }
          reference[i] = r.parameters().clone();
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
            try (Runner r = w.threads().apply(w.trainerThreads())) {
              r.distribute(c);
              double[] t = time(r, w.iterations(), warmUp(w, warmUp));
              if (!Arrays.equals(r.parameters(), reference[i])) {
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
    System.out.printf(
        Locale.ROOT,
        "%-36s %-12s %10s %10s %12s%n",
        "workload",
        "where",
        "median ms",
        "p99 ms",
        "vs 1 thread");
    for (List<String> r : rows) {
      r.forEach(System.out::println);
    }
    System.out.println();
    System.out.println("every cluster run ended with the threads' parameters, bit for bit");
  }

  private static int warmUp(Workload w, int warmUp) {
    return Math.min(warmUp, Math.max(2, w.iterations() / 4));
  }

  private static double[] time(Runner r, int iterations, int warmUp) {
    double[] t = new double[iterations];
    for (int it = 0; it < warmUp + iterations; it++) {
      long t0 = System.nanoTime();
      r.iterate(it);
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
        "%-36s %-12s %10.2f %10.2f %+12.2f",
        workload,
        where,
        median,
        p99,
        median - oneThread);
  }
}
