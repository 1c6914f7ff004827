package org.adaptrobot.trainer.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.GruNetwork;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.sim.env.Env;
import org.adaptrobot.sim.env.TaskDistribution;

/**
 * One harness for every policy of the robot's velocity tracking ({@link RobotMetaRl#env()}, 50 Hz,
 * normalised observations): the same test drives of {@value #SECONDS} s in which the robot changes
 * at {@value #CHANGE_SECOND} s from one held-out task to another (tasks drawn from the training
 * ranges with a seed no learner trains on), every policy acting with its mean action. Reports the
 * return of each second of each drive, so the second after the change shows how fast a policy
 * recovers and the last ones where it settles.
 */
public final class RobotDrives {

  private RobotDrives() {}

  public static final int SECONDS = 10;
  public static final int CHANGE_SECOND = 5;
  static final int STEPS_PER_SECOND = (int) RobotMetaRl.RATE_HZ;

  /** A policy driving: reset at the start of a drive, then one action per step. */
  public interface Driver {
    void reset();

    /**
     * @param obs the normalised observation
     * @param prevAction the action applied in the last step (zero at the start)
     * @param prevReward the reward of the last step (zero at the start)
     * @param task the robot's true parameters now (only the oracle reads them)
     */
    void act(double[] obs, double[] prevAction, double prevReward, double[] task, double[] action);
  }

  /** The test drives: (task before, task after) pairs. */
  public static List<double[][]> drives(int n, long seed) {
    List<double[]> t = MetaEval.tasks(RobotMetaRl.env(), TaskDistribution.Split.TRAIN, 2 * n, seed);
    List<double[][]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new double[][] {t.get(2 * i), t.get(2 * i + 1)});
    }
    return out;
  }

  /** Returns [drive][second] of the reward summed over each second. */
  public static double[][] run(
      Supplier<Driver> driver,
      List<double[][]> drives,
      long seed,
      ExecutorService pool,
      int threads) {
    List<double[]> rows =
        MetaBatch.parallel(
            pool, threads, drives.size(), i -> drive(driver.get(), drives.get(i), seed + i));
    return rows.toArray(new double[0][]);
  }

  static double[] drive(Driver d, double[][] tasks, long seed) {
    Env env = TaskEnvs.fixed(RobotMetaRl.env(), tasks[0]).get();
    int o = env.observationSpace().size();
    int n = env.actionSpace().size();
    double[] obs = new double[o];
    double[] a = new double[n];
    double[] prev = new double[n];
    double prevReward = 0;
    double[] seconds = new double[SECONDS];
    Env.Status status = new Env.Status();
    env.reset(seed, obs);
    env.switchTaskAt(CHANGE_SECOND * STEPS_PER_SECOND, tasks[1]);
    d.reset();
    for (int t = 0; t < SECONDS * STEPS_PER_SECOND; t++) {
      d.act(obs, prev, prevReward, env.task(), a);
      double r = env.step(a, obs, status);
      for (int j = 0; j < n; j++) {
        prev[j] = env.actionSpace().clip(a[j], j);
      }
      prevReward = r;
      seconds[t / STEPS_PER_SECOND] += r;
    }
    return seconds;
  }

  /** An RL² policy: its GRU from a zero state, input [o, previous action, reward, done = 0]. */
  public static Supplier<Driver> rl2(GruNetwork net, double[] params) {
    double[] p = params.clone();
    return () ->
        new Driver() {
          final double[] h = new double[net.hiddenSize()];
          final double[] x = new double[net.inputSize()];
          final GruNetwork.Workspace ws = net.newWorkspace();

          @Override
          public void reset() {
            java.util.Arrays.fill(h, 0);
          }

          @Override
          public void act(double[] obs, double[] prevAction, double r, double[] task, double[] a) {
            Rl2.input(obs, prevAction, r, false, x);
            net.step(p, x, h, h, a, ws);
          }
        };
  }

  /**
   * A feed-forward Gaussian policy's mean with its running normaliser (null: none); with {@code
   * oracle} the true task follows the observation, as the oracle was trained.
   */
  public static Supplier<Driver> feedForward(
      GaussianPolicy policy, double[] params, RunningMeanStd norm, boolean oracle) {
    double[] p = params.clone();
    double[] std = norm == null ? null : norm.std();
    return () ->
        new Driver() {
          final double[] in = new double[policy.inputSize()];
          final double[] x = new double[policy.inputSize()];
          final Mlp.Workspace ws = policy.meanNetwork().newWorkspace();

          @Override
          public void reset() {}

          @Override
          public void act(double[] obs, double[] prevAction, double r, double[] task, double[] a) {
            System.arraycopy(obs, 0, in, 0, obs.length);
            if (oracle) {
              System.arraycopy(task, 0, in, obs.length, task.length);
            }
            if (norm != null) {
              norm.normalise(in, 0, x, 0, std);
            } else {
              System.arraycopy(in, 0, x, 0, in.length);
            }
            policy.mean(p, x, a, ws);
          }
        };
  }

  /** The motors off: the floor every score is measured from. */
  public static Supplier<Driver> idle() {
    return () ->
        new Driver() {
          @Override
          public void reset() {}

          @Override
          public void act(double[] obs, double[] prevAction, double r, double[] task, double[] a) {
            java.util.Arrays.fill(a, 0);
          }
        };
  }

  /** Mean over drives of the return in seconds [from, to). */
  public static double mean(double[][] r, int from, int to) {
    double s = 0;
    for (double[] row : r) {
      for (int k = from; k < to; k++) {
        s += row[k];
      }
    }
    return s / r.length;
  }

  /** Per-drive return in seconds [from, to). */
  public static double[] perDrive(double[][] r, int from, int to) {
    double[] out = new double[r.length];
    for (int i = 0; i < r.length; i++) {
      for (int k = from; k < to; k++) {
        out[i] += r[i][k];
      }
    }
    return out;
  }
}
