package org.adaptrobot.runtime.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.adaptation.AdaptationEvent;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.TrackingControllerBundle;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.targets.Targets;
import org.adaptrobot.runtime.telemetry.AdaptationControl;
import org.adaptrobot.runtime.telemetry.CommandHandler;
import org.adaptrobot.runtime.telemetry.CommandPath;
import org.adaptrobot.runtime.telemetry.CommandTarget;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure injected into each background agent while the robot runs at wall-clock pace: it is
 * reported (an {@code agent_error} event naming the agent), counted, its safe fallback is taken,
 * and the loop and the process go on. (The MPC planner's case is in {@code MpcControllerTest}, the
 * telemetry publisher's in {@code PublisherFailureTest}.)
 */
class AgentFailureTest {

  @TempDir Path dir;

  static void await(BooleanSupplier c, double seconds, String what) throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  /** Events seen, and a receiver that throws once, on the first event of the chosen kind. */
  static final class Sink implements RuntimeEvents {
    final List<String> faults = new CopyOnWriteArrayList<>();
    final List<AdaptationEvent> adaptations = new CopyOnWriteArrayList<>();
    final AtomicBoolean throwOnAdaptation = new AtomicBoolean();
    final AtomicBoolean throwOnTransition = new AtomicBoolean();

    @Override
    public void transition(LifecycleState from, LifecycleState to, String reason) {
      if (throwOnTransition.getAndSet(false)) {
        throw new IllegalStateException("injected: a receiver of transitions broke");
      }
    }

    @Override
    public void fault(String kind, String message) {
      faults.add(kind + ": " + message);
    }

    @Override
    public void adaptation(AdaptationEvent e) {
      if (throwOnAdaptation.getAndSet(false)) {
        throw new IllegalStateException("injected: a receiver of adaptation events broke");
      }
      adaptations.add(e);
    }
  }

  @Test
  void theAdaptationEngineRollsBackAndGoesOn() throws Exception {
    RuntimeConfig c = RuntimeConfig.load(Path.of("../src/examples/diffbot-demo.yaml"));
    // the gradient-step engine (GrBAL) runs as an agent of its own
    c =
        new RuntimeConfig(
            c.hardware(),
            Path.of("../bundles/diffdrive-grbal"),
            c.runtime(),
            RuntimeConfig.Telemetry.none());
    Sink sink = new Sink();
    sink.throwOnAdaptation.set(true);
    try (RobotRuntime rt = RobotRuntime.start(c, true, true, 1, sink, true)) {
      Thread loop = new Thread(() -> rt.loop().run(-1), "loop");
      rt.loop().targets().hold(0.3, 0.5);
      rt.loop().requestActivate();
      loop.start();
      await(() -> rt.agents().errors("adaptation") == 1, 10, "the injected failure");
      await(
          () -> sink.adaptations.stream().anyMatch(e -> e.kind().equals("rolled_back")),
          2,
          "the rollback");
      assertThat(
              sink.adaptations.stream()
                  .filter(e -> e.kind().equals("rolled_back"))
                  .findFirst()
                  .orElseThrow()
                  .reason())
          .contains("adaptation pass failed")
          .contains("injected");
      await(
          () ->
              sink.faults.stream()
                  .anyMatch(f -> f.startsWith("agent_error: background agent 'adaptation' failed")),
          2,
          "the agent_error event");
      int before = sink.adaptations.size();
      await(() -> sink.adaptations.size() > before + 2, 10, "adaptation to go on");
      assertThat(rt.loop().lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      rt.loop().requestShutdown("test over");
      loop.join(5000);
    }
  }

  RobotRuntime trackingRobot(Sink sink) throws Exception {
    RobotHardware hw = HardwareDescription.load(Path.of("../src/examples/diffbot-hardware.yaml"));
    Path bundle = dir.resolve("bundle");
    TrackingControllerBundle.write(
        bundle, hw.wheelRadiusMetres(), hw.trackWidthMetres(), 0.0022, 100, 0.05);
    return RobotRuntime.start(
        new RuntimeConfig(
            hw, bundle, RuntimeConfig.Settings.defaults(), RuntimeConfig.Telemetry.none()),
        true,
        true,
        1,
        sink,
        true);
  }

  @Test
  void theEventDispatcherLosesOneEventAndGoesOn() throws Exception {
    Sink sink = new Sink();
    try (RobotRuntime rt = trackingRobot(sink)) {
      Thread loop = new Thread(() -> rt.loop().run(-1), "loop");
      loop.start();
      sink.throwOnTransition.set(true);
      rt.loop().requestActivate();
      await(() -> rt.agents().errors("loop-events") == 1, 5, "the injected failure");
      rt.loop().requestEStop("after the failure");
      await(() -> sink.faults.contains("e-stop: after the failure"), 2, "later events delivered");
      assertThat(sink.faults)
          .anySatisfy(
              f -> assertThat(f).startsWith("agent_error: background agent 'loop-events' failed"));
      rt.loop().requestShutdown("test over");
      loop.join(5000);
    }
  }

  /** The runtime as commands see it, with one part broken on purpose. */
  record Broken(RobotRuntime rt, boolean errorInTargets, boolean failPrepare, long stallMillis)
      implements CommandTarget {
    Broken(RobotRuntime rt, boolean errorInTargets, boolean failPrepare) {
      this(rt, errorInTargets, failPrepare, 0);
    }

    @Override
    public void requestEStop(String reason) {
      rt.requestEStop(reason);
    }

    @Override
    public void requestResetEStop() {
      rt.requestResetEStop();
    }

    @Override
    public boolean eStopLatched() {
      return rt.eStopLatched();
    }

    @Override
    public void requestActivate() {
      rt.requestActivate();
    }

    @Override
    public void requestDeactivate(String reason) {
      rt.requestDeactivate(reason);
    }

    @Override
    public Targets targets() {
      if (errorInTargets) {
        throw new OutOfMemoryError("injected: no memory for a velocity command");
      }
      return rt.targets();
    }

    @Override
    public AdaptationControl adaptationControl() {
      return rt.adaptationControl();
    }

    @Override
    public double commandTimeoutSeconds() {
      return rt.commandTimeoutSeconds();
    }

    @Override
    public List<Path> bundleDirectories() {
      return rt.bundleDirectories();
    }

    @Override
    public PreparedBundle prepareBundle(Path path) throws BundleException {
      if (failPrepare) {
        throw new IllegalStateException("injected: the loader broke");
      }
      if (stallMillis > 0) {
        // a read that hangs (a file swapped for a FIFO between the check and the open, a dead
        // network file system)
        try {
          Thread.sleep(stallMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return rt.prepareBundle(path);
    }

    @Override
    public void swapTo(PreparedBundle bundle) {
      rt.swapTo(bundle);
    }

    @Override
    public Map<String, Object> configuration() {
      return rt.configuration();
    }
  }

  @Test
  void theCommandWorkerAndTheBundleLoaderFailSafely() throws Exception {
    Sink sink = new Sink();
    try (RobotRuntime rt = trackingRobot(sink)) {
      Thread loop = new Thread(() -> rt.loop().run(-1), "loop");
      loop.start();
      List<CommandHandler.Reply> replies = new CopyOnWriteArrayList<>();
      CommandPath.Sink to =
          new CommandPath.Sink() {
            @Override
            public void reply(Object replyTo, CommandHandler.Reply reply) {
              replies.add(reply);
            }

            @Override
            public void event(Map<String, Object> event) {}
          };
      // the loader: its failure is answered and later commands work
      CommandPath loads = new CommandPath(new Broken(rt, false, true), to, 5);
      rt.agents().start(loads.worker(), new SleepingIdleStrategy(1_000_000L));
      rt.agents().start(loads.loader(), new SleepingIdleStrategy(1_000_000L));
      Path other = dir.resolve("other");
      TrackingControllerBundle.write(other, 0.0325, 0.15, 0.003, 100, 0.05);
      loads.receive(
          "load_bundle", ("{\"path\":\"" + other + "\"}").getBytes(StandardCharsets.UTF_8), null);
      await(() -> !replies.isEmpty(), 5, "the load's reply");
      assertThat(replies.get(0).accepted()).isFalse();
      assertThat(replies.get(0).reason())
          .contains("internal error loading it")
          .contains("injected: the loader broke");
      assertThat(rt.agents().errors("bundle-loader")).isEqualTo(1);
      loads.receive("get_config", "{}".getBytes(StandardCharsets.UTF_8), null);
      await(() -> replies.size() == 2, 5, "a later command");
      assertThat(replies.get(1).accepted()).isTrue();

      // the worker: an Error ends its thread; the command is answered, later ones at once, and
      // e-stops still latch
      replies.clear();
      CommandPath commands = new CommandPath(new Broken(rt, true, false), to, 5);
      rt.agents().start(commands.worker(), new SleepingIdleStrategy(1_000_000L));
      commands.receive(
          "velocity", "{\"v\":0.1,\"omega\":0}".getBytes(StandardCharsets.UTF_8), null);
      await(() -> !replies.isEmpty(), 5, "the velocity's reply");
      assertThat(replies.get(0).reason())
          .contains("internal error handling it")
          .contains("injected");
      assertThat(rt.agents().errors("commands")).isEqualTo(1);
      commands.receive("get_config", "{}".getBytes(StandardCharsets.UTF_8), null);
      assertThat(replies.get(1).reason()).contains("the command worker stopped");
      commands.receive(
          "estop", "{\"reason\":\"still works\"}".getBytes(StandardCharsets.UTF_8), null);
      await(() -> rt.loop().lifecycle().eStopLatched(), 2, "the e-stop");
      assertThat(sink.faults)
          .anySatisfy(
              f -> assertThat(f).startsWith("agent_error: background agent 'commands' failed"));
      rt.loop().requestShutdown("test over");
      loop.join(5000);
    }
  }

  @Test
  void aLoadThatHangsIsAnsweredTimedOutNeverSwappedInAndBlocksNoEStop() throws Exception {
    Sink sink = new Sink();
    try (RobotRuntime rt = trackingRobot(sink)) {
      Thread loop = new Thread(() -> rt.loop().run(-1), "loop");
      loop.start();
      List<CommandHandler.Reply> replies = new CopyOnWriteArrayList<>();
      CommandPath.Sink to =
          new CommandPath.Sink() {
            @Override
            public void reply(Object replyTo, CommandHandler.Reply reply) {
              replies.add(reply);
            }

            @Override
            public void event(Map<String, Object> event) {}
          };
      CommandPath path = new CommandPath(new Broken(rt, false, false, 2500), to, 0.5);
      rt.agents().start(path.worker(), new SleepingIdleStrategy(1_000_000L));
      rt.agents().start(path.loader(), new SleepingIdleStrategy(1_000_000L));
      Path other = dir.resolve("other");
      TrackingControllerBundle.write(other, 0.0325, 0.15, 0.003, 100, 0.05);
      byte[] load = ("{\"path\":\"" + other + "\"}").getBytes(StandardCharsets.UTF_8);
      rt.loop().requestActivate();
      await(() -> rt.loop().lifecycle().state() == LifecycleState.ACTIVE, 2, "ACTIVE");
      long stepsBefore = rt.loop().steps();
      path.receive("load_bundle", load, null);
      path.receive(
          "estop", "{\"reason\":\"behind a hanging load\"}".getBytes(StandardCharsets.UTF_8), null);
      await(() -> rt.loop().lifecycle().eStopLatched(), 1, "the e-stop");
      assertThat(rt.loop().steps() - stepsBefore).as("steps until the latch").isLessThan(20);
      await(
          () -> replies.stream().anyMatch(r -> r.reason().startsWith("timed out after 0.5 s")),
          2,
          "the time-out");
      // while it hangs, further loads are refused; other commands go on
      path.receive("load_bundle", load, null);
      path.receive("get_config", "{}".getBytes(StandardCharsets.UTF_8), null);
      await(() -> replies.size() >= 4, 2, "both answered");
      assertThat(replies)
          .anySatisfy(r -> assertThat(r.reason()).contains("still stuck reading its files"))
          .anySatisfy(r -> assertThat(r.command()).isEqualTo("get_config"));
      // when the hanging load returns, its bundle is thrown away, not swapped in
      Thread.sleep(2500);
      assertThat(replies).noneMatch(r -> r.command().equals("load_bundle") && r.accepted());
      assertThat(rt.loop().controller().parameters())
          .as("the running bundle's parameters")
          .isEqualTo(rt.bundle().graph("policy").parameters().values());
      rt.loop().requestShutdown("test over");
      loop.join(5000);
    }
  }
}
