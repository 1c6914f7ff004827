package org.adaptrobot.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.adaptrobot.sim.env.Pendulum;
import org.adaptrobot.trainer.rl.Sac;

/**
 * SAC on the pendulum against rl-baselines3-zoo's figure (SAC, Pendulum-v1, 20k steps: −202 ± 60,
 * `benchmark.md`): the deterministic policy's mean return over 10 episodes every 1,000 steps, per
 * seed, and the seeds' final returns.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.SacPendulum [steps 20000] [seeds 3]
 * </pre>
 */
public final class SacPendulum {

  public static void main(String[] args) {
    long steps = args.length > 0 ? Long.parseLong(args[0]) : 20_000;
    int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<Double> finals = new ArrayList<>();
    for (int seed = 1; seed <= seeds; seed++) {
      int s = seed;
      Sac sac = new Sac(Pendulum::new, Sac.Config.pendulum(steps), seed);
      List<Sac.Point> curve =
          sac.run(
              p ->
                  System.out.printf(
                      Locale.ROOT,
                      "seed %d %6d steps: %.1f (α %.3f, %.0f s)%n",
                      s,
                      p.envSteps(),
                      p.evalReturn(),
                      p.alpha(),
                      p.seconds()));
      finals.add(curve.getLast().evalReturn());
    }
    double mean = finals.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    System.out.printf(Locale.ROOT, "final returns %s, mean %.1f%n", finals, mean);
  }
}
