package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.ExploringController;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.junit.jupiter.api.Test;

/**
 * The shipped MAML-RL bundle through the whole runtime on the simulated robot, in lockstep: a round
 * of policy-gradient adaptation after the left motor weakens (explored rollouts, the step off the
 * loop, paired evaluation, a decision); an e-stop in the middle of the collection latches at once,
 * nothing explores while it holds, and the round completes after the reset; the loop thread
 * allocates nothing per step while the engine records rollouts.
 */
class PolicyGradientSilTest {

  static final Path BUNDLE = Path.of("../bundles/diffdrive-maml-rl");

  record Run(RobotRuntime rt, List<AdaptationEvent> events, List<String> faults) {}

  static Run start() throws Exception {
    RobotHardware hw = HardwareDescription.load(Path.of("../src/examples/diffbot-hardware.yaml"));
    RuntimeConfig.Settings s = RuntimeConfig.Settings.defaults().withControlRate(50);
    List<AdaptationEvent> events = new CopyOnWriteArrayList<>();
    List<String> faults = new CopyOnWriteArrayList<>();
    RuntimeEvents sink =
        new RuntimeEvents() {
          @Override
          public void adaptation(AdaptationEvent e) {
            events.add(e);
          }

          @Override
          public void fault(String kind, String message) {
            faults.add(kind + ": " + message);
          }
        };
    RobotRuntime rt =
        RobotRuntime.start(
            new RuntimeConfig(hw, BUNDLE, s, RuntimeConfig.Telemetry.none()),
            true,
            false,
            3,
            sink,
            true);
    return new Run(rt, events, faults);
  }

  /** A velocity command that changes every 2 s. */
  static void command(ControlLoop loop, long step) {
    if (step % 100 == 0) {
      int k = (int) (step / 100) % 4;
      loop.targets().hold(new double[] {0.2, 0.35, 0.1, 0.3}[k], new double[] {0.5, -0.4, 0, 1}[k]);
    }
  }

  static boolean decided(List<AdaptationEvent> events) {
    return events.stream()
        .anyMatch(e -> e.kind().equals("accepted") || e.kind().equals("rejected"));
  }

  @Test
  void aRoundAfterTheMotorWeakensExploresStepsEvaluatesAndDecides() throws Exception {
    Run r = start();
    try (RobotRuntime rt = r.rt()) {
      ControlLoop loop = rt.loop();
      PolicyGradientFeed feed = (PolicyGradientFeed) rt.adaptation();
      ExploringController controller = (ExploringController) loop.controller();
      loop.requestActivate();
      for (long i = 0; i < 600; i++) { // 12 s
        command(loop, i);
        loop.run(1);
      }
      rt.simulation().set("left_torque_factor", 0.5);
      feed.control().trigger();
      long explored = 0;
      long i = 600;
      for (; i < 600 + 50 * 60 && !decided(r.events()); i++) {
        command(loop, i);
        loop.run(1);
        if (controller.lastExplored()) {
          explored++;
        }
      }
      assertThat(r.events().stream().map(AdaptationEvent::kind).toList())
          .as(r.events().toString())
          .containsSubsequence("collecting")
          .containsAnyOf("accepted", "rejected");
      var s = feed.engine().settings();
      // N explored rollouts of T steps, plus the steps of rollouts cut by a plan change
      assertThat(explored)
          .isBetween((long) s.rollouts() * s.rolloutSteps(), 12L * s.rolloutSteps());
      // decided within collection + evaluation + slack for the plan hand-overs (s)
      assertThat((i - 600) / 50.0)
          .isLessThan((s.rollouts() + 2.0 * s.pairs()) * s.rolloutSteps() / 50.0 + 2);
      loop.run(1);
      loop.run(1);
      assertThat(controller.lastExplored()).isFalse();
      assertThat(loop.controller().parameters()).containsExactly(feed.engine().inUse());
      assertThat(loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(r.faults()).isEmpty();
      System.out.println("policy-gradient round on the SIL robot: " + r.events());
    }
  }

  @Test
  void anEStopMidCollectionLatchesAtOnceExploresNothingAndTheRoundCompletesAfterTheReset()
      throws Exception {
    Run r = start();
    try (RobotRuntime rt = r.rt()) {
      ControlLoop loop = rt.loop();
      PolicyGradientFeed feed = (PolicyGradientFeed) rt.adaptation();
      ExploringController controller = (ExploringController) loop.controller();
      loop.requestActivate();
      for (long i = 0; i < 100; i++) {
        command(loop, i);
        loop.run(1);
      }
      feed.control().trigger();
      long i = 100;
      for (; i < 300; i++) {
        command(loop, i);
        loop.run(1);
      }
      assertThat(controller.lastExplored()).isTrue();
      loop.requestEStop("test: operator e-stop mid-collection");
      loop.run(1);
      assertThat(rt.eStopLatched()).as("latched in the next step").isTrue();
      assertThat(loop.lifecycle().state()).isNotEqualTo(LifecycleState.ACTIVE);
      for (int k = 0; k < 100; k++) {
        loop.run(1);
        assertThat(loop.controllerRan()).isFalse();
        assertThat(rt.simulation().truth("motor_duty_left")).isZero();
        assertThat(rt.simulation().truth("motor_duty_right")).isZero();
      }
      assertThat(feed.engine().adapting()).as("the round waits").isTrue();
      loop.requestResetEStop();
      loop.run(1);
      loop.requestActivate();
      for (i = 400; i < 400 + 50 * 60 && !decided(r.events()); i++) {
        command(loop, i);
        loop.run(1);
      }
      assertThat(decided(r.events())).as(r.events().toString()).isTrue();
      assertThat(loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
    }
  }

  @Test
  void theLoopThreadAllocatesNothingPerStepWhileRolloutsAreRecorded() throws Exception {
    Run r = start();
    try (RobotRuntime rt = r.rt()) {
      ControlLoop loop = rt.loop();
      loop.requestActivate();
      loop.targets().hold(0.3, 0.2);
      for (int i = 0; i < 2000; i++) {
        loop.run(1); // warm-up
      }
      rt.adaptation().control().trigger();
      var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().threadId();
      long[] chunks = new long[30];
      for (int c = 0; c < chunks.length; c++) {
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100; i++) {
          loop.run(1);
        }
        chunks[c] = mx.getThreadAllocatedBytes(tid) - before;
      }
      long[] sorted = chunks.clone();
      java.util.Arrays.sort(sorted);
      System.out.println("bytes per 100 steps: " + java.util.Arrays.toString(chunks));
      // in lockstep the engine's pass runs on the loop thread; a plan change (a handful per
      // round) allocates its plan, nothing else does
      assertThat(sorted[sorted.length / 2]).isZero();
      assertThat(java.util.Arrays.stream(chunks).filter(b -> b > 0).count())
          .isLessThanOrEqualTo(chunks.length / 3);
    }
  }

  @Test
  void theShippedBundlesWindowsAreRolloutsAndBadWindowsAreNamed() throws Exception {
    var m = org.adaptrobot.models.bundle.Bundle.load(BUNDLE).manifest();
    var s = PolicyGradientFeed.settings(m);
    assertThat(s.rolloutSteps()).isEqualTo(50);
    assertThat(s.rollouts()).isEqualTo(10);
    var a = m.adaptation();
    var bad =
        new org.adaptrobot.models.bundle.Manifest.AdaptationSpec(
            a.mode(),
            a.graph(),
            a.adaptableTensors(),
            a.innerLearningRates(),
            a.innerSteps(),
            a.supportWindow() + 7,
            a.queryWindow(),
            a.loss());
    var broken =
        new org.adaptrobot.models.bundle.Manifest(
            m.formatVersion(),
            m.name(),
            m.description(),
            m.observation(),
            m.action(),
            m.controlRateHz(),
            m.graphs(),
            bad,
            m.provenance(),
            m.files(),
            m.wheelSpeedLoop(),
            m.reward());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PolicyGradientFeed.settings(broken))
        .hasMessageContaining("support_window 507, query_window 50");
  }
}
