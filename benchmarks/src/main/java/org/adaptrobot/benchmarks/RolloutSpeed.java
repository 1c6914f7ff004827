package org.adaptrobot.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.PointNavigation;
import org.adaptrobot.sim.env.TaskDistribution;
import org.adaptrobot.trainer.rl.ActorCritic;
import org.adaptrobot.trainer.rl.MetaEval;
import org.adaptrobot.trainer.rl.RobotMetaRl;
import org.adaptrobot.trainer.rl.TaskBatch;
import org.adaptrobot.trainer.rl.TaskEnvs;

/**
 * Rollout throughput of the meta-learners' sampling (a meta-batch of 20 tasks, each task's
 * trajectories with the robot's 64-64 Gaussian policy, GAE and the linear baseline included): env
 * steps per second on 1 and 2 threads, for 2D navigation (100-step episodes, 20 per task) and the
 * robot's velocity tracking (50-step rollouts, 10 per task). Median of 5 repetitions after 2
 * warm-ups.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.RolloutSpeed
 * </pre>
 */
public final class RolloutSpeed {

  public static void main(String[] args) throws Exception {
    measure("2D navigation", PointNavigation::new, 20, 100);
    measure(
        "robot velocity tracking",
        RobotMetaRl.env(),
        RobotMetaRl.ROLLOUTS,
        RobotMetaRl.ROLLOUT_STEPS);
  }

  static void measure(String name, Supplier<Env> env, int trajectories, int horizon)
      throws Exception {
    ActorCritic ac = new org.adaptrobot.trainer.rl.ProMp(env, RobotMetaRl.promp(), 1).model();
    List<double[]> tasks = MetaEval.tasks(env, TaskDistribution.Split.TRAIN, 20, 5);
    for (int threads : new int[] {1, 2}) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      double[] rates = new double[5];
      for (int rep = -2; rep < 5; rep++) {
        long t0 = System.nanoTime();
        final int r = rep;
        List<java.util.concurrent.Callable<TaskBatch>> jobs = new java.util.ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
          final int k = i;
          jobs.add(
              () ->
                  TaskBatch.sample(
                      TaskEnvs.fixed(env, tasks.get(k)),
                      ac.policy,
                      ac.policyParams,
                      trajectories,
                      horizon,
                      0.99,
                      1.0,
                      100L * r + k));
        }
        for (var f : pool.invokeAll(jobs)) {
          f.get();
        }
        double s = (System.nanoTime() - t0) * 1e-9;
        if (rep >= 0) {
          rates[rep] = tasks.size() * (double) trajectories * horizon / s;
        }
      }
      pool.shutdown();
      java.util.Arrays.sort(rates);
      System.out.printf(
          Locale.ROOT,
          "%s: %d tasks x %d trajectories x %d steps, %d thread%s: %.0f env steps/s (median of 5)%n",
          name,
          tasks.size(),
          trajectories,
          horizon,
          threads,
          threads == 1 ? "" : "s",
          rates[2]);
    }
  }
}
