package org.adaptrobot.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.adaptrobot.runtime.cli.RobotCommand;
import org.adaptrobot.trainer.cluster.ClusterProvider;
import org.adaptrobot.trainer.io.Checkpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cluster on loopback: workers are separate JVMs started with {@code robot worker}, the
 * trainer is this JVM with {@code --cluster}. Results must be bit-identical to a run on this
 * machine's threads.
 */
class ClusterTrainingTest {

  @TempDir Path dir;
  private final LocalWorkers workers = new LocalWorkers();

  @AfterEach
  void stop() {
    workers.close();
  }

  record Run(int exit, String out, String err) {}

  /** Runs the command line in this JVM; out and err include what went to System.out/err. */
  static synchronized Run robot(String... args) {
    var cl = RobotCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    java.io.PrintStream oldOut = System.out;
    java.io.PrintStream oldErr = System.err;
    var stdout = new java.io.ByteArrayOutputStream();
    var stderr = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(stdout, true, StandardCharsets.UTF_8));
    System.setErr(new java.io.PrintStream(stderr, true, StandardCharsets.UTF_8));
    try {
      int code = cl.execute(args);
      return new Run(
          code,
          out + stdout.toString(StandardCharsets.UTF_8),
          err + stderr.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** Meta-SGD (θ and per-parameter rates) on the sinusoid: 60 iterations of 20 tasks. */
  private Run sine(Path out, String... extra) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "train",
                "sine",
                "--algorithms",
                "metasgd",
                "--iterations",
                "60",
                "--meta-batch",
                "20",
                "--eval-every",
                "30",
                "--eval-tasks",
                "20",
                "--oracle-iterations",
                "0",
                "--out",
                out.toString()));
    a.addAll(List.of(extra));
    return robot(a.toArray(String[]::new));
  }

  private static Map<String, double[]> learned(Path checkpoint) throws Exception {
    Map<String, double[]> m = new java.util.TreeMap<>(Checkpoint.read(checkpoint).arrays());
    m.remove("train_seconds"); // wall time, the only thing allowed to differ
    return m;
  }

  private static void assertSameParameters(Path a, Path b) throws Exception {
    Map<String, double[]> x = learned(a);
    Map<String, double[]> y = learned(b);
    assertThat(y.keySet()).isEqualTo(x.keySet()).contains("theta");
    for (String k : x.keySet()) {
      assertThat(y.get(k)).as(k).containsExactly(x.get(k));
    }
  }

  private static JsonNode summary(Path out) throws Exception {
    return new ObjectMapper().readTree(out.resolve("summary.json").toFile());
  }

  @Test
  void aSeededRunGivesBitIdenticalParametersOnThreadsOneMemberAndThreeMembers() throws Exception {
    Run local = sine(dir.resolve("local"), "--threads", "2");
    assertThat(local.exit()).as(local.err()).isZero();

    LocalWorkers.Worker a = workers.start(LocalWorkers.classPath(), null);
    Run one = sine(dir.resolve("one"), "--cluster", a.address());
    assertThat(one.exit()).as(one.err()).isZero();
    assertThat(summary(dir.resolve("one")).at("/cluster/members")).hasSize(1);

    workers.start(LocalWorkers.classPath(), a);
    workers.start(LocalWorkers.classPath(), a);
    Run three = sine(dir.resolve("three"), "--cluster", a.address());
    assertThat(three.exit()).as(three.err()).isZero();
    assertThat(three.err()).contains("3 members take tasks");
    assertThat(summary(dir.resolve("three")).at("/cluster/members")).hasSize(3);
    assertThat(summary(dir.resolve("three")).at("/cluster/rerun_tasks").asInt()).isZero();

    Path cp = Path.of("metasgd-k5", "checkpoint.bin");
    assertSameParameters(dir.resolve("local").resolve(cp), dir.resolve("one").resolve(cp));
    assertSameParameters(dir.resolve("local").resolve(cp), dir.resolve("three").resolve(cp));
    // the same evaluation in the same table (but the time per iteration)
    assertThat(tableRow(three.out())).isEqualTo(tableRow(local.out())).contains("metasgd");
  }

  @Test
  void theMetaRlLearnersSampleTheirTasksOnTheClusterWithTheThreadsResult() throws Exception {
    LocalWorkers.Worker a = workers.start(LocalWorkers.classPath(), null);
    workers.start(LocalWorkers.classPath(), a);
    for (String algo : new String[] {"promp", "maml_trpo", "rl2"}) {
      String[] run = {
        "train",
        "rl",
        "--algo",
        algo,
        "--env",
        "point-nav",
        "--iterations",
        "2",
        "--meta-batch",
        "6",
        "--trajectories",
        "4",
        "--eval-tasks",
        "2"
      };
      Path local = dir.resolve(algo + "-local");
      Path cluster = dir.resolve(algo + "-cluster");
      Run l = robot(concat(run, "--out", local.toString(), "--threads", "2"));
      assertThat(l.exit()).as(l.err()).isZero();
      Run c = robot(concat(run, "--out", cluster.toString(), "--cluster", a.address()));
      assertThat(c.exit()).as(c.err()).isZero();
      assertThat(summary(cluster).at("/cluster/members")).hasSize(2);
      // the held-out test ran on the members too, with the same returns
      assertThat(summary(cluster).at("/held_out").size()).as(algo).isPositive();
      assertThat(summary(cluster).at("/held_out")).isEqualTo(summary(local).at("/held_out"));
      Map<String, double[]> x = learned(local.resolve("checkpoint.bin"));
      Map<String, double[]> y = learned(cluster.resolve("checkpoint.bin"));
      double[] curveX = x.remove("curve");
      double[] curveY = y.remove("curve");
      assertThat(y.keySet())
          .as(algo)
          .isEqualTo(x.keySet())
          .contains(algo.equals("rl2") ? "params" : "policy");
      for (String k : x.keySet()) {
        assertThat(y.get(k)).as(algo + " " + k).containsExactly(x.get(k));
      }
      // the learning curve's two rows but their times: ProMP (iteration, env steps, returns
      // before and after adapting, seconds), MAML-TRPO (the same and the step's KL and acceptance
      // before the seconds), RL² (iteration, env steps, seconds, update seconds, the returns of
      // its 2 episodes)
      assertThat(curveY).hasSameSizeAs(curveX);
      int width = curveX.length / 2;
      java.util.Set<Integer> times =
          algo.equals("rl2") ? java.util.Set.of(2, 3) : java.util.Set.of(width - 1);
      for (int i = 0; i < curveX.length; i++) {
        if (!times.contains(i % width)) {
          assertThat(curveY[i]).as(algo + " curve value " + i).isEqualTo(curveX[i]);
        }
      }
    }
  }

  @Test
  void aMemberKilledMidIterationChangesNothing() throws Exception {
    String[] dynamics = {
      "train",
      "dynamics",
      "--env",
      "diffdrive",
      "--algorithm",
      "maml",
      "--iterations",
      "300",
      "--meta-batch",
      "20",
      "--eval-every",
      "300",
      "--no-baseline",
      "--oracle-iterations",
      "0"
    };
    Run local = robot(concat(dynamics, "--out", dir.resolve("local").toString()));
    assertThat(local.exit()).as(local.err()).isZero();

    Run cluster = killOneOfThreeMidRun(dynamics, dir.resolve("cluster"));
    assertThat(cluster.err()).contains("left before answering job");
    assertThat(summary(dir.resolve("cluster")).at("/cluster/rerun_tasks").asInt()).isPositive();
    Path cp = Path.of("maml", "checkpoint.bin");
    assertSameParameters(dir.resolve("local").resolve(cp), dir.resolve("cluster").resolve(cp));
    // the evaluation of every scenario ran on the members, with the same numbers
    assertThat(summary(dir.resolve("cluster")).at("/scenarios"))
        .isEqualTo(summary(dir.resolve("local")).at("/scenarios"));
  }

  /**
   * ProMP keeps each task's batch on the member that sampled it for the outer steps: a member
   * killed mid-run has its tasks sampled again elsewhere (seeded per task), with the same result.
   */
  @Test
  void aMemberKilledMidProMpRunChangesNothing() throws Exception {
    String[] promp = {
      "train",
      "rl",
      "--algo",
      "promp",
      "--env",
      "point-nav",
      "--iterations",
      "40",
      "--meta-batch",
      "6",
      "--trajectories",
      "4",
      "--eval-tasks",
      "2"
    };
    Run local = robot(concat(promp, "--out", dir.resolve("local").toString()));
    assertThat(local.exit()).as(local.err()).isZero();
    Run cluster = killOneOfThreeMidRun(promp, dir.resolve("cluster"));
    assertThat(summary(dir.resolve("cluster")).at("/cluster/rerun_tasks").asInt()).isPositive();
    Map<String, double[]> x = learned(dir.resolve("local/checkpoint.bin"));
    Map<String, double[]> y = learned(dir.resolve("cluster/checkpoint.bin"));
    assertThat(y.get("policy")).containsExactly(x.get("policy"));
  }

  /**
   * Runs the command on a cluster of three workers and kills one (forcibly) as soon as it has taken
   * tasks of the run; returns the run, which must have gone on to the end.
   */
  private Run killOneOfThreeMidRun(String[] command, Path out) throws Exception {
    LocalWorkers.Worker a = workers.start(LocalWorkers.classPath(), null);
    workers.start(LocalWorkers.classPath(), a);
    LocalWorkers.Worker victim = workers.start(LocalWorkers.classPath(), a);
    CompletableFuture<Run> run =
        CompletableFuture.supplyAsync(
            () -> robot(concat(command, "--out", out.toString(), "--cluster", a.address())));
    // the trainer keeps every member busy: once the victim has taken tasks, kill it
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && !run.isDone() && !victimBusy(victim)) {
      Thread.sleep(100);
    }
    assertThat(run).as("the run ended before the victim was killed").isNotDone();
    victim.process.destroyForcibly();
    Run cluster = run.get(120, TimeUnit.SECONDS);
    assertThat(cluster.exit()).as(cluster.err()).isZero();
    return cluster;
  }

  /** The victim says so when it takes its first task of a run. */
  private static boolean victimBusy(LocalWorkers.Worker w) {
    return w.output().contains("worker: tasks of run");
  }

  @Test
  void aWorkerOfOtherCodeIsRefusedAtJoinAndATrainerRefusesAClusterOfOtherCode() throws Exception {
    // "other code": the same class path plus one more class of the project
    Path extra = dir.resolve("other-build");
    Path marker = extra.resolve("org/adaptrobot/cluster/Marker.class");
    Files.createDirectories(marker.getParent());
    Files.write(marker, new byte[] {(byte) 0xCA, (byte) 0xFE, 1, 2, 3});
    String otherCp = extra + java.io.File.pathSeparator + LocalWorkers.classPath();

    LocalWorkers.Worker a = workers.start(LocalWorkers.classPath(), null);
    LocalWorkers.Worker other = workers.start(otherCp, a);
    assertThat(other.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(other.process.exitValue()).as(other.output()).isEqualTo(2);
    assertThat(other.output())
        .contains("worker: refused to join: the cluster at " + a.address())
        .contains("Every member needs the same build");

    // a cluster of other code: the trainer names it and trains nothing
    LocalWorkers.Worker lone = workers.start(otherCp, null);
    Run refused = sine(dir.resolve("refused"), "--cluster", lone.address());
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.err())
        .contains("refusing member " + lone.address() + " (1 thread): it runs code");
    assertThat(dir.resolve("refused/metasgd-k5/checkpoint.bin")).doesNotExist();
    assertThatThrownBy(() -> ClusterProvider.connectAny(lone.address(), System.err))
        .hasMessageContaining(
            "no member takes jobs; refused, other code or configuration: [" + lone.address());

    // nobody there
    assertThatThrownBy(
            () -> ClusterProvider.connectAny("127.0.0.1:" + LocalWorkers.freePort(), System.err))
        .hasMessageContaining("no worker answered within 15 s");
  }

  @Test
  void aTrainerWithoutClusterLoadsNoEngineClass() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-verbose:class",
            "-cp",
            LocalWorkers.classPath(),
            "org.adaptrobot.runtime.cli.RobotCommand",
            "train",
            "sine",
            "--algorithms",
            "maml",
            "--iterations",
            "20",
            "--eval-every",
            "10",
            "--eval-tasks",
            "10",
            "--oracle-iterations",
            "0",
            "--out",
            dir.resolve("plain").toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("org.adaptrobot.trainer.meta.Maml source:"); // the log is there
    assertThat(out.lines().filter(l -> l.contains("com.hazelcast")).toList()).isEmpty();
  }

  /** The result table's row without its last column (milliseconds per iteration). */
  private static String tableRow(String out) {
    String row = out.lines().filter(l -> l.startsWith("metasgd")).findFirst().orElseThrow();
    return row.replaceAll("\\s+[0-9.]+$", "");
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
