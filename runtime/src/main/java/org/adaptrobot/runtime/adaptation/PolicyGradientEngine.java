package org.adaptrobot.runtime.adaptation;

import java.util.Locale;
import java.util.function.Consumer;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.rl.PolicyGradientStep;
import org.adaptrobot.runtime.agents.FallbackAgent;
import org.adaptrobot.runtime.control.ExploringController;
import org.adaptrobot.runtime.telemetry.AdaptationControl;

/**
 * MAML-RL's adaptation on the robot, from its own reward: a policy-gradient step off the control
 * thread, accepted only when fresh driving shows it is better.
 *
 * <ol>
 *   <li><b>Watch</b>: an {@link ErrorLevelDetector} on the tracking error √(−r) of every step (r
 *       the bundle's reward) raises an alarm when it grows; an alarm, the {@code adaptation
 *       trigger} command, or (trigger {@code CONTINUOUS}) the end of the last adaptation starts a
 *       round.
 *   <li><b>Collect</b>: the controller runs the meta-trained parameters θ₀ with exploration noise
 *       (the policy's own σ) until N rollouts of T consecutive counted steps are recorded (steps
 *       the controller did not run — inactive, e-stopped, sensor fault — break a rollout, which is
 *       then dropped).
 *   <li><b>Step</b>: θ' = θ₀ + α ĝ by {@link PolicyGradientStep}, the inner step the policy was
 *       meta-trained through; its size is bounded by {@code maxUpdateNorm}; a non-finite step is
 *       dropped (the parameters in use stay).
 *   <li><b>Evaluate</b>: rollouts of T steps without noise alternate θ' and the parameters in use,
 *       {@code pairs} of each, so both meet the same commands and the same robot; θ' is accepted
 *       when the mean paired return difference is positive and larger than {@code margin} standard
 *       errors, otherwise the parameters in use stay.
 * </ol>
 *
 * Every decision is an {@link AdaptationEvent} (losses are negative mean returns per rollout).
 * Reset returns to θ₀; disabling aborts a round and runs the parameters in use without noise.
 */
public final class PolicyGradientEngine implements AdaptationControl, FallbackAgent {

  /** Failed passes in a row after which adaptation is disabled. */
  public static final int FAILURES_TO_DISABLE = 3;

  /** When to adapt. */
  public enum Trigger {
    ON_CHANGE,
    CONTINUOUS
  }

  /** Settings: rollout length T, rollouts per step N, evaluation pairs, acceptance margin. */
  public record Settings(
      int rolloutSteps,
      int rollouts,
      int pairs,
      double margin,
      double maxUpdateNorm,
      Trigger trigger) {
    public Settings {
      if (rolloutSteps < 2 || rollouts < 2 || pairs < 1) {
        throw new IllegalArgumentException(
            "policy-gradient adaptation: need rollouts of >= 2 steps, >= 2 rollouts per step and"
                + " >= 1 evaluation pair, got "
                + rolloutSteps
                + ", "
                + rollouts
                + ", "
                + pairs);
      }
      if (!(margin >= 0) || !(maxUpdateNorm > 0)) {
        throw new IllegalArgumentException(
            "policy-gradient adaptation: need margin >= 0 and max update norm > 0");
      }
    }
  }

  private enum Phase {
    WATCH,
    COLLECT,
    EVALUATE
  }

  private final RolloutRing ring;
  private final GaussianPolicy policy;
  private final double[] metaTrained;
  private final double[] alpha;
  private final Settings s;
  private final ExploringController controller;
  private final ErrorLevelDetector detector;
  private final Consumer<AdaptationEvent> events;
  private final PolicyGradientStep step;
  private final int t;
  private final int n;

  private final double[] obs;
  private final double[] act;
  private final double[] rew;
  private final double[] grad;
  private final double[] candidate;
  private final double[] entryReward = new double[1];
  private final long[] entryVersion = new long[1];
  private final int[] entryFlag = new int[1];
  private final double[] evalReturns;

  private volatile double[] inUse;
  private double[] proposal;
  private long nextVersion = 2;
  private volatile Phase phase = Phase.WATCH;
  private long cursor;
  private long segmentStart;
  private int collected;
  private long planVersion;
  private boolean planExplores;
  private int evaluated;
  private double stepNorm;
  private long roundStarted;
  private double collectReturn;
  private boolean previousValid;
  private volatile boolean enabled = true;
  private volatile boolean triggerRequested;
  private volatile boolean resetRequested;
  private volatile boolean disableRequested;
  private int failuresInARow;
  private long rounds;
  private long accepted;

  public PolicyGradientEngine(
      RolloutRing ring,
      GaussianPolicy policy,
      double[] metaTrained,
      double[] alpha,
      Settings settings,
      ExploringController controller,
      ChangeDetector.Settings detector,
      Consumer<AdaptationEvent> events) {
    if (metaTrained.length != policy.layout().size() || alpha.length != metaTrained.length) {
      throw new IllegalArgumentException(
          "policy-gradient adaptation: the policy has "
              + policy.layout().size()
              + " parameters, given "
              + metaTrained.length
              + " values and "
              + alpha.length
              + " inner rates");
    }
    if (ring.observationSize() != policy.inputSize() || ring.actionSize() != policy.actionSize()) {
      throw new IllegalArgumentException(
          "policy-gradient adaptation: the ring holds "
              + ring.observationSize()
              + " observation and "
              + ring.actionSize()
              + " action values, the policy takes "
              + policy.inputSize()
              + " and gives "
              + policy.actionSize());
    }
    if (settings.rolloutSteps() + 1 > ring.capacity() / 2) {
      throw new IllegalArgumentException(
          "a rollout of "
              + settings.rolloutSteps()
              + " steps needs a ring of more than "
              + 2 * (settings.rolloutSteps() + 1)
              + " entries, it has "
              + ring.capacity());
    }
    this.ring = ring;
    this.policy = policy;
    this.metaTrained = metaTrained.clone();
    this.alpha = alpha.clone();
    this.s = settings;
    this.controller = controller;
    this.detector = new ErrorLevelDetector(detector);
    this.events = events;
    this.t = settings.rolloutSteps();
    this.n = settings.rollouts();
    this.step = new PolicyGradientStep(policy, t, n);
    obs = new double[t * n * policy.inputSize()];
    act = new double[t * n * policy.actionSize()];
    rew = new double[t * n];
    grad = new double[metaTrained.length];
    candidate = new double[metaTrained.length];
    evalReturns = new double[2 * settings.pairs()];
    inUse = this.metaTrained.clone();
  }

  @Override
  public String roleName() {
    return "adaptation";
  }

  @Override
  public int doWork() {
    int work = poll();
    failuresInARow = 0;
    return work;
  }

  @Override
  public void fallBack(Throwable failure, boolean fatal) {
    failuresInARow++;
    inUse = metaTrained.clone();
    endRound();
    emit("rolled_back", Double.NaN, Double.NaN, 0, "adaptation pass failed (" + failure + ")");
    if (fatal || failuresInARow >= FAILURES_TO_DISABLE) {
      enabled = false;
      emit(
          "disabled",
          Double.NaN,
          Double.NaN,
          Double.NaN,
          fatal
              ? "the adaptation thread stopped: the meta-trained parameters stay"
              : failuresInARow + " failed passes in a row: the meta-trained parameters stay");
    }
  }

  /**
   * One pass (the adaptation thread calls it; lockstep runs call it on the loop thread): reads the
   * steps recorded since the last pass and moves the round on. Returns the entries read.
   */
  public int poll() {
    if (resetRequested) {
      resetRequested = false;
      inUse = metaTrained.clone();
      endRound();
      detector.reset();
      emit("reset", Double.NaN, Double.NaN, 0, "requested: meta-trained parameters");
    }
    if (disableRequested) {
      disableRequested = false;
      if (phase != Phase.WATCH) {
        endRound();
        emit("rejected", Double.NaN, Double.NaN, Double.NaN, "adaptation disabled mid-round");
      }
    }
    long end = ring.written();
    if (cursor < end - ring.capacity() / 2) {
      // fell behind by more than half a ring: what was in between is gone
      cursor = end - ring.capacity() / 2;
      segmentStart = cursor;
      previousValid = false;
    }
    int read = 0;
    while (cursor < end) {
      if (!ring.copy(cursor, 1, null, null, entryReward, entryVersion, entryFlag, 0, 1)) {
        cursor = ring.written() - ring.capacity() / 2;
        segmentStart = cursor;
        previousValid = false;
        break;
      }
      entry(cursor, entryReward[0], entryVersion[0], entryFlag[0]);
      cursor++;
      read++;
    }
    if (triggerRequested && phase != Phase.WATCH) {
      // a round is already under way: the request is answered by it, not queued behind it
      triggerRequested = false;
    }
    if (phase == Phase.WATCH
        && enabled
        && (triggerRequested || s.trigger() == Trigger.CONTINUOUS)) {
      startRound(triggerRequested ? "requested" : "continuous");
      triggerRequested = false;
    }
    return read;
  }

  private void entry(long index, double reward, long version, int flag) {
    boolean valid = (flag & RolloutRing.VALID) != 0;
    switch (phase) {
      case WATCH -> {
        if (valid && previousValid) {
          if (detector.add(Math.sqrt(Math.max(0, -reward)))) {
            // reported whether or not adaptation is enabled (the engine still watches)
            emit("change_detected", Double.NaN, Double.NaN, Double.NaN, "tracking error grew");
            if (enabled) {
              startRound("change detected");
            } else {
              detector.reset(); // re-arm on the changed robot: the next change is reported too
            }
          }
        }
      }
      case COLLECT, EVALUATE -> segment(index, valid, version, flag);
    }
    previousValid = valid;
  }

  /** Counts entry {@code index} towards the current rollout of the plan in force. */
  private void segment(long index, boolean valid, long version, int flag) {
    boolean explored = (flag & RolloutRing.EXPLORED) != 0;
    if (index - segmentStart == t) {
      // entries segmentStart .. +T-1 ran under the plan; this one's reward closes the rollout
      if (valid) {
        rolloutDone();
        if (phase == Phase.WATCH) {
          return;
        }
        // a new plan starts with the next pass's entries; under the same plan the rollout chains
      } else {
        segmentStart = index + 1;
        return;
      }
    }
    boolean counts = valid && version == planVersion && explored == planExplores;
    if (!counts && index >= segmentStart) {
      segmentStart = index + 1;
    }
  }

  private void rolloutDone() {
    if (phase == Phase.COLLECT) {
      // rollout i: rows t·N + i (time-major), rewards from the next entry on
      if (!ring.copy(segmentStart, t, obs, act, null, null, null, collected, n)
          || !ring.copy(segmentStart + 1, t, null, null, rew, null, null, collected, n)) {
        segmentStart = cursor + 1; // overwritten while copying: the rollout is lost
        return;
      }
      collected++;
      segmentStart += t;
      if (collected == n) {
        takeStep();
      }
    } else {
      double total = 0;
      if (!ring.copy(segmentStart + 1, t, null, null, rew, null, null, 0, 1)) {
        segmentStart = cursor + 1;
        return;
      }
      for (int i = 0; i < t; i++) {
        total += rew[i];
      }
      evalReturns[evaluated++] = total;
      if (evaluated == evalReturns.length) {
        decide();
      } else {
        nextEvaluationPlan();
      }
    }
  }

  private void startRound(String why) {
    rounds++;
    roundStarted = System.nanoTime();
    phase = Phase.COLLECT;
    collected = 0;
    plan(metaTrained, true);
    emit(
        "collecting",
        Double.NaN,
        Double.NaN,
        Double.NaN,
        why + ": " + n + " rollouts of " + t + " steps with exploration");
  }

  private void plan(double[] params, boolean explore) {
    planVersion = nextVersion++;
    planExplores = explore;
    controller.plan(new ExploringController.Plan(params, planVersion, explore));
    // steps recorded from now on may still run the old plan; they do not count
    segmentStart = ring.written();
  }

  private void takeStep() {
    collectReturn = step.step(metaTrained, obs, act, rew, alpha, grad, candidate);
    double norm = 0;
    boolean finite = true;
    for (int i = 0; i < candidate.length; i++) {
      double d = candidate[i] - metaTrained[i];
      norm += d * d;
      finite &= Double.isFinite(candidate[i]);
    }
    norm = Math.sqrt(norm);
    if (!finite || !Double.isFinite(norm)) {
      endRound();
      emit(
          "rolled_back",
          Double.NaN,
          Double.NaN,
          Double.NaN,
          "the policy-gradient step is not finite");
      return;
    }
    if (norm > s.maxUpdateNorm()) {
      double scale = s.maxUpdateNorm() / norm;
      for (int i = 0; i < candidate.length; i++) {
        candidate[i] = metaTrained[i] + scale * (candidate[i] - metaTrained[i]);
      }
      norm = s.maxUpdateNorm();
    }
    stepNorm = norm;
    proposal = candidate.clone(); // handed to the controller: never written again
    phase = Phase.EVALUATE;
    evaluated = 0;
    nextEvaluationPlan();
  }

  private void nextEvaluationPlan() {
    // even slots: the candidate; odd: the parameters in use
    plan(evaluated % 2 == 0 ? proposal : inUse, false);
  }

  private void decide() {
    int pairs = s.pairs();
    double sum = 0;
    double cand = 0;
    double cur = 0;
    for (int i = 0; i < pairs; i++) {
      cand += evalReturns[2 * i];
      cur += evalReturns[2 * i + 1];
      sum += evalReturns[2 * i] - evalReturns[2 * i + 1];
    }
    double mean = sum / pairs;
    double var = 0;
    for (int i = 0; i < pairs; i++) {
      double d = evalReturns[2 * i] - evalReturns[2 * i + 1] - mean;
      var += d * d;
    }
    double se = pairs > 1 ? Math.sqrt(var / (pairs - 1) / pairs) : 0;
    cand /= pairs;
    cur /= pairs;
    String detail =
        String.format(
            Locale.ROOT,
            "return per rollout %.4g with the step vs %.4g in use (difference %.3g ± %.2g, %d"
                + " pairs; %.4g while exploring)",
            cand,
            cur,
            mean,
            se,
            pairs,
            collectReturn);
    if (mean > 0 && mean > s.margin() * se) {
      inUse = proposal;
      accepted++;
      endRound();
      emit("accepted", -cur, -cand, stepNorm, detail);
    } else {
      endRound();
      emit("rejected", -cur, -cand, stepNorm, detail);
    }
  }

  /** Back to watching with the parameters in use, without noise. */
  private void endRound() {
    phase = Phase.WATCH;
    plan(inUse, false);
    detector.reset();
  }

  private void emit(String kind, double before, double after, double norm, String reason) {
    // a decision's latency: from the round's start (collection included) to the decision
    boolean decision =
        kind.equals("accepted") || kind.equals("rejected") || kind.equals("rolled_back");
    double ms =
        decision && roundStarted != 0 ? (System.nanoTime() - roundStarted) / 1e6 : Double.NaN;
    events.accept(new AdaptationEvent(kind, cursor, before, after, norm, ms, reason));
  }

  /** The parameters in use (a copy). */
  public double[] inUse() {
    return inUse.clone();
  }

  /** Rounds started and candidates accepted so far. */
  public long rounds() {
    return rounds;
  }

  public long acceptedCount() {
    return accepted;
  }

  /** True while a round collects or evaluates. */
  public boolean adapting() {
    return phase != Phase.WATCH;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public Settings settings() {
    return s;
  }

  @Override
  public void trigger() {
    triggerRequested = true;
  }

  @Override
  public void reset() {
    resetRequested = true;
  }

  @Override
  public void enabled(boolean on) {
    enabled = on;
    if (!on) {
      disableRequested = true;
    }
    events.accept(
        new AdaptationEvent(
            on ? "enabled" : "disabled",
            cursor,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            "requested"));
  }

  @Override
  public void onClose() {}
}
