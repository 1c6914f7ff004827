package org.adaptrobot.runtime.loop;

import java.util.concurrent.atomic.AtomicReference;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.clock.LoopClock;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.lifecycle.Lifecycle;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;
import org.adaptrobot.runtime.observation.ObservationPipeline;
import org.adaptrobot.runtime.observation.RobotState;
import org.adaptrobot.runtime.policy.PolicyController;
import org.adaptrobot.runtime.safety.SafetyLayer;
import org.adaptrobot.runtime.targets.Targets;

/**
 * The control loop: every period read → observe → control → safety → write, after ros2_control's
 * read/update/write. One thread owns it; other threads talk to it only through requests (activate,
 * deactivate, e-stop, reset) taken up at the next step boundary, and through {@link Targets}.
 * Whatever fails — a sensor, the controller, an actuator, the timing — the actuators go to the safe
 * state (motors stopped) and the fault is counted and reported. Nothing allocates in a fault-free
 * steady state.
 */
public final class ControlLoop implements AutoCloseable {

  private enum Request {
    ACTIVATE,
    DEACTIVATE,
    E_STOP,
    RESET_E_STOP,
    SHUTDOWN
  }

  private static final Targets.Velocity STOP = new Targets.Velocity(0, 0, 0);

  private final RuntimeConfig.Settings settings;
  private final RobotIo io;
  private final LoopClock clock;
  private PolicyController controller;
  private final Targets targets;
  private final LoopMetrics metrics;
  private final RuntimeEvents events;
  private final Lifecycle lifecycle = new Lifecycle();
  private final RobotState state;
  private ObservationPipeline pipeline;
  private SafetyLayer safety;
  private final RobotIo.SensorReadings readings = new RobotIo.SensorReadings();
  private double[] observation;
  private final double[] raw;
  private final double[] applied;
  private final int leftIndex;
  private final int rightIndex;
  private final long staleNanos;
  private final long commandTimeoutNanos;
  private final AtomicReference<Request> pending = new AtomicReference<>();
  private volatile String pendingReason = "";
  private int consecutiveOverruns;
  private boolean commandTimedOut;
  private volatile long steps;
  private volatile long firstStepEpochMillis;
  private volatile Targets.Velocity effectiveTarget = STOP;

  /**
   * @throws IllegalArgumentException when the bundle does not fit the robot (observation names that
   *     are no signals, actions other than {@code left} and {@code right}, sizes)
   */
  public ControlLoop(
      RuntimeConfig.Settings settings,
      RobotHardware hardware,
      RobotIo io,
      Manifest manifest,
      PolicyController controller,
      LoopClock clock,
      Targets targets,
      LoopMetrics metrics,
      RuntimeEvents events) {
    this.settings = settings;
    this.io = io;
    this.clock = clock;
    this.controller = controller;
    this.targets = targets;
    this.metrics = metrics;
    this.events = events;
    this.state = new RobotState(hardware);
    this.pipeline = new ObservationPipeline(manifest.observation(), manifest.action());
    this.safety = new SafetyLayer(manifest.action(), metrics);
    java.util.List<String> actions = manifest.action().names();
    this.leftIndex = actions.indexOf("left");
    this.rightIndex = actions.indexOf("right");
    if (leftIndex < 0 || rightIndex < 0 || actions.size() != 2) {
      throw new IllegalArgumentException(
          "manifest.json action_spec.names must be [left, right]"
              + " (signed motor duties) for this robot, found "
              + actions);
    }
    if (controller.observationSize() != pipeline.size()
        || controller.actionSize() != actions.size()) {
      throw new IllegalArgumentException(
          "the policy takes "
              + controller.observationSize()
              + " observations and gives "
              + controller.actionSize()
              + " actions; the manifest names "
              + pipeline.size()
              + " and "
              + actions.size());
    }
    this.observation = new double[pipeline.size()];
    this.raw = new double[actions.size()];
    this.applied = new double[actions.size()];
    this.staleNanos = Math.round(settings.staleSensorSeconds() * 1e9);
    this.commandTimeoutNanos = Math.round(settings.commandTimeoutSeconds() * 1e9);
  }

  public Lifecycle lifecycle() {
    return lifecycle;
  }

  public LoopMetrics metrics() {
    return metrics;
  }

  public Targets targets() {
    return targets;
  }

  public RobotState state() {
    return state;
  }

  public PolicyController controller() {
    return controller;
  }

  public LoopClock clock() {
    return clock;
  }

  /** Steps taken so far. */
  public long steps() {
    return steps;
  }

  /** Copies the action applied in the last step into {@code out} (no allocation). */
  public void appliedAction(double[] out) {
    System.arraycopy(applied, 0, out, 0, applied.length);
  }

  /** Copies the last step's normalised observation into {@code out} (no allocation). */
  public void observation(double[] out) {
    System.arraycopy(observation, 0, out, 0, observation.length);
  }

  /** Returns the step listener in place (null when none). */
  public StepListener stepListener() {
    return listener;
  }

  /** The action applied in the last step (copy). */
  public double[] appliedAction() {
    return applied.clone();
  }

  // ---------------------------------------------------------------- policy swap

  private record Swap(
      PolicyController controller,
      ObservationPipeline pipeline,
      SafetyLayer safety,
      double[] observation,
      String name) {}

  private final AtomicReference<Swap> pendingSwap = new AtomicReference<>();

  /**
   * Checks that a new policy fits this robot and hands it to the loop, which switches to it at the
   * next step boundary and closes the old one. Runs on the caller's thread; the running policy is
   * untouched when this throws.
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  public void requestPolicySwap(PolicyController next, Manifest manifest) {
    ObservationPipeline p = new ObservationPipeline(manifest.observation(), manifest.action());
    if (!manifest.action().names().equals(java.util.List.of("left", "right"))) {
      throw new IllegalArgumentException(
          "manifest.json action_spec.names must be [left, right], found "
              + manifest.action().names());
    }
    if (next.observationSize() != p.size() || next.actionSize() != 2) {
      throw new IllegalArgumentException(
          "the policy takes "
              + next.observationSize()
              + " observations and gives "
              + next.actionSize()
              + " actions; the manifest names "
              + p.size()
              + " and 2");
    }
    Swap old =
        pendingSwap.getAndSet(
            new Swap(
                next,
                p,
                new SafetyLayer(manifest.action(), metrics),
                new double[p.size()],
                manifest.name()));
    if (old != null) {
      old.controller().close(); // superseded before the loop took it
    }
  }

  private void applySwap() {
    Swap s = pendingSwap.getAndSet(null);
    if (s == null) {
      return;
    }
    PolicyController old = controller;
    controller = s.controller();
    pipeline = s.pipeline();
    safety = s.safety();
    observation = s.observation();
    safety.safe(applied);
    controller.reset();
    old.close();
    events.transition(
        lifecycle.state(), lifecycle.state(), "policy swapped to bundle '" + s.name() + "'");
  }

  // ---------------------------------------------------------------- requests from other threads

  public void requestActivate() {
    request(Request.ACTIVATE, "activate requested");
  }

  public void requestDeactivate(String reason) {
    request(Request.DEACTIVATE, reason);
  }

  /** Latches the e-stop at the next step boundary; the actuators stop in that step. */
  public void requestEStop(String reason) {
    request(Request.E_STOP, reason);
  }

  public void requestResetEStop() {
    request(Request.RESET_E_STOP, "e-stop reset requested");
  }

  public void requestShutdown(String reason) {
    request(Request.SHUTDOWN, reason);
  }

  private void request(Request r, String reason) {
    pendingReason = reason;
    // an e-stop or a shutdown is never overwritten by a milder request
    pending.getAndUpdate(old -> old == null || r.ordinal() >= old.ordinal() ? r : old);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Initialises every device and holds the actuators safe: UNCONFIGURED → INACTIVE. */
  public void configure() {
    io.initialise();
    io.stop();
    transition(() -> lifecycle.configure());
  }

  private void transition(Runnable change) {
    LifecycleState before = lifecycle.state();
    change.run();
    if (lifecycle.state() != before) {
      events.transition(before, lifecycle.state(), lifecycle.lastReason());
    }
  }

  private void applyRequest() {
    Request r = pending.getAndSet(null);
    if (r == null) {
      return;
    }
    String reason = pendingReason;
    switch (r) {
      case ACTIVATE -> {
        if (lifecycle.state() == LifecycleState.INACTIVE && !lifecycle.eStopLatched()) {
          safety.safe(applied);
          controller.reset();
          pipeline.reset();
          transition(lifecycle::activate);
        } else {
          events.fault(
              "request",
              "activate refused in state "
                  + lifecycle.state()
                  + (lifecycle.eStopLatched() ? " with the e-stop latched" : ""));
        }
      }
      case DEACTIVATE -> {
        if (lifecycle.state() == LifecycleState.ACTIVE) {
          transition(() -> lifecycle.deactivate(reason));
        }
      }
      case E_STOP -> {
        metrics.count(Counter.E_STOP);
        transition(() -> lifecycle.eStop(reason));
        events.fault("e-stop", reason);
      }
      case RESET_E_STOP -> {
        if (lifecycle.state() != LifecycleState.FINALIZED) {
          lifecycle.resetEStop();
          events.transition(lifecycle.state(), lifecycle.state(), "e-stop reset");
        }
      }
      case SHUTDOWN -> shutdown(reason);
    }
  }

  private void fault(Counter kind, String message) {
    metrics.count(kind);
    metrics.count(Counter.FAULTS);
    if (lifecycle.state() == LifecycleState.ACTIVE) {
      transition(() -> lifecycle.deactivate(kind.name().toLowerCase() + ": " + message));
    }
    events.fault(kind.name().toLowerCase(), message);
  }

  // ---------------------------------------------------------------- the step

  /** One period's work, without waiting. */
  public void step() {
    long now = clock.nowNanos();
    long started = System.nanoTime();
    targets.loopTime(now);
    applyRequest();
    applySwap();
    if (lifecycle.state() == LifecycleState.FINALIZED
        || lifecycle.state() == LifecycleState.UNCONFIGURED) {
      return;
    }
    boolean sensorsOk = read(now);

    Targets.Velocity target = targets.velocity();
    if (!target.held()
        && now - target.stampNanos() > commandTimeoutNanos
        && (target.forwardSpeed() != 0 || target.yawRate() != 0)) {
      if (!commandTimedOut) {
        commandTimedOut = true;
        metrics.count(Counter.COMMAND_TIMEOUT);
        events.fault(
            "command_timeout",
            "no velocity command for " + settings.commandTimeoutSeconds() + " s: stopping");
      }
      target = STOP;
    } else {
      commandTimedOut = false;
    }
    effectiveTarget = target;

    if (lifecycle.active() && sensorsOk) {
      pipeline.build(state, target, targets.waypoint(), applied, observation);
      boolean computed;
      try {
        controller.compute(observation, raw);
        computed = true;
      } catch (RuntimeException e) {
        computed = false;
        safety.safe(applied);
        fault(Counter.CONTROLLER_ERROR, String.valueOf(e.getMessage()));
      }
      if (computed && safety.filter(raw, applied) == SafetyLayer.Verdict.REPLACED_NON_FINITE) {
        events.fault(
            "non_finite_action",
            "the policy returned a non-finite action; applying the safe action");
        if (safety.consecutiveNonFinite() >= settings.maxConsecutiveFaults()) {
          metrics.count(Counter.E_STOP);
          transition(
              () ->
                  lifecycle.eStop(safety.consecutiveNonFinite() + " non-finite actions in a row"));
        }
      }
    } else {
      safety.safe(applied);
    }
    write();
    watchdog();
    metrics.recordComputeTime(System.nanoTime() - started);
    metrics.count(Counter.STEPS);
    if (steps == 0) {
      firstStepEpochMillis = System.currentTimeMillis();
    }
    steps++;
    StepListener l = listener;
    if (l != null) {
      l.afterStep(this, now);
    }
  }

  /**
   * Called on the loop thread at the end of every step, for taking samples (telemetry). It must not
   * block or allocate.
   */
  public interface StepListener {
    void afterStep(ControlLoop loop, long nowNanos);
  }

  private volatile StepListener listener;

  /** Installs the step listener (one; null removes it). */
  public void stepListener(StepListener l) {
    this.listener = l;
  }

  /** The velocity target the controller is currently given (after the time-out rule). */
  public Targets.Velocity effectiveTarget() {
    return effectiveTarget;
  }

  /** Wall-clock time (epoch ms) at which the first step completed, or 0. */
  public long firstStepEpochMillis() {
    return firstStepEpochMillis;
  }

  private boolean read(long now) {
    try {
      io.readSensors(readings);
    } catch (DeviceException e) {
      fault(Counter.SENSOR_ERROR, e.getMessage());
      return false;
    }
    state.update(readings, io, now);
    if (state.sensorFailed) {
      fault(Counter.SENSOR_ERROR, "a sensor reports failed health");
      return false;
    }
    if (state.oldestReadingAgeNanos > staleNanos) {
      fault(
          Counter.STALE_SENSOR,
          state.oldestReading
              + " reading is "
              + (state.oldestReadingAgeNanos == Long.MAX_VALUE
                  ? "missing"
                  : (state.oldestReadingAgeNanos / 1_000_000) + " ms old")
              + " (limit "
              + Math.round(settings.staleSensorSeconds() * 1000)
              + " ms)");
      return false;
    }
    return true;
  }

  private void write() {
    try {
      if (lifecycle.active()) {
        io.drive(applied[leftIndex], applied[rightIndex]);
      } else {
        io.stop();
      }
    } catch (DeviceException e) {
      metrics.count(Counter.ACTUATOR_ERROR);
      metrics.count(Counter.E_STOP);
      transition(() -> lifecycle.eStop("actuator failure: " + e.getMessage()));
      events.fault("actuator_error", e.getMessage());
      try {
        io.stop();
      } catch (DeviceException again) {
        events.fault("actuator_error", "stopping the motors failed too: " + again.getMessage());
      }
    }
  }

  private void watchdog() {
    if (clock.lastPeriodOverran()) {
      metrics.count(Counter.OVERRUNS);
      consecutiveOverruns++;
      if (consecutiveOverruns == settings.watchdogOverruns()) {
        fault(Counter.WATCHDOG, consecutiveOverruns + " overruns in a row");
      }
    } else {
      consecutiveOverruns = 0;
    }
  }

  // ---------------------------------------------------------------- running

  /**
   * Runs periods until {@code periods} have passed (negative: until shut down) or the loop is
   * finalized. Each period waits for its deadline on the clock, then steps.
   */
  public void run(long periods) {
    clock.start();
    for (long i = 0; periods < 0 || i < periods; i++) {
      step();
      if (lifecycle.state() == LifecycleState.FINALIZED) {
        return;
      }
      metrics.recordPeriodError(clock.awaitNextPeriod());
    }
  }

  /** Stops the actuators, closes the devices and finalizes; idempotent. */
  public void shutdown(String reason) {
    if (lifecycle.state() == LifecycleState.FINALIZED) {
      return;
    }
    try {
      io.stop();
    } catch (DeviceException e) {
      events.fault("actuator_error", "stopping the motors at shutdown failed: " + e.getMessage());
    }
    transition(() -> lifecycle.shutdown(reason));
  }

  @Override
  public void close() {
    shutdown("closed");
    try {
      io.close();
    } finally {
      controller.close();
    }
  }
}
