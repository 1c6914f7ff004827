package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.rl.PolicyGradientStep;
import org.adaptrobot.runtime.control.ExploringController;
import org.adaptrobot.runtime.control.PolicyController;
import org.junit.jupiter.api.Test;

/**
 * The policy-gradient engine against a small known problem, driven step by step as the loop drives
 * it: the reward is −(a − c)² per action component with a target c the meta-trained policy misses,
 * so one policy-gradient step must help. The engine's step equals {@link PolicyGradientStep} on the
 * rollouts recorded; broken rollouts (steps the controller did not run) are dropped; a step that
 * does not help is rejected; a non-finite step is rolled back; reset and disable act.
 */
class PolicyGradientEngineTest {

  static final int O = 3;
  static final int T = 10;
  static final int N = 4;
  static final double ALPHA = 0.5;

  /** The policy graph's controller: the Gaussian policy's mean. */
  static final class MeanController implements PolicyController {
    final GaussianPolicy policy;
    final Mlp.Workspace ws;
    volatile double[] published;
    double[] params;

    MeanController(GaussianPolicy policy, double[] params) {
      this.policy = policy;
      this.params = params;
      this.ws = policy.meanNetwork().newWorkspace();
    }

    @Override
    public int observationSize() {
      return O;
    }

    @Override
    public int actionSize() {
      return 2;
    }

    @Override
    public void compute(double[] observation, double[] action) {
      double[] p = published;
      if (p != null) {
        params = p;
        published = null;
      }
      policy.mean(params, observation, action, ws);
    }

    @Override
    public void reset() {}

    @Override
    public void publish(double[] parameters) {
      published = parameters;
    }

    @Override
    public double[] parameters() {
      return params;
    }

    @Override
    public void close() {}
  }

  /** A fake loop: observation from a stream, the controller's action, the reward, recorded. */
  static final class Drive {
    final GaussianPolicy policy =
        new GaussianPolicy(new Mlp(new int[] {O, 2}, new Activation[] {Activation.IDENTITY}), -1.0);
    final double[] theta0 = new double[policy.layout().size()];
    final RolloutRing ring = new RolloutRing(256, O, 2);
    final MeanController inner;
    final ExploringController controller;
    final List<AdaptationEvent> events = new ArrayList<>();
    final PolicyGradientEngine engine;
    final SplittableRandom obsStream = new SplittableRandom(3);
    final double[] obs = new double[O];
    final double[] act = new double[2];
    double lastReward;
    // what was written, for recomputing the step
    final List<double[]> writtenObs = new ArrayList<>();
    final List<double[]> writtenAct = new ArrayList<>();
    final List<Double> writtenReward = new ArrayList<>();
    final List<Integer> writtenFlags = new ArrayList<>();
    final List<Long> writtenVersion = new ArrayList<>();

    Drive(ChangeDetectorSettingsHolder d) {
      policy.initialise(theta0, new SplittableRandom(9));
      inner = new MeanController(policy, theta0.clone());
      controller = new ExploringController(inner, O * 2 + 2, 11);
      double[] alpha = new double[theta0.length];
      Arrays.fill(alpha, ALPHA);
      engine =
          new PolicyGradientEngine(
              ring,
              policy,
              theta0,
              alpha,
              new PolicyGradientEngine.Settings(
                  T, N, 3, 1.0, 10.0, PolicyGradientEngine.Trigger.ON_CHANGE),
              controller,
              d.settings,
              events::add);
    }

    /** One loop step; the controller runs unless {@code off}; the engine polls every 5 steps. */
    void step(boolean off, ToDoubleBiFunction<double[], double[]> reward) {
      for (int j = 0; j < O; j++) {
        obs[j] = 0.2 * (obsStream.nextDouble() * 2 - 1);
      }
      int flags = 0;
      if (!off) {
        controller.compute(obs, act);
        flags = RolloutRing.VALID | (controller.lastExplored() ? RolloutRing.EXPLORED : 0);
      }
      // the reward of the previous step's action, as the pipeline reports it at this step
      ring.write(obs, act, lastReward, controller.lastVersion(), flags);
      writtenObs.add(obs.clone());
      writtenAct.add(act.clone());
      writtenReward.add(lastReward);
      writtenFlags.add(flags);
      writtenVersion.add(controller.lastVersion());
      if (!off) {
        lastReward = reward.applyAsDouble(obs, act);
      }
      if (ring.written() % 5 == 0) {
        engine.poll();
      }
    }

    List<String> kinds() {
      return events.stream().map(AdaptationEvent::kind).toList();
    }
  }

  record ChangeDetectorSettingsHolder(ChangeDetector.Settings settings) {
    static ChangeDetectorSettingsHolder standard() {
      return new ChangeDetectorSettingsHolder(ErrorLevelDetector.standard());
    }
  }

  static double target(double[] o, int j) {
    return j == 0 ? 0.9 : -0.6;
  }

  static final ToDoubleBiFunction<double[], double[]> TRACK =
      (o, a) -> {
        double e0 = a[0] - target(o, 0);
        double e1 = a[1] - target(o, 1);
        return -(e0 * e0 + e1 * e1);
      };

  @Test
  void aTriggeredRoundTakesTheTrainersStepOnTheRecordedRolloutsAndAcceptsAnImprovement() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    for (int i = 0; i < 20; i++) {
      d.step(false, TRACK);
    }
    d.engine.trigger();
    int guard = 0;
    while (!d.kinds().contains("accepted") && !d.kinds().contains("rejected") && guard++ < 2000) {
      d.step(false, TRACK);
    }
    assertThat(d.kinds()).as(d.events.toString()).containsSubsequence("collecting", "accepted");
    // recompute the step from what was recorded: the first N complete explored rollouts
    double[] expected = expectedStep(d);
    assertThat(d.engine.inUse()).containsExactly(expected);
    AdaptationEvent acc =
        d.events.stream().filter(e -> e.kind().equals("accepted")).findFirst().orElseThrow();
    assertThat(acc.lossAfter()).isLessThan(acc.lossBefore());
    // afterwards the controller runs the accepted parameters without noise
    d.step(false, TRACK);
    d.step(false, TRACK);
    assertThat(d.controller.lastExplored()).isFalse();
    assertThat(d.controller.parameters()).containsExactly(expected);
    assertThat(d.engine.adapting()).isFalse();
  }

  /** The step from the first N runs of T explored steps under one version, with the next reward. */
  static double[] expectedStep(Drive d) {
    double[] obs = new double[T * N * O];
    double[] act = new double[T * N * 2];
    double[] rew = new double[T * N];
    int got = 0;
    int k = 0;
    long version = -1;
    while (got < N) {
      int start = -1;
      for (int i = k; i < d.writtenFlags.size(); i++) {
        boolean ok = d.writtenFlags.get(i) == (RolloutRing.VALID | RolloutRing.EXPLORED);
        if (ok && version < 0) {
          version = d.writtenVersion.get(i);
        }
        if (ok && d.writtenVersion.get(i) == version) {
          if (start < 0) {
            start = i;
          }
          if (i - start + 1 == T && (d.writtenFlags.get(i + 1) & RolloutRing.VALID) != 0) {
            break;
          }
        } else {
          start = -1;
        }
      }
      for (int t = 0; t < T; t++) {
        System.arraycopy(d.writtenObs.get(start + t), 0, obs, (t * N + got) * O, O);
        System.arraycopy(d.writtenAct.get(start + t), 0, act, (t * N + got) * 2, 2);
        rew[t * N + got] = d.writtenReward.get(start + t + 1);
      }
      got++;
      k = start + T;
    }
    PolicyGradientStep step = new PolicyGradientStep(d.policy, T, N);
    double[] alpha = new double[d.theta0.length];
    Arrays.fill(alpha, ALPHA);
    double[] next = new double[d.theta0.length];
    step.step(d.theta0, obs, act, rew, alpha, new double[d.theta0.length], next);
    return next;
  }

  @Test
  void rolloutsBrokenByStepsTheControllerDidNotRunAreDropped() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    for (int i = 0; i < 20; i++) {
      d.step(false, TRACK);
    }
    d.engine.trigger();
    int step = 0;
    while (!d.kinds().contains("accepted") && !d.kinds().contains("rejected") && step < 3000) {
      // an e-stop-like gap of 3 steps every 17 steps: many rollouts break
      d.step(step % 17 >= 14, TRACK);
      step++;
    }
    assertThat(d.kinds()).containsSubsequence("collecting", "accepted");
    assertThat(d.engine.inUse()).containsExactly(expectedStep(d));
    // no step in a gap explored
    for (int i = 0; i < d.writtenFlags.size(); i++) {
      if ((d.writtenFlags.get(i) & RolloutRing.VALID) == 0) {
        assertThat(d.writtenFlags.get(i) & RolloutRing.EXPLORED).isZero();
      }
    }
  }

  @Test
  void aStepThatDoesNotHelpIsRejectedAndTheParametersInUseStay() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    // the meta-trained mean is exactly right: any step moves away from it
    ToDoubleBiFunction<double[], double[]> own =
        (o, a) -> {
          double[] mu = new double[2];
          d.policy.mean(d.theta0, o, mu, d.policy.meanNetwork().newWorkspace());
          return -((a[0] - mu[0]) * (a[0] - mu[0]) + (a[1] - mu[1]) * (a[1] - mu[1]));
        };
    for (int i = 0; i < 20; i++) {
      d.step(false, own);
    }
    d.engine.trigger();
    int guard = 0;
    while (!d.kinds().contains("accepted") && !d.kinds().contains("rejected") && guard++ < 2000) {
      d.step(false, own);
    }
    assertThat(d.kinds()).contains("rejected").doesNotContain("accepted");
    assertThat(d.engine.inUse()).containsExactly(d.theta0);
    d.step(false, own);
    d.step(false, own);
    assertThat(d.controller.parameters()).containsExactly(d.theta0);
    assertThat(d.controller.lastExplored()).isFalse();
  }

  @Test
  void aNonFiniteRewardRollsTheStepBack() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    int[] n = {0};
    ToDoubleBiFunction<double[], double[]> broken =
        (o, a) -> n[0]++ == 35 ? Double.NaN : TRACK.applyAsDouble(o, a);
    for (int i = 0; i < 20; i++) {
      d.step(false, TRACK);
    }
    d.engine.trigger();
    int guard = 0;
    while (!d.kinds().contains("rolled_back") && guard++ < 2000) {
      d.step(false, broken);
    }
    assertThat(d.kinds()).containsSubsequence("collecting", "rolled_back");
    assertThat(d.events.get(d.events.size() - 1).reason()).contains("not finite");
    assertThat(d.engine.inUse()).containsExactly(d.theta0);
    d.step(false, TRACK);
    d.step(false, TRACK);
    assertThat(d.controller.lastExplored()).isFalse();
    assertThat(d.controller.parameters()).containsExactly(d.theta0);
  }

  @Test
  void disablingMidRoundStopsExploringAndResetReturnsToTheMetaTrainedParameters() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    d.step(false, TRACK);
    d.engine.trigger();
    for (int i = 0; i < 30; i++) {
      d.step(false, TRACK);
    }
    assertThat(d.controller.lastExplored()).isTrue();
    d.engine.enabled(false);
    for (int i = 0; i < 10; i++) {
      d.step(false, TRACK);
    }
    assertThat(d.controller.lastExplored()).isFalse();
    assertThat(d.engine.adapting()).isFalse();
    // a trigger while disabled starts nothing
    d.engine.trigger();
    for (int i = 0; i < 200; i++) {
      d.step(false, TRACK);
    }
    assertThat(d.engine.adapting()).isFalse();
    d.engine.enabled(true);
    d.engine.trigger();
    int guard = 0;
    while (!d.kinds().contains("accepted") && guard++ < 2000) {
      d.step(false, TRACK);
    }
    assertThat(d.engine.inUse()).isNotEqualTo(d.theta0);
    d.engine.reset();
    for (int i = 0; i < 10; i++) {
      d.step(false, TRACK);
    }
    assertThat(d.kinds()).contains("reset");
    assertThat(d.engine.inUse()).containsExactly(d.theta0);
    assertThat(d.controller.parameters()).containsExactly(d.theta0);
  }

  @Test
  void aGrowingTrackingErrorStartsARound() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    for (int i = 0; i < 1000; i++) {
      d.step(false, TRACK);
    }
    assertThat(d.kinds()).doesNotContain("change_detected");
    // the robot changes: the target moves by 1.5, errors grow
    ToDoubleBiFunction<double[], double[]> changed =
        (o, a) -> {
          double e0 = a[0] - target(o, 0) - 1.5;
          double e1 = a[1] - target(o, 1);
          return -(e0 * e0 + e1 * e1);
        };
    int at = d.writtenFlags.size();
    int guard = 0;
    while (!d.kinds().contains("collecting") && guard++ < 500) {
      d.step(false, changed);
    }
    assertThat(d.kinds()).containsSubsequence("change_detected", "collecting");
    assertThat(d.writtenFlags.size() - at).as("steps to detect").isLessThan(200);
  }

  @Test
  void aFailedPassEndsTheRoundOnTheMetaTrainedParametersAndThreeInARowDisable() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    d.step(false, TRACK);
    d.engine.trigger();
    for (int i = 0; i < 30; i++) {
      d.step(false, TRACK);
    }
    assertThat(d.controller.lastExplored()).isTrue();
    // the agent's pass threw (the supervisor calls fallBack): the round ends at once
    d.engine.fallBack(new IllegalStateException("injected"), false);
    d.step(false, TRACK);
    assertThat(d.controller.lastExplored()).isFalse();
    assertThat(d.controller.parameters()).containsExactly(d.theta0);
    assertThat(d.engine.adapting()).isFalse();
    assertThat(d.events.get(d.events.size() - 1).reason()).contains("injected");
    assertThat(d.engine.isEnabled()).isTrue();
    d.engine.fallBack(new IllegalStateException("again"), false);
    d.engine.fallBack(new IllegalStateException("and again"), false);
    assertThat(d.engine.isEnabled()).isFalse();
    assertThat(d.kinds()).endsWith("disabled");
    d.engine.trigger();
    for (int i = 0; i < 100; i++) {
      d.step(false, TRACK);
    }
    assertThat(d.engine.adapting()).isFalse();
    assertThat(d.controller.lastExplored()).isFalse();
  }

  @Test
  void aReaderThatFellMoreThanARingBehindLosesThoseStepsAndNotTheRound() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    d.step(false, TRACK);
    d.engine.trigger();
    d.engine.poll();
    // 1,000 steps without a pass: the ring (256) was lapped
    for (int i = 0; i < 1000; i++) {
      d.controller.compute(d.obs, d.act);
      d.ring.write(
          d.obs, d.act, -0.1, d.controller.lastVersion(), RolloutRing.VALID | RolloutRing.EXPLORED);
    }
    d.engine.poll();
    int guard = 0;
    while (!d.kinds().contains("accepted") && !d.kinds().contains("rejected") && guard++ < 3000) {
      d.step(false, TRACK);
    }
    assertThat(d.kinds()).containsAnyOf("accepted", "rejected");
  }

  @Test
  void aTriggerDuringARoundIsAnsweredByItAndStartsNoSecondRound() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    d.step(false, TRACK);
    d.engine.trigger();
    for (int i = 0; i < 30; i++) {
      d.step(false, TRACK);
    }
    d.engine.trigger(); // while collecting
    int guard = 0;
    while (!d.kinds().contains("accepted") && !d.kinds().contains("rejected") && guard++ < 2000) {
      d.step(false, TRACK);
    }
    for (int i = 0; i < 200; i++) {
      d.step(false, TRACK);
    }
    assertThat(d.kinds().stream().filter(k -> k.equals("collecting")).count()).isEqualTo(1);
    assertThat(d.engine.adapting()).isFalse();
  }

  @Test
  void whileDisabledAChangeIsReportedButNoRoundStartsAndTheDetectorReArms() {
    Drive d = new Drive(ChangeDetectorSettingsHolder.standard());
    d.engine.enabled(false);
    for (int i = 0; i < 1000; i++) {
      d.step(false, TRACK);
    }
    ToDoubleBiFunction<double[], double[]> changed =
        (o, a) -> {
          double e0 = a[0] - target(o, 0) - 1.5;
          double e1 = a[1] - target(o, 1);
          return -(e0 * e0 + e1 * e1);
        };
    for (int i = 0; i < 400; i++) {
      d.step(false, changed);
    }
    assertThat(d.kinds()).contains("change_detected").doesNotContain("collecting");
    assertThat(d.controller.lastExplored()).isFalse();
    // re-armed: calibrated on the changed robot, it reports the next change
    ToDoubleBiFunction<double[], double[]> worse =
        (o, a) -> {
          double e0 = a[0] - target(o, 0) - 5;
          double e1 = a[1] - target(o, 1);
          return -(e0 * e0 + e1 * e1);
        };
    for (int i = 0; i < 600; i++) {
      d.step(false, changed);
    }
    long before = d.kinds().stream().filter(k -> k.equals("change_detected")).count();
    for (int i = 0; i < 400; i++) {
      d.step(false, worse);
    }
    assertThat(d.kinds().stream().filter(k -> k.equals("change_detected")).count())
        .isGreaterThan(before);
    assertThat(d.kinds()).doesNotContain("collecting");
  }
}
