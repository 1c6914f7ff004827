package org.adaptrobot.engines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.cluster.LocalWorkers;
import org.adaptrobot.trainer.cluster.Cluster;
import org.adaptrobot.trainer.cluster.ClusterProvider;
import org.adaptrobot.trainer.eval.SinusoidExperiment;
import org.adaptrobot.trainer.meta.MetaLearner;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The measurement behind the choice of cluster engine: the same meta-iteration (MAML on the
 * sinusoid, 20 tasks, the learner's state sent to the workers, results reduced in task order)
 * through Hazelcast (the trainer's {@code --cluster}: one worker JVM) and through Apache Spark
 * (local[2] in the trainer's JVM, and a standalone master + worker + executor on loopback). Reports
 * start-up, median and p99 time per iteration, and the overhead per iteration against the same
 * iteration on one local thread. Every engine's parameters are checked against the local run's, bit
 * for bit.
 */
public final class EngineComparison {

  static final int META_BATCH = 20;
  static final int K = 10;
  static final SinusoidExperiment.Recipe RECIPE = new SinusoidExperiment.Recipe("maml", 1, K);

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int warmUp = 30;
    List<String> rows = new ArrayList<>();
    double[] reference;
    double local;
    try (MetaLearner l = RECIPE.learner()) {
      double[] t = timeIterations(l, iterations, warmUp);
      reference = l.parameters().clone();
      local = percentile(t, 0.5);
      rows.add(row("one local thread", 0, t, local));
    }

    // Hazelcast: what robot train --cluster does
    try (LocalWorkers workers = new LocalWorkers()) {
      long s0 = System.nanoTime();
      LocalWorkers.Worker w = workers.start(LocalWorkers.classPath(), null);
      try (Cluster c = ClusterProvider.connectAny(w.address(), System.err);
          MetaLearner l = RECIPE.learner()) {
        double startup = (System.nanoTime() - s0) / 1e9;
        l.distribute(c, RECIPE);
        double[] t = timeIterations(l, iterations, warmUp);
        check(l, reference, "Hazelcast");
        rows.add(row("Hazelcast, 1 worker JVM", startup, t, local));
      }
    }

    // Spark: local[2] and standalone
    rows.add(spark("Spark local[2]", "local[2]", iterations, warmUp, reference, local, null, null));
    rows.add(standalone(iterations, warmUp, reference, local));

    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "MAML on the sinusoid, %d tasks of K %d per meta-iteration, %d iterations after %d"
            + " warm-up, %d cores, Java %s%n%n",
        META_BATCH,
        K,
        iterations,
        warmUp,
        Runtime.getRuntime().availableProcessors(),
        Runtime.version());
    System.out.printf(
        Locale.ROOT,
        "%-40s %10s %10s %10s %12s%n",
        "engine",
        "start s",
        "median ms",
        "p99 ms",
        "overhead ms");
    rows.forEach(System.out::println);
    System.out.println();
    System.out.println("every engine that ran ended with the local run's parameters, bit for bit");
  }

  private static double[] timeIterations(MetaLearner l, int iterations, int warmUp) {
    double[] t = new double[iterations];
    for (int it = 0; it < warmUp + iterations; it++) {
      long t0 = System.nanoTime();
      l.metaIteration(it, RECIPE.sampler(), META_BATCH, K);
      if (it >= warmUp) {
        t[it - warmUp] = (System.nanoTime() - t0) / 1e6;
      }
    }
    return t;
  }

  /** A Spark "cluster" for the learner: broadcast the state, map the task indices, collect. */
  static final class SparkCluster implements Cluster {
    private final JavaSparkContext sc;

    SparkCluster(JavaSparkContext sc) {
      this.sc = sc;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends java.io.Serializable> List<T> runInOrder(List<? extends Job<T>> jobs) {
      // the jobs are the trainer's own (RemoteTask): each carries the state, so Spark gets them
      // as they are, one partition per task, collected in order
      return sc.parallelize(new ArrayList<Job<T>>(jobs), jobs.size())
          .map(j -> (T) j.call())
          .collect();
    }

    @Override
    public List<String> members() {
      return List.of(sc.master());
    }

    @Override
    public int rerunJobs() {
      return 0;
    }

    @Override
    public String fingerprint() {
      return "";
    }

    @Override
    public void close() {
      sc.stop();
    }
  }

  private static String spark(
      String name,
      String master,
      int iterations,
      int warmUp,
      double[] reference,
      double local,
      SparkConf extra,
      java.util.function.Supplier<String> executorFailure)
      throws Exception {
    long s0 = System.nanoTime();
    SparkConf conf =
        (extra != null ? extra : new SparkConf())
            .setAppName("engine-comparison")
            .setMaster(master)
            .set("spark.ui.enabled", "false");
    try (SparkCluster c = new SparkCluster(new JavaSparkContext(conf));
        MetaLearner l = RECIPE.learner()) {
      c.sc.setLogLevel("ERROR");
      if (executorFailure != null) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (c.sc.sc().getExecutorMemoryStatus().size() < 2) {
          String why = executorFailure.get();
          if (why != null || System.nanoTime() > deadline) {
            return String.format(
                Locale.ROOT,
                "%-40s no executor started: %s",
                name,
                why != null ? why : "none registered in 90 s");
          }
          Thread.sleep(200);
        }
      }
      // start-up includes the executors' first job
      c.sc.parallelize(List.of(1, 2), 2).count();
      double startup = (System.nanoTime() - s0) / 1e9;
      l.distribute(c, RECIPE);
      double[] t = timeIterations(l, iterations, warmUp);
      check(l, reference, name);
      return row(name, startup, t, local);
    }
  }

  /** A standalone master and worker, each its own JVM on loopback, then the driver here. */
  private static String standalone(int iterations, int warmUp, double[] reference, double local)
      throws Exception {
    String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    List<String> flags =
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("--"))
            .toList();
    int port = LocalWorkers.freePort();
    Path logs = Files.createTempDirectory("spark-standalone");
    // a worker launches executors from a Spark distribution: $SPARK_HOME/jars, here made of the
    // class path's jars (a user installs the distribution on every machine)
    Path home = logs.resolve("spark-home");
    Files.createDirectories(home.resolve("jars"));
    for (String e : cp.split(java.io.File.pathSeparator)) {
      Path p = Path.of(e);
      if (e.endsWith(".jar") && Files.isRegularFile(p)) {
        Files.createSymbolicLink(home.resolve("jars").resolve(p.getFileName()), p.toAbsolutePath());
      }
    }
    List<Process> started = new ArrayList<>();
    long s0 = System.nanoTime();
    try {
      started.add(
          process(
              home,
              logs.resolve("master.log"),
              javaExe,
              flags,
              cp,
              "org.apache.spark.deploy.master.Master",
              "--host",
              "127.0.0.1",
              "--port",
              Integer.toString(port),
              "--webui-port",
              Integer.toString(LocalWorkers.freePort())));
      started.add(
          process(
              home,
              logs.resolve("worker.log"),
              javaExe,
              flags,
              cp,
              "org.apache.spark.deploy.worker.Worker",
              "--host",
              "127.0.0.1",
              "--cores",
              "1",
              "--memory",
              "2g",
              "--webui-port",
              Integer.toString(LocalWorkers.freePort()),
              "spark://127.0.0.1:" + port));
      // the master listens, then the driver waits for the worker's executor to register
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
          break;
        } catch (java.io.IOException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the Spark master did not listen: see " + logs);
          }
          Thread.sleep(100);
        }
      }
      SparkConf conf =
          new SparkConf()
              .set("spark.driver.host", "127.0.0.1")
              .set("spark.executor.extraClassPath", cp)
              .set("spark.executor.extraJavaOptions", String.join(" ", flags))
              .set("spark.executor.cores", "1")
              .set("spark.cores.max", "1")
              .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
              .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s");
      String r =
          spark(
              "Spark standalone, 1 worker, 1 executor",
              "spark://127.0.0.1:" + port,
              iterations,
              warmUp,
              reference,
              local,
              conf,
              () -> executorError(home.resolve("work")));
      // the start-up of the standalone cluster itself is part of it
      double all = (System.nanoTime() - s0) / 1e9;
      return r + String.format(Locale.ROOT, "   (with master and worker start: %.1f s)", all);
    } finally {
      for (Process p : started) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static Process process(
      Path home, Path log, String javaExe, List<String> flags, String cp, String... main)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaExe);
    cmd.addAll(flags);
    cmd.add("-cp");
    cmd.add(cp);
    cmd.addAll(List.of(main));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    b.environment().put("SPARK_HOME", home.toString());
    b.environment().put("SPARK_SCALA_VERSION", "2.13");
    b.environment().put("JAVA_HOME", System.getProperty("java.home"));
    b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    b.directory(home.toFile());
    return b.start();
  }

  /** The first executor's exception, from the worker's work directory, or null. */
  private static String executorError(Path work) {
    if (!Files.isDirectory(work)) {
      return null;
    }
    try (var files = Files.walk(work)) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
        for (String line : Files.readAllLines(f)) {
          if (line.startsWith("Exception in thread")) {
            return line;
          }
        }
      }
    } catch (java.io.IOException e) {
      return null;
    }
    return null;
  }

  private static void check(MetaLearner l, double[] reference, String name) {
    if (!Arrays.equals(l.parameters(), reference)) {
      throw new IllegalStateException(name + ": parameters differ from the local run's");
    }
  }

  private static double percentile(double[] t, double q) {
    double[] s = t.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  }

  private static String row(String name, double startup, double[] t, double local) {
    return String.format(
        Locale.ROOT,
        "%-40s %10s %10.2f %10.2f %+12.2f",
        name,
        startup > 0 ? String.format(Locale.ROOT, "%.1f", startup) : "-",
        percentile(t, 0.5),
        percentile(t, 0.99),
        percentile(t, 0.5) - local);
  }
}
