package org.adaptrobot.runtime.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.adaptrobot.runtime.clock.LoopClock;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ControlLoopTest {

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(RuntimeConfig.Executor.class)
  void lockstepRunWithAnExportedBundleReachesTheCommandedVelocities(RuntimeConfig.Executor executor)
      throws Exception {
    try (LoopFixture f =
        new LoopFixture(dir, executor, c -> c, (c, s) -> c, RuntimeConfig.Settings.defaults())) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.5);
      f.run(4.0);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(f.sim.truth("forward_speed")).isCloseTo(0.3, offset(0.01));
      assertThat(f.sim.truth("yaw_rate")).isCloseTo(0.5, offset(0.03));
      assertThat(f.loop.metrics().get(Counter.FAULTS)).isZero();
      f.loop.targets().hold(-0.2, -1.0);
      f.run(4.0);
      assertThat(f.sim.truth("forward_speed")).isCloseTo(-0.2, offset(0.01));
      assertThat(f.sim.truth("yaw_rate")).isCloseTo(-1.0, offset(0.05));
    }
  }

  @Test
  void actuatorsAreSafeAfterShutdown() throws Exception {
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.4, 0);
      f.run(1.0);
      assertThat(f.motorsStopped()).isFalse();
      f.loop.requestShutdown("test");
      f.run(0.05);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.FINALIZED);
      f.sim.advance(0.01); // the simulated bridges pick up the pin levels as time moves on
      assertThat(f.motorsStopped()).isTrue();
      assertThat(f.sim.truth("motor_braking_left")).isEqualTo(1.0);
      assertThat(f.sim.truth("motor_braking_right")).isEqualTo(1.0);
    }
  }

  @Test
  void anExceptionInTheControllerStopsTheMotorsAndDeactivates() throws Exception {
    int[] calls = {0};
    LoopFixture.ControllerWrap throwing =
        c ->
            new Delegating(c) {
              @Override
              public void compute(double[] o, double[] a) {
                if (++calls[0] > 50) {
                  throw new IllegalStateException("model blew up");
                }
                super.compute(o, a);
              }
            };
    try (LoopFixture f =
        new LoopFixture(
            dir,
            RuntimeConfig.Executor.JAVA,
            throwing,
            (c, s) -> c,
            RuntimeConfig.Settings.defaults())) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.4, 0);
      f.run(1.0);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().lastReason()).isEqualTo("controller_error: model blew up");
      assertThat(f.motorsStopped()).isTrue();
      assertThat(f.loop.metrics().get(Counter.CONTROLLER_ERROR)).isEqualTo(1);
      assertThat(f.events()).contains("fault controller_error: model blew up");
    }
  }

  @Test
  void aSensorFaultStopsTheRobot() throws Exception {
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.4, 0);
      f.run(1.0);
      f.sim.fault("imu", "io_error");
      f.run(0.05);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().lastReason())
          .startsWith("sensor_error: mpu6050 'imu' (I2C bus 1, address 0x68)");
      assertThat(f.motorsStopped()).isTrue();
      // INACTIVE keeps reading; the robot stays stopped after the sensor recovers until
      // re-activated
      f.sim.fault("imu", "none");
      f.run(0.5);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.motorsStopped()).isTrue();
    }
  }

  @Test
  void staleSensorReadingsStopTheRobot() throws Exception {
    // The loop's clock runs 0.2 s ahead of the simulation that stamps the readings.
    LoopFixture.ClockWrap ahead = (c, sim) -> new ShiftedClock(c, 200_000_000L);
    try (LoopFixture f =
        new LoopFixture(
            dir, RuntimeConfig.Executor.JAVA, c -> c, ahead, RuntimeConfig.Settings.defaults())) {
      f.loop.requestActivate();
      f.run(0.05);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().lastReason()).startsWith("stale_sensor: ");
      assertThat(f.events())
          .anySatisfy(
              e ->
                  assertThat(e)
                      .matches(
                          "fault stale_sensor: .* reading is 2\\d\\d ms old \\(limit 100 ms\\)"));
      assertThat(f.loop.metrics().get(Counter.STALE_SENSOR)).isPositive();
    }
  }

  @Test
  void theWatchdogStopsTheRobotAfterRepeatedOverruns() throws Exception {
    LoopFixture.ClockWrap overrunning =
        (c, sim) ->
            new ShiftedClock(c, 0) {
              int n;

              @Override
              public boolean lastPeriodOverran() {
                return n++ > 100; // from the 101st period on, every period overruns
              }
            };
    try (LoopFixture f =
        new LoopFixture(
            dir,
            RuntimeConfig.Executor.JAVA,
            c -> c,
            overrunning,
            RuntimeConfig.Settings.defaults())) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0);
      f.run(1.5);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().lastReason()).isEqualTo("watchdog: 10 overruns in a row");
      assertThat(f.loop.metrics().get(Counter.WATCHDOG)).isEqualTo(1);
      assertThat(f.motorsStopped()).isTrue();
    }
  }

  @Test
  void aVelocityCommandThatIsNotRenewedTimesOutToStop() throws Exception {
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.run(0.01);
      f.loop.targets().velocity(0.3, 0); // a remote command: must keep arriving
      f.run(0.4);
      assertThat(f.sim.truth("forward_speed")).isGreaterThan(0.1);
      f.run(2.0);
      assertThat(f.loop.metrics().get(Counter.COMMAND_TIMEOUT)).isEqualTo(1);
      assertThat(f.sim.truth("forward_speed")).isCloseTo(0.0, offset(0.02));
      assertThat(f.loop.lifecycle().state())
          .as("a time-out stops, it is no fault")
          .isEqualTo(LifecycleState.ACTIVE);
    }
  }

  @Test
  void nonFiniteActionsAreReplacedAndRepeatedOnesLatchTheEStop() throws Exception {
    LoopFixture.ControllerWrap nan =
        c ->
            new Delegating(c) {
              int n;

              @Override
              public void compute(double[] o, double[] a) {
                super.compute(o, a);
                if (++n > 100) {
                  a[0] = Double.NaN;
                }
              }
            };
    try (LoopFixture f =
        new LoopFixture(
            dir,
            RuntimeConfig.Executor.JAVA,
            nan,
            (c, s) -> c,
            RuntimeConfig.Settings.defaults())) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0);
      f.loop.run(102);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(f.loop.appliedAction()).containsExactly(0.0, 0.0);
      assertThat(f.loop.metrics().get(Counter.NON_FINITE_ACTION)).isEqualTo(2); // steps 101, 102
      f.loop.run(10);
      assertThat(f.loop.lifecycle().eStopLatched()).isTrue();
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().lastReason())
          .isEqualTo("e-stop: 5 non-finite actions in a row");
      assertThat(f.motorsStopped()).isTrue();
    }
  }

  @Test
  void anEStopRequestLatchesUntilResetAndActivation() throws Exception {
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0);
      f.run(0.5);
      f.loop.requestEStop("operator pressed stop");
      f.run(0.01);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().eStopLatched()).isTrue();
      assertThat(f.motorsStopped()).isTrue();
      f.loop.requestActivate();
      f.run(0.01);
      assertThat(f.loop.lifecycle().state())
          .as("refused while latched")
          .isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.events()).anySatisfy(e -> assertThat(e).contains("activate refused"));
      f.loop.requestResetEStop();
      f.run(0.01);
      f.loop.requestActivate();
      f.run(1.0);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(f.sim.truth("forward_speed")).isGreaterThan(0.2);
    }
  }

  @Test
  void aSteadyStateStepAllocatesNothing() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.2);
      f.loop.run(5_000);
      long id = Thread.currentThread().threadId();
      long before = threads.getThreadAllocatedBytes(id);
      f.loop.run(2_000); // read, observe, infer, safety, write, and the simulation's advance
      double perStep = (threads.getThreadAllocatedBytes(id) - before) / 2_000.0;
      // Any object made every step would cost ≥ 16 bytes a step. What remains are a few hundred
      // bytes now and then over thousands of steps (the JIT re-materialising objects it had
      // eliminated when it recompiles), not allocation by the loop.
      assertThat(perStep).isLessThan(8.0);
    }
  }

  @Test
  void anEStopFollowedByAResetWithinOnePeriodIsStillLatchedCountedAndReported() throws Exception {
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0);
      f.run(0.5);
      long before = f.loop.metrics().get(Counter.E_STOP);
      f.loop.requestEStop("first");
      f.loop.requestResetEStop(); // asked for after the e-stop: clears it, in the same step
      f.loop.step();
      f.loop.clock().awaitNextPeriod(); // the simulation takes up what the step wrote
      assertThat(f.loop.metrics().get(Counter.E_STOP)).isEqualTo(before + 1);
      assertThat(f.loop.lifecycle().state())
          .as("the e-stop stopped the robot; the reset does not re-activate")
          .isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().eStopLatched()).isFalse();
      assertThat(f.events())
          .contains(
              "fault e-stop: first",
              "ACTIVE->INACTIVE: e-stop: first",
              "INACTIVE->INACTIVE: e-stop reset");
      assertThat(f.motorsStopped()).isTrue();
    }
  }

  @Test
  void aResetClearsOnlyAnEStopRequestedBeforeIt() throws Exception {
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.run(0.1);
      f.loop.requestResetEStop();
      f.loop.requestEStop("after the reset");
      f.loop.requestActivate();
      f.loop.step();
      assertThat(f.loop.lifecycle().eStopLatched()).isTrue();
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().lastReason()).isEqualTo("e-stop: after the reset");
      // two e-stops in one period: both counted and reported, the newest gives the latch its reason
      f.loop.requestEStop("one");
      f.loop.requestEStop("two");
      f.loop.step();
      assertThat(f.loop.metrics().get(Counter.E_STOP)).isEqualTo(3);
      assertThat(f.events())
          .contains("fault e-stop: after the reset", "fault e-stop: one", "fault e-stop: two")
          .anySatisfy(
              e ->
                  assertThat(e)
                      .contains("activate refused in state INACTIVE with the e-stop latched"));
      assertThat(f.loop.lifecycle().lastReason()).isEqualTo("e-stop: two");
      // a request between two steps latches at the very next one
      f.loop.requestResetEStop();
      f.loop.step();
      f.loop.requestActivate();
      f.loop.step();
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      f.loop.requestEStop("now");
      f.loop.step();
      assertThat(f.loop.lifecycle().eStopLatched()).isTrue();
      assertThat(f.loop.metrics().eStopMaxSteps()).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void anInhibitStopsTheRobotAndRefusesActivationUntilLifted() throws Exception {
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0);
      f.run(0.5);
      f.loop.inhibit("remote control lost");
      f.loop.step();
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.loop.lifecycle().lastReason()).isEqualTo("inhibited: remote control lost");
      f.loop.requestActivate();
      f.run(0.1);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.events())
          .anySatisfy(
              e ->
                  assertThat(e)
                      .contains(
                          "activate refused in state INACTIVE while inhibited: remote control lost"));
      f.loop.clearInhibit();
      f.run(0.1);
      assertThat(f.loop.lifecycle().state())
          .as("lifting it activates nothing")
          .isEqualTo(LifecycleState.INACTIVE);
      f.loop.requestActivate();
      f.run(0.1);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
    }
  }

  @Test
  void aSensorFlappingForAMinuteCostsTheLoopThreadNoAllocation() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (LoopFixture f = LoopFixture.of(dir)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.2);
      f.loop.run(500);
      // warm up the fault path itself (first failures, the JIT), reading the events as a
      // dispatcher would (on this thread, outside the measured steps)
      for (int i = 0; i < 2_000; i++) {
        f.sim.fault("imu", i % 2 == 0 ? "io_error" : "none");
        f.loop.step();
        f.loop.clock().awaitNextPeriod();
        if (i % 100 == 0) {
          f.loop.dispatchEvents();
        }
      }
      long id = Thread.currentThread().threadId();
      long faultsBefore = f.loop.metrics().get(Counter.SENSOR_ERROR);
      long allocated = 0;
      int steps = 60 * 100; // 60 s at 100 Hz
      for (int block = 0; block < steps / 100; block++) {
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100; i++) {
          // the IMU fails every other step: a fault (and its event) every second period
          f.sim.fault("imu", i % 2 == 0 ? "io_error" : "none");
          f.loop.step();
          f.loop.clock().awaitNextPeriod();
        }
        allocated += threads.getThreadAllocatedBytes(id) - before;
        f.loop.dispatchEvents(); // the dispatcher's work, not counted as the loop's
      }
      long faults = f.loop.metrics().get(Counter.SENSOR_ERROR) - faultsBefore;
      assertThat(faults).isEqualTo(steps / 2);
      assertThat(f.loop.eventsLost()).isZero();
      // every object would cost >= 16 bytes; 3,000 faults with even one object each >= 48 kB
      assertThat(allocated / (double) steps)
          .as("bytes per step on the loop thread")
          .isLessThan(1.0);
      System.out.printf(
          "flapping sensor, 60 s lockstep: %d faults, %d bytes allocated on the loop thread%n",
          faults, allocated);
    }
  }

  /** A clock whose time line is shifted. */
  static class ShiftedClock implements LoopClock {
    private final LoopClock inner;
    private final long shift;

    ShiftedClock(LoopClock inner, long shift) {
      this.inner = inner;
      this.shift = shift;
    }

    @Override
    public long nowNanos() {
      return inner.nowNanos() + shift;
    }

    @Override
    public long periodNanos() {
      return inner.periodNanos();
    }

    @Override
    public void start() {
      inner.start();
    }

    @Override
    public long awaitNextPeriod() {
      return inner.awaitNextPeriod();
    }

    @Override
    public long overruns() {
      return inner.overruns();
    }

    @Override
    public boolean lastPeriodOverran() {
      return inner.lastPeriodOverran();
    }
  }

  /** A controller that passes everything to another. */
  static class Delegating implements PolicyController {
    private final PolicyController inner;

    Delegating(PolicyController inner) {
      this.inner = inner;
    }

    @Override
    public int observationSize() {
      return inner.observationSize();
    }

    @Override
    public int actionSize() {
      return inner.actionSize();
    }

    @Override
    public void compute(double[] observation, double[] action) {
      inner.compute(observation, action);
    }

    @Override
    public void reset() {
      inner.reset();
    }

    @Override
    public void publish(double[] parameters) {
      inner.publish(parameters);
    }

    @Override
    public double[] parameters() {
      return inner.parameters();
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
