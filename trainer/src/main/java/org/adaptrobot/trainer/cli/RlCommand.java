package org.adaptrobot.trainer.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.adaptrobot.demo.plot.LinePlot;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;
import org.adaptrobot.trainer.rl.MamlTrpo;
import org.adaptrobot.trainer.rl.MetaEval;
import org.adaptrobot.trainer.rl.Ppo;
import org.adaptrobot.trainer.rl.PpoRun;
import org.adaptrobot.trainer.rl.ProMp;
import org.adaptrobot.trainer.rl.Rl2;
import org.adaptrobot.trainer.rl.RobotMetaRl;
import org.adaptrobot.trainer.rl.Sampler;
import org.adaptrobot.trainer.rl.TaskEnvs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code robot train rl}: reinforcement learning and meta-reinforcement learning runs. */
@Command(
    name = "rl",
    mixinStandardHelpOptions = true,
    description = {
      "Reinforcement learning on the simulated tasks: PPO on cart-pole or pendulum (the"
          + " rl-baselines3-zoo settings), or meta-RL on 2D navigation (ProMP or MAML-TRPO) with"
          + " the few-shot test on held-out goals at the end.",
      "Writes metrics.csv (every iteration), curve.png, policy.csv (the policy's parameters) and"
          + " summary.json (figures and provenance) into --out. Results are bit-identical for any"
          + " --threads. Not yet: checkpoints, bundle export, the diff-drive task."
    })
public final class RlCommand implements Callable<Integer> {

  /** What to run. */
  public enum Algorithm {
    PPO,
    PROMP,
    MAML_TRPO,
    RL2,
    SAC,
    RMA,
    PEARL
  }

  @Option(
      names = "--algo",
      defaultValue = "ppo",
      description =
          "ppo, promp, maml_trpo, rl2 (a GRU policy adapting in its hidden state over a trial"
              + " of --episodes episodes), sac (soft actor-critic, rl-baselines3-zoo's pendulum"
              + " settings with 64-64 networks) or rma (diffdrive: PPO told the robot's"
              + " parameters for --steps, then an adaptation module that infers them from the last"
              + " half second; --bundle writes a latent bundle) or pearl (point-nav, point-robot or"
              + " diffdrive:"
              + " SAC on the observation and a latent task posterior, --iterations; on diffdrive"
              + " --bundle writes a latent bundle with the factors encoding) (default:"
              + " ${DEFAULT-VALUE}).")
  Algorithm algo;

  @Option(
      names = "--env",
      defaultValue = "cartpole",
      description =
          "cartpole, pendulum, point-nav, point-robot or diffdrive; meta-RL takes point-nav (goals"
              + " in a square, 100 steps), point-robot (PEARL's: goals on a half circle, 20"
              + " steps), pendulum"
              + " (mass, length, gravity) or diffdrive (the robot's velocity tracking: battery,"
              + " payload, floor, per-motor torque, sensor noise; 1 s rollouts) (default:"
              + " ${DEFAULT-VALUE}).")
  String env;

  @Option(
      names = "--steps",
      defaultValue = "100000",
      description = "PPO and SAC: environment steps (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(
      names = "--iterations",
      defaultValue = "50",
      description = "Meta-RL: meta-iterations (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(
      names = "--reward-decoder",
      defaultValue = "0",
      description =
          "PEARL: weight of a reward-prediction loss on (s, z, a) that also trains the encoder"
              + " through z; 0 is PEARL as published (default: ${DEFAULT-VALUE}).")
  double rewardDecoder;

  @Option(
      names = "--kl-weight",
      defaultValue = "0.1",
      description =
          "PEARL: weight of each posterior's KL to the unit prior in the encoder's loss (default:"
              + " ${DEFAULT-VALUE}, the paper's).")
  double klWeight;

  @Option(
      names = "--train-tasks",
      defaultValue = "40",
      description =
          "PEARL: training goals, each with its own replay and context buffers; at least 16, the"
              + " tasks of one gradient step (default: ${DEFAULT-VALUE}).")
  int trainTasks;

  @Option(
      names = "--rounds",
      defaultValue = "5",
      description =
          "RMA: data rounds of the adaptation module (the first with the true parameters)"
              + " (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--window",
      defaultValue = "25",
      description =
          "RMA: observations the adaptation module reads (25: half a second at 50 Hz); PEARL on the"
              + " robot: transitions whose factors the bundle's posterior keeps (default:"
              + " ${DEFAULT-VALUE}).")
  int window;

  @Option(
      names = "--update-every",
      defaultValue = "5",
      description = "RMA: steps between re-encodings on the robot (default: ${DEFAULT-VALUE}).")
  int updateEvery;

  @Option(
      names = "--drives",
      defaultValue = "600",
      description = "RMA: 10 s drives per round, each on its own task (default: ${DEFAULT-VALUE}).")
  int drives;

  @Option(
      names = "--eval-tasks",
      defaultValue = "40",
      description = "Meta-RL: held-out goals of the final test (default: ${DEFAULT-VALUE}).")
  int evalTasks;

  @Option(
      names = "--eval-steps",
      defaultValue = "3",
      description = "Meta-RL: inner steps of the final test (default: ${DEFAULT-VALUE}).")
  int evalSteps;

  @Option(
      names = "--inner-steps",
      defaultValue = "1",
      description =
          "MAML-TRPO: policy-gradient steps of adaptation, meta-trained through all of them"
              + " (default: ${DEFAULT-VALUE}; ProMP takes 1).")
  int innerSteps;

  @Option(
      names = "--meta-batch",
      defaultValue = "20",
      description = "Meta-RL: tasks per meta-iteration (default: ${DEFAULT-VALUE}).")
  int metaBatch;

  @Option(
      names = "--trajectories",
      description =
          "Meta-RL: trajectories per task for each inner step and after adaptation, and in the"
              + " final test (default: 20; diffdrive 10, the rollouts the robot collects per step).")
  Integer trajectories;

  @Option(
      names = "--eval-split",
      defaultValue = "TRAIN",
      description =
          "Meta-RL: where the test's tasks come from: TRAIN (unseen draws from the training"
              + " range: held-out tasks) or EXTRAPOLATION (outside it) (default: ${DEFAULT-VALUE}).")
  TaskDistribution.Split evalSplit;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "Worker threads; results do not depend on it (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--out",
      defaultValue = "runs/rl",
      description = "Output directory (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--bundle",
      paramLabel = "DIR",
      description =
          "diffdrive: also export the policy as a bundle the runtime drives (50 Hz), with its"
              + " observation normalisation and reward spec; a meta-RL policy's bundle adapts on"
              + " the robot by its policy-gradient step (default: none).")
  Path bundle;

  @Option(
      names = "--episodes",
      description =
          "RL²: episodes per trial (default: 2; diffdrive: 1, a continuous 10 s drive, as a robot"
              + " has no episodes).")
  Integer episodes;

  @Option(
      names = "--switch-probability",
      description =
          "RL²: probability that a trial's task changes at a random step inside it (default: 0;"
              + " diffdrive: 0.5).")
  Double switchProbability;

  @Option(
      names = "--critic",
      defaultValue = "linear",
      description =
          "RL²: the advantages' baseline: linear (the linear feature baseline on the observation)"
              + " or gru (a value function with its own GRU on the policy's inputs, trained on"
              + " whole trials) (default: ${DEFAULT-VALUE}).")
  String critic;

  @Option(
      names = "--target-kl",
      description =
          "RL²: end an iteration's PPO epochs before a minibatch step whose approximate KL from"
              + " the sampling policy exceeds 1.5 × this (default: none).")
  Double targetKl;

  @Option(
      names = "--multi-task",
      description =
          "PPO on diffdrive: train on the meta-learners' task distribution (a random robot per"
              + " episode, changing inside it with the RL² trials' probability) instead of the"
              + " nominal robot: the non-adaptive baseline of the adaptive policies.")
  boolean multiTask;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "10",
      description =
          "Meta-RL: write checkpoint.bin in --out every N meta-iterations (default:"
              + " ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(
      names = "--resume",
      description =
          "Meta-RL: continue from --out's checkpoint.bin (same algorithm, environment, seed and"
              + " batch settings); the result is the run's without the interruption (default:"
              + " off).")
  boolean resume;

  @picocli.CommandLine.Mixin ClusterOption clusterOption = new ClusterOption();

  private org.adaptrobot.trainer.cluster.Cluster cluster;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Supplier<Env> chosen = org.adaptrobot.trainer.rl.RlEnvs.named(env);
    if (chosen == null) {
      err.println(
          "error: --env: expected cartpole, pendulum, point-nav, point-robot or diffdrive, got '"
              + env
              + "'");
      return 2;
    }
    if (algo != Algorithm.PPO && env.equals("cartpole")) {
      err.println(
          "error: --algo "
              + algo.name().toLowerCase(Locale.ROOT)
              + " needs a task distribution: --env point-nav, point-robot, pendulum or diffdrive");
      return 2;
    }
    if (algo == Algorithm.RL2 && bundle != null && !env.equals("diffdrive")) {
      err.println(
          "error: --bundle: a recurrent bundle drives the robot, so it needs --env diffdrive");
      return 2;
    }
    boolean robotRl2 = algo == Algorithm.RL2 && env.equals("diffdrive");
    if (episodes == null) {
      episodes = robotRl2 ? Rl2.Config.robot().episodesPerTrial() : 2;
    }
    if (switchProbability == null) {
      switchProbability = robotRl2 ? Rl2.Config.robot().switchProbability() : 0.0;
    }
    if (!(switchProbability >= 0 && switchProbability <= 1)) {
      err.println("error: --switch-probability must be in [0, 1], got " + switchProbability);
      return 2;
    }
    if (episodes < 1) {
      err.println("error: --episodes must be >= 1, got " + episodes);
      return 2;
    }
    if (innerSteps < 1 || (innerSteps > 1 && algo != Algorithm.MAML_TRPO)) {
      err.println(
          "error: --inner-steps: MAML-TRPO takes 1 or more, the others 1; got " + innerSteps);
      return 2;
    }
    if (bundle != null && !env.equals("diffdrive")) {
      err.println("error: --bundle: only a diffdrive policy runs on the robot (--env diffdrive)");
      return 2;
    }
    boolean robot = env.equals("diffdrive");
    if (targetKl != null && !(targetKl > 0)) {
      err.println("error: --target-kl must be > 0, got " + targetKl);
      return 2;
    }
    if (!critic.equals("linear") && !critic.equals("gru")) {
      err.println("error: --critic: expected linear or gru, got '" + critic + "'");
      return 2;
    }
    if (multiTask && !(robot && algo == Algorithm.PPO)) {
      err.println("error: --multi-task is for --algo ppo --env diffdrive");
      return 2;
    }
    if (algo == Algorithm.RMA && !robot) {
      err.println("error: --algo rma learns the robot's parameters: it needs --env diffdrive");
      return 2;
    }
    if (algo == Algorithm.PEARL
        && !env.equals("point-nav")
        && !env.equals("point-robot")
        && !env.equals("diffdrive")) {
      err.println(
          "error: --algo pearl trains on 2D navigation or the robot here: it needs --env point-nav,"
              + " point-robot or diffdrive");
      return 2;
    }
    if (!(rewardDecoder >= 0)) {
      err.println("error: --reward-decoder must be >= 0, got " + rewardDecoder);
      return 2;
    }
    if (!(klWeight >= 0)) {
      err.println("error: --kl-weight must be >= 0, got " + klWeight);
      return 2;
    }
    int metaBatchPearl = org.adaptrobot.trainer.rl.Pearl.Config.pointNav().metaBatch();
    if (trainTasks < metaBatchPearl) {
      err.println(
          "error: --train-tasks must be >= "
              + metaBatchPearl
              + " (the distinct tasks of one PEARL gradient step), got "
              + trainTasks);
      return 2;
    }
    if (rounds < 1 || drives < 1) {
      err.println("error: --rounds and --drives must be >= 1, got " + rounds + " and " + drives);
      return 2;
    }
    if (window < 1 || updateEvery < 1) {
      err.println(
          "error: --window and --update-every must be >= 1, got " + window + " and " + updateEvery);
      return 2;
    }
    if (algo == Algorithm.SAC && bundle != null) {
      err.println(
          "error: --bundle: SAC policies are not exported as bundles yet (PPO, ProMP, MAML-TRPO"
              + " and RL² are)");
      return 2;
    }
    // meta-RL on the robot trains under the fixed normalisation its bundle carries
    Supplier<Env> factory =
        robot && algo != Algorithm.PPO
            ? RobotMetaRl.env()
            : multiTask
                ? TaskEnvs.randomTask(
                    chosen,
                    false,
                    Rl2.Config.robot().switchProbability(),
                    Rl2.Config.robot().horizon())
                : chosen;
    if (trajectories == null) {
      trajectories = robot ? RobotMetaRl.ROLLOUTS : 20;
    }
    if (metaBatch < 1 || trajectories < 2) {
      err.println("error: --meta-batch must be >= 1 and --trajectories >= 2");
      return 2;
    }
    if (threads < 1 || steps < 1 || iterations < 1 || evalTasks < 1 || evalSteps < 0) {
      err.println("error: --threads, --steps, --iterations and --eval-tasks must be positive");
      return 2;
    }
    if (checkpointEvery < 1) {
      err.println("error: --checkpoint-every must be >= 1, got " + checkpointEvery);
      return 2;
    }
    Files.createDirectories(out);
    if (resume
        && Files.exists(out.resolve(CHECKPOINT))
        && Files.exists(out.resolve("metrics.csv"))) {
      // rows written after the checkpoint are trained again: drop them
      int done = org.adaptrobot.trainer.io.Checkpoint.read(out.resolve(CHECKPOINT)).iteration();
      List<String> lines = Files.readAllLines(out.resolve("metrics.csv"));
      List<String> kept = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        if (i == 0 || Integer.parseInt(lines.get(i).split(",")[0]) <= done) {
          kept.add(lines.get(i));
        }
      }
      Files.write(out.resolve("metrics.csv"), kept);
    }
    if (clusterOption.address != null
        && algo != Algorithm.PROMP
        && algo != Algorithm.MAML_TRPO
        && algo != Algorithm.RL2) {
      err.println(
          "error: --cluster: of the reinforcement learners only --algo promp, maml_trpo and rl2"
              + " send their tasks to a cluster yet");
      return 2;
    }
    cluster = clusterOption.connect();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long t0 = System.nanoTime();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("algorithm", algo.name().toLowerCase(Locale.ROOT));
    summary.put("env", env);
    summary.put("seed", seed);
    summary.put("threads", threads);
    summary.put("code", RunFiles.codeVersion());
    summary.put("cores", Runtime.getRuntime().availableProcessors());
    LinePlot plot =
        new LinePlot(algo + " on " + env + ", seed " + seed, "environment steps", "return");
    double[] params;
    try (RunFiles.Csv csv =
        new RunFiles.Csv(
            out.resolve("metrics.csv"),
            algo == Algorithm.SAC
                ? "evaluation,env_steps,return,alpha,seconds"
                : "iteration,env_steps,return,after_step,seconds",
            resume && Files.exists(out.resolve(CHECKPOINT)))) {
      switch (algo) {
        case PPO -> {
          PpoRun.Config c = ppoConfig(env, steps);
          PpoRun run = ppo(factory, c, pool, csv, "");
          double[] eval =
              Sampler.evaluate(
                  factory,
                  run.model().policy,
                  run.model().policyParams,
                  run.model().norm,
                  20,
                  7_000_000L);
          double mean = java.util.Arrays.stream(eval).average().orElse(Double.NaN);
          o.printf(Locale.ROOT, "final: %.1f mean return over 20 deterministic episodes%n", mean);
          summary.put("final_return", mean);
          if (bundle != null) {
            var b =
                org.adaptrobot.trainer.rl.RlBundle.export(
                    bundle,
                    run.model(),
                    50,
                    org.adaptrobot.models.bundle.RewardSpec.standard(),
                    1.0,
                    Map.of(
                        "steps",
                        steps,
                        "envs",
                        c.envs(),
                        "rollout",
                        c.steps(),
                        "multi_task",
                        multiTask),
                    seed,
                    Map.of("final_return", mean));
            o.println("bundle: " + b.source() + " (run it with --rate 50)");
          }
          var curve = run.curve();
          plot.add(
              "episodes (training)",
              curve.stream().mapToDouble(p -> p.envSteps()).toArray(),
              curve.stream()
                  .mapToDouble(p -> Double.isNaN(p.trainReturn()) ? 0 : p.trainReturn())
                  .toArray());
          params = run.model().policyParams;
        }
        case SAC -> {
          org.adaptrobot.trainer.rl.Sac sac =
              new org.adaptrobot.trainer.rl.Sac(
                  factory, org.adaptrobot.trainer.rl.Sac.Config.pendulum(steps), seed);
          int[] evaluations = {0};
          var curve =
              sac.run(
                  p -> {
                    csv.row(
                        p.envSteps() / 1000, p.envSteps(), p.evalReturn(), p.alpha(), p.seconds());
                    o.printf(
                        Locale.ROOT,
                        "%8d steps: deterministic %.1f, α %.3f (%.0f s)%n",
                        p.envSteps(),
                        p.evalReturn(),
                        p.alpha(),
                        p.seconds());
                    o.flush();
                  });
          plot.add(
              "deterministic policy",
              curve.stream().mapToDouble(p -> p.envSteps()).toArray(),
              curve.stream().mapToDouble(p -> p.evalReturn()).toArray());
          double last = curve.isEmpty() ? Double.NaN : curve.getLast().evalReturn();
          o.printf(Locale.ROOT, "final: %.1f mean return over 10 deterministic episodes%n", last);
          summary.put("final_return", last);
          params = sac.actorParameters();
        }
        case RMA -> params = rma(pool, summary, csv, t0);
        case PEARL -> {
          org.adaptrobot.trainer.rl.Pearl pearl =
              new org.adaptrobot.trainer.rl.Pearl(
                  factory,
                  (switch (env) {
                        case "diffdrive" -> org.adaptrobot.trainer.rl.Pearl.Config.robot();
                        case "point-robot" -> org.adaptrobot.trainer.rl.Pearl.Config.pointRobot();
                        default -> org.adaptrobot.trainer.rl.Pearl.Config.pointNav();
                      })
                      .tuned(trainTasks, klWeight, rewardDecoder),
                  seed);
          summary.put("train_tasks", trainTasks);
          summary.put("kl_weight", klWeight);
          summary.put("reward_decoder", rewardDecoder);
          List<double[]> goals = MetaEval.tasks(factory, evalSplit, evalTasks, 424242);
          pearl.train(
              iterations,
              1,
              goals,
              p -> {
                csv.row(
                    p.iteration(), p.envSteps(), p.priorReturn(), p.posteriorReturn(), p.seconds());
                o.printf(
                    Locale.ROOT,
                    "iteration %3d, %7d env steps: episode 1 (prior) %.1f, episode 2 (posterior)"
                        + " %.1f, online posterior %.1f, goal R² of the posterior %.2f (σ %.3f,"
                        + " its mean spread across goals %.3f), α %.3f (%.0f s)%n",
                    p.iteration(),
                    p.envSteps(),
                    p.priorReturn(),
                    p.posteriorReturn(),
                    p.onlineReturn(),
                    p.taskR2(),
                    p.posteriorStd(),
                    p.meanSpread(),
                    p.alpha(),
                    p.seconds());
                o.flush();
                summary.put("episode_1", p.priorReturn());
                summary.put("episode_2", p.posteriorReturn());
                summary.put("online", p.onlineReturn());
                summary.put("goal_r2", p.taskR2());
              });
          params = pearl.actorParameters().clone();
          if (bundle != null) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("episode_2", (Double) summary.get("episode_2"));
            metrics.put("online", (Double) summary.get("online"));
            var b =
                org.adaptrobot.trainer.rl.RlBundle.exportPearl(
                    bundle,
                    pearl,
                    window,
                    RobotMetaRl.RATE_HZ,
                    org.adaptrobot.models.bundle.RewardSpec.standard(),
                    1.0,
                    Map.of(
                        "iterations",
                        iterations,
                        "train_tasks",
                        trainTasks,
                        "kl_weight",
                        klWeight,
                        "window",
                        window,
                        "training_seconds",
                        Math.round((System.nanoTime() - t0) * 1e-9)),
                    seed,
                    metrics);
            o.println("bundle: " + b.source() + " (run it with --rate 50)");
          }
        }
        case RL2 -> {
          Rl2.Config d = robot ? Rl2.Config.robot() : Rl2.Config.pointNavigation();
          int horizon =
              robot ? d.horizon() : ((org.adaptrobot.sim.env.AbstractEnv) factory.get()).horizon();
          Rl2.Config rc =
              new Rl2.Config(
                  metaBatch,
                  episodes,
                  horizon,
                  d.hiddenSize(),
                  d.head(),
                  d.initialLogStd(),
                  d.epochs(),
                  d.minibatchTrials(),
                  d.learningRate(),
                  d.clip(),
                  d.gamma(),
                  d.lambda(),
                  d.maxGradNorm(),
                  switchProbability,
                  critic.equals("gru"),
                  targetKl == null ? Double.NaN : targetKl);
          Rl2 m = new Rl2(factory, rc, seed);
          if (cluster != null) {
            m.distribute(cluster, new Rl2.Recipe(env, rc, seed));
          }
          String run = runId(rc.toString(), rc.head());
          int start = resumeFrom(o, run, m::restore);
          double updateSeconds = 0;
          double iterationSeconds = 0;
          int iterationsRun = 0;
          for (int i = start; i < iterations; i++) {
            var p = m.iterate(pool, threads);
            double[] ep = p.episodeReturns();
            csv.row(p.iteration(), p.envSteps(), ep[0], ep[ep.length - 1], p.seconds());
            updateSeconds += p.updateSeconds();
            iterationSeconds += p.seconds();
            iterationsRun++;
            if (p.iteration() % 5 == 0 || p.iteration() == 1) {
              o.printf(
                  Locale.ROOT,
                  "iteration %4d: episode 1 %.1f, episode %d %.1f (%.1f s)%n",
                  p.iteration(),
                  ep[0],
                  ep.length,
                  ep[ep.length - 1],
                  p.seconds());
              o.flush();
            }
            checkpoint(p.iteration(), run, m.state());
          }
          if (iterationsRun > 0) {
            double sampling = iterationSeconds - updateSeconds;
            o.printf(
                Locale.ROOT,
                "speed: %.0f env steps/s (sampling and advantages), %.2f s per PPO update (%d trials × %d steps,"
                    + " %d epochs), %.2f s per iteration, %d threads%n",
                (double) iterationsRun
                    * rc.trials()
                    * rc.episodesPerTrial()
                    * rc.horizon()
                    / sampling,
                updateSeconds / iterationsRun,
                rc.trials(),
                rc.episodesPerTrial() * rc.horizon(),
                rc.epochs(),
                iterationSeconds / iterationsRun,
                threads);
            summary.put(
                "sampling_steps_per_second",
                iterationsRun
                    * (double) rc.trials()
                    * rc.episodesPerTrial()
                    * rc.horizon()
                    / sampling);
            summary.put("seconds_per_ppo_update", updateSeconds / iterationsRun);
            summary.put("kl_early_stops", m.earlyStops());
          }
          for (int k : episodes == 1 ? new int[] {0} : new int[] {0, episodes - 1}) {
            plot.add(
                "episode " + (k + 1) + " of each trial",
                m.curve().stream().mapToDouble(p -> p.envSteps()).toArray(),
                m.curve().stream().mapToDouble(p -> p.episodeReturns()[k]).toArray());
          }
          List<double[]> tasks = MetaEval.tasks(factory, evalSplit, evalTasks, 424242);
          double[][] r = m.evaluate(tasks, 9000 + seed, pool, threads);
          Map<String, Object> test = new LinkedHashMap<>();
          o.printf(
              "%s tasks (%d), return per episode of a trial:%n",
              evalSplit == TaskDistribution.Split.TRAIN ? "held-out" : "extrapolation", evalTasks);
          for (int k = 0; k < episodes; k++) {
            double[] s = MetaEval.summary(r, k);
            o.printf(
                Locale.ROOT,
                "  episode %d: %.1f ± %.1f (95 %% CI), median %.1f%n",
                k + 1,
                s[0],
                s[1],
                s[2]);
            test.put("episode_" + (k + 1), Map.of("mean", s[0], "ci95", s[1], "median", s[2]));
          }
          summary.put("held_out", test);
          params = m.parameters().clone();
          if (bundle != null) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (int k = 0; k < episodes; k++) {
              metrics.put("return_episode_" + (k + 1), MetaEval.summary(r, k)[0]);
            }
            org.adaptrobot.trainer.rl.RlBundle.exportRecurrent(
                bundle,
                m,
                RobotMetaRl.OBS_MEAN,
                RobotMetaRl.OBS_STD,
                RobotMetaRl.RATE_HZ,
                org.adaptrobot.models.bundle.RewardSpec.standard(),
                1.0,
                Map.of(
                    "iterations",
                    iterations,
                    "trials",
                    metaBatch,
                    "switch_probability",
                    switchProbability,
                    "training_seconds",
                    Math.round((System.nanoTime() - t0) * 1e-9)),
                seed,
                metrics);
            o.println("wrote bundle " + bundle + " (run it with --rate 50)");
          }
        }
        default -> {
          List<double[]> pre = new ArrayList<>();
          List<double[]> post = new ArrayList<>();
          org.adaptrobot.trainer.rl.ActorCritic model;
          double innerLr;
          java.util.function.Function<List<double[]>, double[][]> heldOut;
          ProMp.Config p0 = robot ? RobotMetaRl.promp() : ProMp.Config.pointNavigation();
          int horizon =
              robot
                  ? RobotMetaRl.ROLLOUT_STEPS
                  : ((org.adaptrobot.sim.env.AbstractEnv) factory.get()).horizon();
          ProMp.Config pc = p0.sized(metaBatch, trajectories, horizon);
          if (algo == Algorithm.PROMP) {
            ProMp m = new ProMp(factory, pc, seed);
            if (cluster != null) {
              m.distribute(cluster, new ProMp.Recipe(env, pc, seed));
            }
            String run = runId(pc.toString(), pc.hidden());
            int start = resumeFrom(o, run, m::restore);
            for (int i = start; i < iterations; i++) {
              var p = m.iterate(pool, threads);
              csv.row(p.iteration(), p.envSteps(), p.preReturn(), p.postReturn(), p.seconds());
              progress(o, p.iteration(), p.preReturn(), p.postReturn(), p.seconds());
              checkpoint(p.iteration(), run, m.state());
            }
            for (var p : m.curve()) {
              pre.add(new double[] {p.envSteps(), p.preReturn()});
              post.add(new double[] {p.envSteps(), p.postReturn()});
            }
            model = m.model();
            innerLr = pc.innerLr();
            heldOut = t -> m.heldOut(t, trajectories, evalSteps, 9000 + seed, pool, threads);
          } else {
            MamlTrpo.Config d = robot ? RobotMetaRl.mamlTrpo() : MamlTrpo.Config.pointNavigation();
            MamlTrpo.Config mc = d.sized(metaBatch, trajectories, horizon, innerSteps);
            MamlTrpo m = new MamlTrpo(factory, mc, seed);
            if (cluster != null) {
              m.distribute(cluster, new MamlTrpo.Recipe(env, mc, seed));
            }
            String run = runId(mc.toString(), mc.hidden());
            int start = resumeFrom(o, run, m::restore);
            for (int i = start; i < iterations; i++) {
              var p = m.iterate(pool, threads);
              csv.row(p.iteration(), p.envSteps(), p.preReturn(), p.postReturn(), p.seconds());
              progress(o, p.iteration(), p.preReturn(), p.postReturn(), p.seconds());
              checkpoint(p.iteration(), run, m.state());
            }
            for (var p : m.curve()) {
              pre.add(new double[] {p.envSteps(), p.preReturn()});
              post.add(new double[] {p.envSteps(), p.postReturn()});
            }
            model = m.model();
            innerLr = mc.innerLr();
            heldOut = t -> m.heldOut(t, trajectories, evalSteps, 9000 + seed, pool, threads);
          }
          plot.add(
              "before adaptation",
              pre.stream().mapToDouble(x -> x[0]).toArray(),
              pre.stream().mapToDouble(x -> x[1]).toArray());
          plot.add(
              "after one step",
              post.stream().mapToDouble(x -> x[0]).toArray(),
              post.stream().mapToDouble(x -> x[1]).toArray());
          List<double[]> tasks = MetaEval.tasks(factory, evalSplit, evalTasks, 424242);
          double[][] r = heldOut.apply(tasks); // on the cluster's members with --cluster
          Map<String, Object> test = new LinkedHashMap<>();
          o.printf(
              "%s tasks (%d), mean return per trajectory:%n",
              evalSplit == TaskDistribution.Split.TRAIN ? "held-out" : "extrapolation", evalTasks);
          for (int k = 0; k <= evalSteps; k++) {
            double[] s = MetaEval.summary(r, k);
            o.printf(
                Locale.ROOT,
                "  after %d step%s: %.1f ± %.1f (95 %% CI), median %.1f%n",
                k,
                k == 1 ? "" : "s",
                s[0],
                s[1],
                s[2]);
            test.put("steps_" + k, Map.of("mean", s[0], "ci95", s[1], "median", s[2]));
          }
          summary.put("held_out", test);
          params = model.policyParams;
          if (bundle != null) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("return_0_steps", MetaEval.summary(r, 0)[0]);
            if (evalSteps >= 1) {
              metrics.put("return_1_step", MetaEval.summary(r, 1)[0]);
            }
            org.adaptrobot.trainer.rl.RlBundle.exportAdaptive(
                bundle,
                model.policy,
                model.policyParams,
                RobotMetaRl.OBS_MEAN,
                RobotMetaRl.OBS_STD,
                RobotMetaRl.RATE_HZ,
                org.adaptrobot.models.bundle.RewardSpec.standard(),
                1.0,
                innerLr,
                algo == Algorithm.PROMP ? pc.adaptLogStd() : RobotMetaRl.mamlTrpo().adaptLogStd(),
                horizon,
                trajectories,
                algo.name().toLowerCase(Locale.ROOT),
                Map.of(
                    "meta_iterations",
                    iterations,
                    "meta_batch",
                    metaBatch,
                    "inner_steps",
                    innerSteps,
                    "training_seconds",
                    Math.round((System.nanoTime() - t0) * 1e-9)),
                seed,
                metrics);
            o.println("wrote bundle " + bundle);
          }
        }
      }
    } finally {
      pool.shutdown();
      if (cluster != null) {
        summary.put("cluster", ClusterOption.provenance(clusterOption.address, cluster));
        cluster.close();
      }
    }
    StringBuilder p = new StringBuilder();
    for (double v : params) {
      p.append(Double.toString(v)).append('\n');
    }
    Files.writeString(out.resolve("policy.csv"), p);
    plot.write(out.resolve("curve.png"));
    summary.put("seconds", (System.nanoTime() - t0) * 1e-9);
    RunFiles.json(out.resolve("summary.json"), summary);
    o.println("wrote " + out.resolve("metrics.csv") + ", curve.png, policy.csv, summary.json");
    return 0;
  }

  static final String CHECKPOINT = "checkpoint.bin";

  /** A PPO run to its end, a metrics row per iteration and a progress line every 20th. */
  private PpoRun ppo(
      Supplier<? extends Env> factory,
      PpoRun.Config c,
      ExecutorService pool,
      RunFiles.Csv csv,
      String label) {
    PrintWriter o = spec.commandLine().getOut();
    PpoRun run = new PpoRun(factory, c, seed);
    int[] it = {0};
    run.run(
        pool,
        threads,
        p -> {
          csv.row(++it[0], p.envSteps(), p.trainReturn(), p.evalReturn(), p.seconds());
          if (it[0] % 20 == 0) {
            o.printf(
                Locale.ROOT,
                "%s%8d steps: episodes %.1f, deterministic %.1f (%.0f s)%n",
                label,
                p.envSteps(),
                p.trainReturn(),
                p.evalReturn(),
                p.seconds());
            o.flush();
          }
        });
    return run;
  }

  /**
   * RMA on the robot: phase 1, PPO told the true parameters on the meta-learners' task distribution
   * (changes inside drives) for --steps; phase 2, the adaptation module; then both on the held-out
   * drives of {@link org.adaptrobot.trainer.rl.RobotDrives}, and the latent bundle.
   */
  private double[] rma(ExecutorService pool, Map<String, Object> summary, RunFiles.Csv csv, long t0)
      throws java.io.IOException, org.adaptrobot.models.bundle.BundleException {
    PrintWriter o = spec.commandLine().getOut();
    Rl2.Config drive = Rl2.Config.robot();
    PpoRun run =
        ppo(
            TaskEnvs.randomTask(
                RobotMetaRl.env(), true, drive.switchProbability(), drive.horizon()),
            ppoConfig("diffdrive", steps),
            pool,
            csv,
            "phase 1 (oracle) ");
    double oracleSeconds = (System.nanoTime() - t0) * 1e-9;
    org.adaptrobot.trainer.rl.Rma rma =
        new org.adaptrobot.trainer.rl.Rma(
            run.model(),
            RobotMetaRl.env(),
            org.adaptrobot.trainer.rl.Rma.Config.robot()
                .withData(rounds, drives)
                .withWindow(window, updateEvery),
            seed);
    rma.train(
        pool,
        threads,
        r -> {
          o.printf(
              Locale.ROOT,
              "phase 2 round %d: %d windows, latent error (mean square, normalised) %.3f on its"
                  + " drives, %.3f held out, per parameter %s (%.0f s)%n",
              r.round(),
              r.samples(),
              r.trainMse(),
              r.heldOutMse(),
              perParameter(r.heldOutPerParameter()),
              r.seconds());
          o.flush();
        });
    double[] read = rma.errorOnOracleDrives(50, 99);
    o.printf(
        Locale.ROOT,
        "latent error per parameter on the oracle's own drives (no change, full windows): %s"
            + " (normalised; battery, payload, traction, rolling resistance, left and right"
            + " torque, sensor noise)%n",
        perParameter(read));
    summary.put("latent_error_oracle_drives", read);
    var ac = run.model();
    var testDrives = org.adaptrobot.trainer.rl.RobotDrives.drives(40, 424242);
    double[][] told =
        org.adaptrobot.trainer.rl.RobotDrives.run(
            org.adaptrobot.trainer.rl.RobotDrives.feedForward(
                ac.policy, ac.policyParams, ac.norm, true),
            testDrives,
            77,
            pool,
            threads);
    double[][] inferred =
        org.adaptrobot.trainer.rl.RobotDrives.run(rma.driver(), testDrives, 77, pool, threads);
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (var e : Map.of("told", told, "inferred", inferred).entrySet()) {
      double[][] r = e.getValue();
      double whole = org.adaptrobot.trainer.rl.RobotDrives.mean(r, 0, r[0].length);
      double after =
          org.adaptrobot.trainer.rl.RobotDrives.mean(
              r,
              org.adaptrobot.trainer.rl.RobotDrives.CHANGE_SECOND,
              org.adaptrobot.trainer.rl.RobotDrives.CHANGE_SECOND + 1);
      o.printf(
          Locale.ROOT,
          "40 held-out drives, parameters %s: %.3f per drive, %.3f in the second after the"
              + " change%n",
          e.getKey(),
          whole,
          after);
      metrics.put("drive_return_" + e.getKey(), whole);
    }
    summary.putAll(metrics);
    summary.put("oracle_seconds", oracleSeconds);
    if (bundle != null) {
      var b =
          org.adaptrobot.trainer.rl.RlBundle.exportLatent(
              bundle,
              ac,
              rma,
              RobotMetaRl.OBS_MEAN,
              RobotMetaRl.OBS_STD,
              RobotMetaRl.RATE_HZ,
              org.adaptrobot.models.bundle.RewardSpec.standard(),
              1.0,
              Map.of(
                  "oracle_steps",
                  steps,
                  "window",
                  rma.config().window(),
                  "update_every",
                  rma.config().updateEvery(),
                  "rounds",
                  rounds,
                  "drives",
                  drives,
                  "training_seconds",
                  Math.round((System.nanoTime() - t0) * 1e-9)),
              seed,
              metrics);
      o.println("bundle: " + b.source() + " (run it with --rate 50)");
    }
    return rma.moduleParameters().clone();
  }

  private static String perParameter(double[] mse) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < mse.length; i++) {
      b.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", mse[i]));
    }
    return b.append("]").toString();
  }

  /** What a checkpoint must match: algorithm, environment, seed and the learner's settings. */
  private String runId(String config, int[] hidden) {
    // a record prints its int[] as an identity: print the hidden sizes instead
    return algo.name().toLowerCase(Locale.ROOT)
        + "/"
        + env
        + "/seed "
        + seed
        + "/"
        + config.replaceAll(
            "\\[I@[0-9a-f]+",
            java.util.regex.Matcher.quoteReplacement(java.util.Arrays.toString(hidden)));
  }

  /** With --resume and a checkpoint: restores it and returns its iteration; else 0. */
  private int resumeFrom(
      PrintWriter o, String run, java.util.function.Consumer<Map<String, double[]>> restore)
      throws java.io.IOException {
    Path file = out.resolve(CHECKPOINT);
    if (!resume || !Files.exists(file)) {
      return 0;
    }
    org.adaptrobot.trainer.io.Checkpoint c = org.adaptrobot.trainer.io.Checkpoint.read(file);
    if (!c.run().equals(run)) {
      throw new IllegalArgumentException(
          file + " belongs to run '" + c.run() + "', not this one ('" + run + "')");
    }
    restore.accept(c.arrays());
    o.printf("resuming at meta-iteration %d from %s%n", c.iteration(), file);
    return c.iteration();
  }

  private void checkpoint(int iteration, String run, Map<String, double[]> state)
      throws java.io.IOException {
    if (iteration % checkpointEvery == 0 || iteration == iterations) {
      new org.adaptrobot.trainer.io.Checkpoint(iteration, run, state)
          .write(out.resolve(CHECKPOINT));
    }
  }

  private static void progress(PrintWriter o, int it, double pre, double post, double seconds) {
    if (it % 5 == 0 || it == 1) {
      o.printf(
          Locale.ROOT,
          "iteration %4d: before adaptation %.1f, after one step %.1f (%.1f s)%n",
          it,
          pre,
          post,
          seconds);
      o.flush();
    }
  }

  /** PPO's settings per environment (the robot's: diffdrive). */
  public static PpoRun.Config ppoConfig(String env, long steps) {
    return switch (env) {
      case "cartpole" ->
          new PpoRun.Config(
              8,
              32,
              steps,
              new int[] {64, 64},
              Activation.TANH,
              0.0,
              false,
              new Ppo.Settings(20, 256, 1e-3, true, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.98, 0.8),
              20,
              5);
      case "pendulum" ->
          new PpoRun.Config(
              4,
              1024,
              steps,
              new int[] {64, 64},
              Activation.TANH,
              0.0,
              false,
              new Ppo.Settings(10, 64, 1e-3, false, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.9, 0.95),
              2,
              5);
      case "diffdrive" ->
          new PpoRun.Config(
              8,
              256,
              steps,
              new int[] {64, 64},
              Activation.TANH,
              -0.5,
              true,
              new Ppo.Settings(10, 256, 3e-4, true, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.98, 0.95),
              10,
              3);
      default ->
          new PpoRun.Config(
              20,
              100,
              steps,
              new int[] {64, 64},
              Activation.TANH,
              0.0,
              false,
              new Ppo.Settings(10, 256, 3e-4, false, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.99, 0.95),
              10,
              5);
    };
  }
}
