package org.adaptrobot.runtime.control;

import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.runtime.adaptation.TransitionSamples;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.agents.FallbackAgent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingIdleStrategy;

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
 * <p>When a plan does not fit in the control period (a slow computer, many samples), {@link
 * Settings#replanEvery} R > 1 plans at a lower rate with action hold: at every R-th step the loop
 * hands the observation and the R actions it is about to apply to a planner thread, which rolls the
 * model over those actions to predict the state R steps on and plans from there; the loop follows
 * the plan in use step by step (holding its last action past the horizon) and switches to the new
 * plan at the step it was made for, or as soon as it arrives when the planner was late ({@link
 * #latePlans}). The loop never waits for the planner and takes no lock: plans change hands through
 * four pre-allocated buffers and an atomic swap. Until the first plan arrives the robot rests (the
 * planner thread warms up first). When a plan in use gets more than horizon + R steps old without a
 * new one, or the planner thread failed, {@link #compute} throws: the loop applies the safe action
 * and deactivates the robot rather than drive on a stale plan. In a lockstep simulation the planner
 * runs on the loop thread at the request, and the plan still takes effect R steps later, so a run
 * is reproducible and behaves as on the robot with a planner that keeps up.
 *
 * <p>Model contract (a bundle's dynamics graph): input {@code [normalised obs, action]}, output the
 * normalised change. New model parameters arrive through {@link #publish} from the adaptation
 * thread and are taken up at the start of the next plan. Allocation-free after construction, on
 * both threads.
 */
public final class MpcController implements PolicyController {

  /**
   * Planner settings.
   *
   * @param horizon planned steps
   * @param samples action sequences per iteration
   * @param elites cheapest sequences the next iteration is fitted to
   * @param iterations CEM iterations (1 = random shooting around the previous plan)
   * @param actionCost weight of ‖a‖² per step
   * @param seed sampling seed
   * @param replanEvery steps between plans: 1 plans every step within the period; R > 1 plans on a
   *     thread of its own (on the loop thread in lockstep) from the observation of step n, for the
   *     steps n + R onwards, while the loop follows the plan in use (holding its last action past
   *     the horizon); at most the horizon
   */
  public record Settings(
      int horizon,
      int samples,
      int elites,
      int iterations,
      double actionCost,
      long seed,
      int replanEvery) {
    public Settings {
      if (horizon < 1 || samples < 2 || elites < 1 || elites > samples || iterations < 1) {
        throw new IllegalArgumentException(
            "MPC settings: need horizon >= 1, samples >= 2, 1 <= elites <= samples,"
                + " iterations >= 1");
      }
      if (replanEvery < 1 || replanEvery > horizon) {
        throw new IllegalArgumentException(
            "MPC settings: replan_every must be between 1 and the horizon ("
                + horizon
                + "), found "
                + replanEvery);
      }
      if (!(actionCost >= 0) || Double.isInfinite(actionCost)) {
        throw new IllegalArgumentException(
            "MPC settings: action_cost must be finite and >= 0, found " + actionCost);
      }
    }

    /** Planning every step. */
    public Settings(
        int horizon, int samples, int elites, int iterations, double actionCost, long seed) {
      this(horizon, samples, elites, iterations, actionCost, seed, 1);
    }

    /** 10 steps (0.2 s at 50 Hz), 64 samples, 8 elites, 2 iterations, a plan every step. */
    public static Settings standard() {
      return new Settings(10, 64, 8, 2, 0.01, 1, 1);
    }

    /** The same settings planning every {@code steps} steps. */
    public Settings replanningEvery(int steps) {
      return new Settings(horizon, samples, elites, iterations, actionCost, seed, steps);
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
  private volatile double[] params;

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
    int r = s.replanEvery();
    this.plan = new double[4][s.horizon() * actSize];
    this.planStart = new long[4];
    this.planGeneration = new int[4];
    this.requestObs = new double[obsSize];
    this.requestActions = new double[r * actSize];
    this.plannerObs = new double[obsSize];
    this.plannerActions = new double[r * actSize];
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
    if (s.replanEvery() > 1) {
      followPlan(observation, action);
      return;
    }
    double[] next = pending;
    if (next != null) {
      params = next;
      pending = null; // (after: a publisher that sees no pending parameters sees these in use)
    }
    optimise(observation);
    for (int j = 0; j < actSize; j++) {
      action[j] = mean[j];
      previous[j] = mean[j];
    }
    shift(1);
  }

  /**
   * CEM from a state: leaves the best plan in {@code mean}; {@code previous} is the action applied
   * just before the plan's first step.
   */
  private void optimise(double[] start) {
    int h = s.horizon();
    for (int i = 0; i < h * actSize; i++) {
      spread[i] = 0.5 * (high[i % actSize] - low[i % actSize]);
    }
    for (int it = 0; it < s.iterations(); it++) {
      sample(it == 0);
      rollOut(start);
      refit();
    }
  }

  /** Warm start: moves the plan {@code steps} steps on, repeating its last action. */
  private void shift(int steps) {
    int h = s.horizon();
    int k = Math.min(steps, h - 1);
    System.arraycopy(mean, k * actSize, mean, 0, (h - k) * actSize);
    for (int t = h - k; t < h; t++) {
      System.arraycopy(mean, (h - k - 1) * actSize, mean, t * actSize, actSize);
    }
  }

  // ---- planning every R > 1 steps -------------------------------------------------------------
  //
  // Four plan buffers change hands without a lock. The planner writes `working` and swaps it into
  // `ready`, marked FRESH. The loop swaps a buffer it no longer needs out of `ready` and holds it
  // as `incoming` until its first step comes, then makes it `active`. Requests go the other way
  // through a sequence lock: the loop never waits, the planner drops a torn copy.

  private static final int FRESH = 1 << 4;
  private static final int INDEX = FRESH - 1;

  private final double[][] plan;
  private final long[] planStart;
  private final int[] planGeneration;
  private final AtomicInteger ready = new AtomicInteger(1);
  private int working = 0; // the planner's
  private int active = 2; // the loop's
  private boolean activeValid;
  private int incoming = -1; // the loop's: a plan not due yet (or -1, and then `spare` is held)
  private int spare = 3; // the loop's: a free buffer (or -1 while `incoming` is held)
  private long step;
  private int generation;
  private long plansTaken;
  private long latePlans;

  private final double[] requestObs;
  private final double[] requestActions;
  private long requestStep;
  private int requestGeneration;
  private volatile long requestSeq;
  private long handledSeq;
  private final double[] plannerObs;
  private final double[] plannerActions;
  private int plannerGeneration = -1;
  private long lastPlanStart;
  private AgentRunner plannerRunner;
  private AgentSupervisor agents;
  private volatile String plannerFailure;

  private void followPlan(double[] observation, double[] action) {
    int r = ready.get();
    if ((r & FRESH) != 0) {
      int give = incoming >= 0 ? incoming : spare;
      incoming = ready.getAndSet(give) & INDEX;
      spare = -1;
    }
    if (incoming >= 0 && planGeneration[incoming] != generation) {
      spare = incoming; // asked for before a reset
      incoming = -1;
    }
    if (incoming >= 0 && planStart[incoming] <= step) {
      if (planStart[incoming] < step) {
        latePlans++;
      }
      spare = active;
      active = incoming;
      incoming = -1;
      activeValid = true;
      plansTaken++;
    }
    actionAt(step, action, 0);
    if (step % s.replanEvery() == 0) {
      request(observation);
    }
    step++;
    String failed = plannerFailure;
    if (failed != null) {
      throw new IllegalStateException(failed);
    }
    // (before the first plan the robot rests, which is safe: a planner warming up is no fault)
    long age = activeValid ? step - planStart[active] : 0;
    if (age > s.horizon() + s.replanEvery()) {
      // two plans missed: the robot would be driven by a stale plan's last action
      throw new IllegalStateException(
          "no new MPC plan for "
              + age
              + " steps (replan_every "
              + s.replanEvery()
              + ", horizon "
              + s.horizon()
              + "): the planner cannot keep up");
    }
  }

  /** The action the loop applies at step {@code n} from the plan in use, into {@code out[at..]}. */
  private void actionAt(long n, double[] out, int at) {
    if (!activeValid) {
      java.util.Arrays.fill(out, at, at + actSize, 0.0); // the robot rests until the first plan
      return;
    }
    int t = (int) Math.min(n - planStart[active], s.horizon() - 1);
    System.arraycopy(plan[active], t * actSize, out, at, actSize);
  }

  private void request(double[] observation) {
    requestSeq++; // odd: being written
    VarHandle.storeStoreFence();
    System.arraycopy(observation, 0, requestObs, 0, obsSize);
    for (int t = 0; t < s.replanEvery(); t++) {
      actionAt(step + t, requestActions, t * actSize);
    }
    requestStep = step;
    requestGeneration = generation;
    requestSeq++; // even: complete
    AgentRunner p = plannerRunner;
    if (p == null) {
      planPending(); // lockstep: on the loop thread, for a reproducible run
    } else {
      Thread t = p.thread();
      if (t != null) {
        LockSupport.unpark(t);
      }
    }
  }

  /** Plans for the newest complete request, if there is one not planned yet. */
  private boolean planPending() {
    long seq = requestSeq;
    if (seq == handledSeq || (seq & 1) != 0) {
      return false;
    }
    System.arraycopy(requestObs, 0, plannerObs, 0, obsSize);
    System.arraycopy(requestActions, 0, plannerActions, 0, plannerActions.length);
    long n = requestStep;
    int g = requestGeneration;
    VarHandle.loadLoadFence();
    if (requestSeq != seq) {
      return false; // torn: the loop wrote a newer request meanwhile; take that one
    }
    handledSeq = seq;
    double[] next = pending;
    if (next != null) {
      params = next;
      pending = null; // (after: a publisher that sees no pending parameters sees these in use)
    }
    int r = s.replanEvery();
    if (g != plannerGeneration) {
      java.util.Arrays.fill(mean, 0);
      plannerGeneration = g;
      lastPlanStart = n + r;
    }
    // where the robot will be when the plan starts: the model rolled over the actions in between
    System.arraycopy(plannerObs, 0, states, 0, obsSize);
    for (int t = 0; t < r; t++) {
      System.arraycopy(states, 0, input, 0, obsSize);
      System.arraycopy(plannerActions, t * actSize, input, obsSize, actSize);
      double[] delta = model.forwardInference(params, input, 1, tape);
      for (int i = 0; i < obsSize; i++) {
        if (!held[i]) {
          states[i] += delta[i];
        }
      }
    }
    System.arraycopy(states, 0, plannerObs, 0, obsSize);
    System.arraycopy(plannerActions, (r - 1) * actSize, previous, 0, actSize);
    shift((int) Math.max(0, n + r - lastPlanStart));
    optimise(plannerObs);
    lastPlanStart = n + r;
    System.arraycopy(mean, 0, plan[working], 0, mean.length);
    planStart[working] = n + r;
    planGeneration[working] = g;
    working = ready.getAndSet(working | FRESH) & INDEX;
    return true;
  }

  /**
   * Starts the planner's agent when plans are made every R > 1 steps (without it, plans are made on
   * the loop thread: the lockstep simulation). The agent polls every {@code pollMillis} and is
   * woken at once by each request. A duty cycle that throws is reported by the supervisor and the
   * planner goes on with the next request, having dropped its plan in progress; the loop's own
   * check stops the robot if no fresh plan arrives in time. If the planner's thread dies, every
   * further step is refused, so the loop stops the robot.
   */
  public void startPlanner(long pollMillis, AgentSupervisor agents) {
    if (s.replanEvery() == 1 || plannerRunner != null) {
      return;
    }
    this.agents = agents;
    plannerRunner = agents.start(new Planner(), new SleepingIdleStrategy(pollMillis * 1_000_000L));
  }

  /** The planner's duty cycle. */
  private final class Planner implements FallbackAgent {
    private int warmUps;

    @Override
    public String roleName() {
      return "mpc-planner";
    }

    @Override
    public int doWork() {
      if (warmUps < WARM_UP_PLANS && requestSeq == handledSeq) {
        // compile the planning code before the first request needs it
        warmUps++;
        java.util.Arrays.fill(plannerObs, 0);
        java.util.Arrays.fill(previous, 0);
        optimise(plannerObs);
        return 1;
      }
      warmUps = WARM_UP_PLANS;
      return planPending() ? 1 : 0;
    }

    @Override
    public void fallBack(Throwable failure, boolean fatal) {
      // the plan in progress is dropped: the next one starts from scratch
      java.util.Arrays.fill(mean, 0);
      plannerGeneration = -1;
      if (fatal) {
        plannerFailure = "the MPC planner thread stopped: " + failure;
      }
    }
  }

  /** Plans made to warm up the planner's thread before the first request. */
  private static final int WARM_UP_PLANS = 50;

  /** The planner's thread, or null when plans are made on the loop thread (or not started yet). */
  Thread plannerThread() {
    return plannerRunner == null ? null : plannerRunner.thread();
  }

  /** Plans the loop has taken up (R > 1). */
  public long plansTaken() {
    return plansTaken;
  }

  /** Plans taken up after the step they were made for (the planner needed more than R periods). */
  public long latePlans() {
    return latePlans;
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
      double[] delta = model.forwardInference(params, input, n, tape);
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
    if (s.replanEvery() > 1) {
      // the loop's side only: plans asked for before this belong to an old generation
      generation++;
      activeValid = false;
      step = 0;
      return;
    }
    java.util.Arrays.fill(mean, 0);
    java.util.Arrays.fill(previous, 0); // the safety layer starts from rest too
  }

  @Override
  public void publish(double[] parameters) {
    PolicyController.checkLength(parameters, params, "dynamics model");
    pending = parameters;
  }

  @Override
  public double[] parameters() {
    return params;
  }

  @Override
  public boolean hasPendingParameters() {
    return pending != null;
  }

  @Override
  public void close() {
    AgentRunner p = plannerRunner;
    if (p != null) {
      agents.stop(p);
    }
  }
}
