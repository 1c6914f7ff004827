package org.adaptrobot.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.trainer.rl.ActorCritic;
import org.adaptrobot.trainer.rl.PolicyGradient;
import org.adaptrobot.trainer.rl.Ppo;
import org.adaptrobot.trainer.rl.RolloutBuffer;

/**
 * Our side of the policy timing beside PyTorch (see {@code benchmarks/pytorch-side-by-side}): the
 * same 4-64-64-1 tanh Gaussian policy and value network in double precision, forward + backward of
 * Σ w log π(a|s) at batch 1..4096, and one PPO update (2048 samples, 10 epochs, minibatch 64). One
 * thread. Prints one JSON object.
 */
public final class PolicyTiming {

  public static void main(String[] args) throws Exception {
    ActorCritic ac = new ActorCritic(4, 1, new int[] {64, 64}, Activation.TANH, 0.0, false, 1);
    PolicyGradient pg = new PolicyGradient(ac.policy);
    SplittableRandom r = new SplittableRandom(1);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("threads", 1);
    result.put("dtype", "float64");
    Map<String, double[]> fb = new LinkedHashMap<>();
    double[] grad = new double[ac.policyParams.length];
    for (int batch : new int[] {1, 16, 256, 4096}) {
      double[] obs = random(r, batch * 4);
      double[] act = random(r, batch);
      double[] w = random(r, batch);
      Runnable step =
          () -> {
            Arrays.fill(grad, 0);
            pg.weightedLogProbGradient(ac.policyParams, obs, act, w, batch, grad);
          };
      for (int i = 0; i < 2000; i++) {
        step.run();
      }
      fb.put(String.valueOf(batch), timed(step, batch <= 256 ? 2000 : 300));
    }
    result.put("forward_backward_us", fb);
    int n = 2048;
    RolloutBuffer buf = new RolloutBuffer(n, 1, 4, 1);
    fill(r, buf.obs);
    fill(r, buf.actions);
    fill(r, buf.advantages);
    fill(r, buf.returns);
    double[] out = pg.forward(ac.policyParams, buf.obs, n);
    System.arraycopy(PolicyGradient.logProbs(out, buf.actions, n, 1), 0, buf.logProbs, 0, n);
    Ppo ppo =
        new Ppo(
            ac,
            new Ppo.Settings(10, 64, 3e-4, false, 0.2, 0.5, 0.0, 0.5, Double.NaN, 0.99, 0.95),
            n);
    SplittableRandom shuffle = new SplittableRandom(2);
    Supplier<Object> update = () -> ppo.update(buf, 0, shuffle);
    for (int i = 0; i < 5; i++) {
      update.get();
    }
    double[] t = timed(update::get, 15);
    result.put("ppo_update_ms", new double[] {t[0] / 1e3, t[1] / 1e3});
    System.out.println(new ObjectMapper().writeValueAsString(result));
  }

  private static double[] random(SplittableRandom r, int n) {
    double[] v = new double[n];
    fill(r, v);
    return v;
  }

  private static void fill(SplittableRandom r, double[] v) {
    for (int i = 0; i < v.length; i++) {
      v[i] = 2 * r.nextDouble() - 1;
    }
  }

  /** Median and p99 of {@code repeats} runs, µs. */
  private static double[] timed(Runnable f, int repeats) {
    long[] t = new long[repeats];
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      f.run();
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    return new double[] {t[repeats / 2] / 1e3, t[(int) (0.99 * (repeats - 1))] / 1e3};
  }
}
