package org.adaptrobot.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.sim.env.CartPole;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.Pendulum;
import org.adaptrobot.trainer.rl.Ppo;
import org.adaptrobot.trainer.rl.PpoRun;
import org.adaptrobot.trainer.rl.Sampler;

/**
 * The RL core against rl-baselines3-zoo's anchors (benchmark.md, hyperparams/ppo.yml): PPO with the
 * zoo's settings for CartPole-v1 (500 within 100k steps) and Pendulum-v1 (−172 ± 104 at 100k, with
 * gSDE, which we do not have), on our environments (Gymnasium's equations), for several seeds; the
 * deterministic policy evaluated on 20 episodes at the end; environment steps per second.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.RlFigures [seeds] [threads]
 * </pre>
 */
public final class RlFigures {

  public static void main(String[] args) {
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      run(
          "cart-pole (zoo: 500 at 100k)",
          CartPole::new,
          new PpoRun.Config(
              8,
              32,
              100_000,
              new int[] {64, 64},
              Activation.TANH,
              0.0,
              false,
              new Ppo.Settings(20, 256, 1e-3, true, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.98, 0.8),
              4,
              5),
          seeds,
          pool,
          threads,
          500);
      run(
          "pendulum (zoo: -172.2 ± 104.2 at 100k, with gSDE)",
          Pendulum::new,
          new PpoRun.Config(
              4,
              1024,
              100_000,
              new int[] {64, 64},
              Activation.TANH,
              0.0,
              false,
              new Ppo.Settings(10, 64, 1e-3, false, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.9, 0.95),
              1,
              5),
          seeds,
          pool,
          threads,
          -200);
    } finally {
      pool.shutdown();
    }
  }

  private static void run(
      String name,
      Supplier<? extends Env> env,
      PpoRun.Config c,
      int seeds,
      ExecutorService pool,
      int threads,
      double goal) {
    System.out.println("PPO, " + name + ", " + threads + " threads");
    System.out.println(
        "| seed | final return (20 episodes, deterministic) | first eval ≥ goal at | env steps/s |");
    System.out.println("|---|---|---|---|");
    double[] finals = new double[seeds];
    for (int s = 0; s < seeds; s++) {
      PpoRun r = new PpoRun(env, c, s + 1);
      var curve = r.run(pool, threads, null);
      double[] eval =
          Sampler.evaluate(
              env, r.model().policy, r.model().policyParams, r.model().norm, 20, 7_000_000L);
      finals[s] = Arrays.stream(eval).average().orElse(Double.NaN);
      long reached = -1;
      for (var p : curve) {
        if (p.evalReturn() >= goal) {
          reached = p.envSteps();
          break;
        }
      }
      var last = curve.get(curve.size() - 1);
      System.out.printf(
          Locale.ROOT,
          "| %d | %.1f | %s | %.0f (incl. updates) |%n",
          s + 1,
          finals[s],
          reached < 0 ? "never" : reached + " steps",
          last.envSteps() / last.seconds());
    }
    double[] sorted = finals.clone();
    Arrays.sort(sorted);
    double mean = Arrays.stream(finals).average().orElse(Double.NaN);
    double sd =
        Math.sqrt(
            Arrays.stream(finals).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, seeds - 1));
    System.out.printf(
        Locale.ROOT,
        "mean %.1f ± %.1f (95 %% CI, t), median %.1f over %d seeds%n%n",
        mean,
        tQuantile(seeds - 1) * sd / Math.sqrt(seeds),
        sorted[seeds / 2],
        seeds);
  }

  private static double tQuantile(int dof) {
    double[] t = {
      Double.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228
    };
    return dof < t.length ? t[dof] : 1.96;
  }
}
