package org.adaptrobot.runtime.loop;

import java.nio.file.Path;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.drivers.hardware.SimulatedHardware;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.runtime.clock.LockstepClock;
import org.adaptrobot.runtime.clock.LoopClock;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.control.TrackingControllerBundle;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.targets.Targets;

/** The control loop on the SIL robot with the analytic tracking bundle, for the loop's tests. */
final class LoopFixture implements AutoCloseable {

  final RobotHardware hardware;
  final SimulatedHardware sim;
  final Bundle bundle;
  final ControlLoop loop;

  /** The executor's controller, before any wrap. */
  final PolicyController controller;

  private final java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The loop's events so far, dispatched from its ring on this thread. */
  java.util.List<String> events() {
    loop.dispatchEvents();
    return events;
  }

  interface ControllerWrap {
    PolicyController wrap(PolicyController c);
  }

  LoopFixture(
      Path dir,
      RuntimeConfig.Executor executor,
      ControllerWrap wrap,
      ClockWrap clockWrap,
      RuntimeConfig.Settings settings)
      throws Exception {
    this(dir, null, executor, wrap, clockWrap, settings);
  }

  /** The loop running {@code given} (null: the analytic tracking bundle at 100 Hz). */
  LoopFixture(
      Path dir,
      Bundle given,
      RuntimeConfig.Executor executor,
      ControllerWrap wrap,
      ClockWrap clockWrap,
      RuntimeConfig.Settings settings)
      throws Exception {
    hardware = HardwareDescription.load(Path.of("../src/examples/diffbot-hardware.yaml"));
    stepsPerSecond = 1e9 / settings.periodNanos();
    bundle =
        given != null
            ? given
            : TrackingControllerBundle.write(
                dir.resolve("bundle"),
                hardware.wheelRadiusMetres(),
                hardware.trackWidthMetres(),
                0.0022,
                100,
                0.05);
    sim = SimulatedHardware.provider().orElseThrow().create(hardware, 1);
    RobotIo io = RobotIo.open(sim.context(), hardware, sim.clock());
    PolicyController c =
        org.adaptrobot.runtime.control.ControllerFactory.policyController(bundle, executor);
    controller = c;
    LoopClock clock = clockWrap.wrap(new LockstepClock(sim, settings.periodNanos()), sim);
    loop =
        new ControlLoop(
            settings,
            hardware,
            io,
            bundle.manifest(),
            wrap.wrap(c),
            clock,
            new Targets(),
            new LoopMetrics(),
            new RuntimeEvents() {
              @Override
              public void transition(
                  org.adaptrobot.runtime.lifecycle.LifecycleState from,
                  org.adaptrobot.runtime.lifecycle.LifecycleState to,
                  String reason) {
                events.add(from + "->" + to + ": " + reason);
              }

              @Override
              public void fault(String kind, String message) {
                events.add("fault " + kind + ": " + message);
              }
            });
    loop.configure();
  }

  interface ClockWrap {
    LoopClock wrap(LoopClock c, SimulatedHardware sim);
  }

  /**
   * Bytes the test thread allocated in each of 40 blocks of 100 steps of an active loop tracking
   * (0.3, 0.2), after 6,000 warm-up steps, with the latent or hidden state restarted by command
   * every 100 steps (the steady state a mode latent or recurrent loop must hold allocation-free).
   */
  long[] allocationPerHundredStepsWithRestarts() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    loop.requestActivate();
    loop.targets().hold(0.3, 0.2);
    loop.run(5_000);
    org.adaptrobot.runtime.control.RecurrentControl command =
        new org.adaptrobot.runtime.control.RecurrentControl(loop.recurrent());
    loop.stepListener(
        (l, now) -> {
          if (l.steps() % 100 == 0) {
            command.reset();
          }
        });
    loop.run(1_000);
    long id = Thread.currentThread().threadId();
    long[] blocks = new long[40];
    for (int k = 0; k < blocks.length; k++) {
      long before = threads.getThreadAllocatedBytes(id);
      loop.run(100);
      blocks[k] = threads.getThreadAllocatedBytes(id) - before;
    }
    return blocks;
  }

  /**
   * The largest |Δ duty| between this (Java) loop's raw action and {@code other}, a controller of
   * the same bundle fed the loop's own observations, over 1,000 closed-loop steps through changing
   * set-points.
   */
  double worstActionDifference(org.adaptrobot.runtime.control.PolicyController other) {
    int o = bundle.manifest().observation().size();
    double[] in = new double[o];
    double[] java = new double[2];
    double[] ort = new double[2];
    double worst = 0;
    loop.requestActivate();
    loop.targets().hold(0.25, 0.4);
    for (int i = 0; i < 1000; i++) {
      if (i % 150 == 0) {
        loop.targets().hold(-0.2 + 0.5 * ((i / 150) % 3) / 2.0, 1.5 - (i / 150) % 4);
      }
      loop.run(1);
      loop.observation(in);
      loop.rawAction(java);
      other.compute(in, ort);
      worst = Math.max(worst, Math.max(Math.abs(java[0] - ort[0]), Math.abs(java[1] - ort[1])));
    }
    return worst;
  }

  /** The loop running {@code b} at its control rate on {@code executor}, nothing wrapped. */
  static LoopFixture of(Path dir, Bundle b, RuntimeConfig.Executor executor) throws Exception {
    RuntimeConfig.Settings s =
        RuntimeConfig.Settings.defaults()
            .withControlRate(b.manifest().controlRateHz())
            .withExecutor(executor);
    return new LoopFixture(dir, b, executor, c -> c, (c, sim) -> c, s);
  }

  static LoopFixture of(Path dir) throws Exception {
    return new LoopFixture(
        dir, RuntimeConfig.Executor.JAVA, c -> c, (c, s) -> c, RuntimeConfig.Settings.defaults());
  }

  private final double stepsPerSecond;

  /** Activates and runs {@code seconds} of robot time. */
  void run(double seconds) {
    loop.run(Math.round(seconds * stepsPerSecond));
  }

  boolean motorsStopped() {
    return sim.truth("motor_duty_left") == 0 && sim.truth("motor_duty_right") == 0;
  }

  @Override
  public void close() {
    loop.close();
    sim.close();
  }
}
