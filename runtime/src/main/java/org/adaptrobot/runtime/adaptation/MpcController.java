package org.adaptrobot.runtime.adaptation;

import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.runtime.policy.PolicyController;

/**
 * Model-predictive control with a learned dynamics model, by the cross-entropy method (CEM; random
 * shooting is the case of one iteration). Every step: sample {@code samples} action sequences of
 * {@code horizon} steps around the current plan, roll each out through the model in one batched
 * forward pass per horizon step, keep the {@code elites} cheapest, refit mean and spread, repeat
 * {@code iterations} times; apply the first action of the final mean and keep the rest (shifted) as
 * the next step's starting plan.
 *
 * <p>The cost comes from the observation names: every component {@code x_target} asks component
 * {@code x} to follow it, with weight 1/std(x_target)² (set-points are held over the horizon), plus
 * {@code actionCost}·‖a‖². Sampled actions respect the bounds and the largest change per step.
 *
 * <p>Model contract (a bundle's dynamics graph): input {@code [normalised obs, action]}, output the
 * normalised change. New model parameters arrive through {@link #publish} from the adaptation
 * thread and are taken up at the start of the next step. Allocation-free after construction.
 */
public final class MpcController implements PolicyController {

  /** Planner settings. */
  public record Settings(
      int horizon, int samples, int elites, int iterations, double actionCost, long seed) {
    public Settings {
      if (horizon < 1 || samples < 2 || elites < 1 || elites > samples || iterations < 1) {
        throw new IllegalArgumentException(
            "MPC settings: need horizon >= 1, samples >= 2, 1 <= elites <= samples,"
                + " iterations >= 1");
      }
    }

    /** 10 steps (0.2 s at 50 Hz), 64 samples, 8 elites, 2 iterations. */
    public static Settings standard() {
      return new Settings(10, 64, 8, 2, 0.01, 1);
    }
  }

  private final DifferentiableModel model;
  private final ModelTape tape;
  private final Settings s;
  private final int obsSize;
  private final int actSize;
  private final int in;
  private final double[] low;
  private final double[] high;
  private final double[] maxChange;
  private final int[] tracked;
  private final int[] targets;
  private final double[] obsStd;
  private final double[] obsMean;
  private final boolean[] held;
  private final SplittableRandom random;

  private volatile double[] pending;
  private double[] params;

  private final double[] mean; // horizon × act
  private final double[] spread;
  private final double[] plans; // samples × horizon × act
  private final double[] states; // samples × obs
  private final double[] input; // samples × in
  private final double[] cost;
  private final int[] order;
  private final double[] previous;

  public MpcController(
      DifferentiableModel model,
      double[] parameters,
      List<String> observationNames,
      double[] observationMean,
      double[] observationStd,
      double[] actionLow,
      double[] actionHigh,
      double[] maxChangePerStep,
      Settings settings) {
    this.model = model;
    this.s = settings;
    this.obsSize = observationNames.size();
    this.actSize = actionLow.length;
    this.in = obsSize + actSize;
    if (model.inputSize() != in || model.outputSize() != obsSize) {
      throw new IllegalArgumentException(
          "dynamics model maps "
              + model.inputSize()
              + " inputs to "
              + model.outputSize()
              + " outputs; MPC needs "
              + in
              + " (observations + actions) to "
              + obsSize);
    }
    this.params = parameters.clone();
    this.low = actionLow.clone();
    this.high = actionHigh.clone();
    this.maxChange = maxChangePerStep.clone();
    this.obsStd = observationStd.clone();
    this.obsMean = observationMean.clone();
    int[][] pairs = TransitionSamples.setPoints(observationNames);
    if (pairs[0].length == 0) {
      throw new IllegalArgumentException(
          "MPC needs a set-point: no observation is named <x>_target next to an <x> in "
              + observationNames);
    }
    targets = pairs[0];
    tracked = pairs[1];
    held = new boolean[obsSize];
    for (int i : targets) {
      held[i] = true;
    }
    this.tape = model.newTape(s.samples());
    this.random = new SplittableRandom(s.seed());
    this.mean = new double[s.horizon() * actSize];
    this.spread = new double[s.horizon() * actSize];
    this.plans = new double[s.samples() * s.horizon() * actSize];
    this.states = new double[s.samples() * obsSize];
    this.input = new double[s.samples() * in];
    this.cost = new double[s.samples()];
    this.order = new int[s.samples()];
    this.previous = new double[actSize];
  }

  @Override
  public int observationSize() {
    return obsSize;
  }

  @Override
  public int actionSize() {
    return actSize;
  }

  @Override
  public void compute(double[] observation, double[] action) {
    double[] next = pending;
    if (next != null) {
      pending = null;
      params = next;
    }
    int h = s.horizon();
    for (int i = 0; i < h * actSize; i++) {
      spread[i] = 0.5 * (high[i % actSize] - low[i % actSize]);
    }
    for (int it = 0; it < s.iterations(); it++) {
      sample(it == 0);
      rollOut(observation);
      refit();
    }
    for (int j = 0; j < actSize; j++) {
      action[j] = mean[j];
      previous[j] = mean[j];
    }
    // warm start: shift the plan by one step, repeat its last action
    System.arraycopy(mean, actSize, mean, 0, (h - 1) * actSize);
  }

  /** Draws action sequences around the plan; the first sample is the plan itself. */
  private void sample(boolean first) {
    int h = s.horizon();
    for (int n = 0; n < s.samples(); n++) {
      for (int t = 0; t < h; t++) {
        for (int j = 0; j < actSize; j++) {
          double base = t == 0 ? previous[j] : plans[idx(n, t - 1, j)];
          double a = mean[t * actSize + j];
          if (n > 0) {
            a += spread[t * actSize + j] * random.nextGaussian();
          }
          a = Math.max(base - maxChange[j], Math.min(base + maxChange[j], a));
          plans[idx(n, t, j)] = Math.max(low[j], Math.min(high[j], a));
        }
      }
    }
  }

  private int idx(int n, int t, int j) {
    return (n * s.horizon() + t) * actSize + j;
  }

  private void rollOut(double[] observation) {
    int n = s.samples();
    for (int k = 0; k < n; k++) {
      System.arraycopy(observation, 0, states, k * obsSize, obsSize);
      cost[k] = 0;
    }
    for (int t = 0; t < s.horizon(); t++) {
      for (int k = 0; k < n; k++) {
        System.arraycopy(states, k * obsSize, input, k * in, obsSize);
        for (int j = 0; j < actSize; j++) {
          input[k * in + obsSize + j] = plans[idx(k, t, j)];
        }
      }
      double[] delta = model.forward(params, input, n, tape);
      for (int k = 0; k < n; k++) {
        int o = k * obsSize;
        for (int i = 0; i < obsSize; i++) {
          if (!held[i]) {
            states[o + i] += delta[o + i];
          }
        }
        cost[k] += stepCost(k, t);
      }
    }
  }

  /** Tracking error of the predicted state, in units of each set-point's std, plus effort. */
  private double stepCost(int k, int t) {
    int o = k * obsSize;
    double c = 0;
    for (int p = 0; p < tracked.length; p++) {
      int xi = tracked[p];
      int ti = targets[p];
      double x = states[o + xi] * obsStd[xi] + obsMean[xi];
      double target = states[o + ti] * obsStd[ti] + obsMean[ti];
      double e = (x - target) / obsStd[ti];
      c += e * e;
    }
    for (int j = 0; j < actSize; j++) {
      double a = plans[idx(k, t, j)];
      c += s.actionCost() * a * a;
    }
    return c;
  }

  private void refit() {
    int n = s.samples();
    for (int k = 0; k < n; k++) {
      order[k] = k;
    }
    // partial insertion sort: the cheapest `elites` first
    for (int i = 1; i < n; i++) {
      int v = order[i];
      int j = i;
      while (j > 0 && cost[order[j - 1]] > cost[v]) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = v;
    }
    int e = s.elites();
    int h = s.horizon();
    for (int t = 0; t < h; t++) {
      for (int j = 0; j < actSize; j++) {
        double m = 0;
        for (int r = 0; r < e; r++) {
          m += plans[idx(order[r], t, j)];
        }
        m /= e;
        double v = 0;
        for (int r = 0; r < e; r++) {
          double d = plans[idx(order[r], t, j)] - m;
          v += d * d;
        }
        mean[t * actSize + j] = m;
        spread[t * actSize + j] = Math.max(0.02 * (high[j] - low[j]), Math.sqrt(v / e));
      }
    }
  }

  @Override
  public void reset() {
    java.util.Arrays.fill(mean, 0);
    java.util.Arrays.fill(previous, 0); // the safety layer starts from rest too
  }

  @Override
  public void publish(double[] parameters) {
    if (parameters.length != params.length) {
      throw new IllegalArgumentException(
          "dynamics parameters: expected " + params.length + " values, got " + parameters.length);
    }
    pending = parameters;
  }

  @Override
  public double[] parameters() {
    return params;
  }

  @Override
  public void close() {}
}
