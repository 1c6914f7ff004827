package org.adaptrobot.runtime.loop;

import java.util.concurrent.atomic.AtomicReference;
import org.adaptrobot.drivers.DeviceException;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.clock.LoopClock;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.control.RecurrentPolicy;
import org.adaptrobot.runtime.lifecycle.Lifecycle;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;
import org.adaptrobot.runtime.observation.ObservationPipeline;
import org.adaptrobot.runtime.observation.RobotState;
import org.adaptrobot.runtime.safety.SafetyLayer;
import org.adaptrobot.runtime.targets.Targets;

/**
 * The control loop: every period read → observe → control → safety → write, after ros2_control's
 * read/update/write. One thread owns it; other threads talk to it only through requests (activate,
 * deactivate, e-stop, reset) taken up at the next step boundary, and through {@link Targets}.
 * Whatever fails — a sensor, the controller, an actuator, the timing — the actuators go to the safe
 * state (motors stopped) and the fault is counted and reported.
 *
 * <p><b>Requests</b> (activate, deactivate, e-stop, e-stop reset, shutdown) never overwrite each
 * other ({@link LoopRequests}): at each step boundary the loop handles shutdown first, then every
 * e-stop requested since the last step (each latched, counted and reported with its own reason),
 * then an e-stop reset — which clears only an e-stop latched before it was asked for — then
 * activation and deactivation in the order they were asked for. An e-stop thus latches within one
 * period whatever else was requested around it.
 *
 * <p><b>Events</b> leave the loop through a pre-allocated ring ({@link LoopEventRing}) filled with
 * references and numbers; {@link #dispatchEvents} turns them into words on another thread. The loop
 * formats nothing, locks nothing and allocates nothing, also while a sensor keeps failing (the
 * drivers' read path throws pre-allocated exceptions). Events raised on another thread (a forced
 * shutdown) take a separate queue.
 */
public final class ControlLoop implements AutoCloseable {

  private static final Targets.Velocity STOP = new Targets.Velocity(0, 0, 0);

  private final RuntimeConfig.Settings settings;
  private final RobotIo io;
  private final LoopClock clock;
  private PolicyController controller;
  private final Targets targets;
  private final LoopMetrics metrics;
  private final RuntimeEvents events;
  private final LoopRequests requests = new LoopRequests();
  private final LoopEventRing ring = new LoopEventRing(EVENT_RING_CAPACITY);
  private final java.util.concurrent.ConcurrentLinkedQueue<LoopEvent> offLoopEvents =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final String watchdogReason;
  private final String nonFiniteReason;
  private volatile Thread owner;
  private volatile boolean running;
  private volatile String inhibit;
  private long latchedTicket;
  private final java.util.function.LongSupplier stepCount = () -> this.steps;
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
    this.pipeline = ObservationPipeline.forPolicy(manifest);
    this.safety = new SafetyLayer(manifest.actuators(), metrics);
    java.util.List<String> actions = manifest.actuators().names();
    this.leftIndex = actions.indexOf("left");
    this.rightIndex = actions.indexOf("right");
    if (leftIndex < 0 || rightIndex < 0 || actions.size() != 2) {
      throw new IllegalArgumentException(
          "manifest.json action_spec.names must be [left, right]"
              + " (signed motor duties) for this robot, or [v, omega] with a wheel_speed_loop,"
              + " found "
              + manifest.action().names());
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
    this.recurrentView = controller.recurrentState();
    this.raw = new double[actions.size()];
    this.applied = new double[actions.size()];
    this.staleNanos = Math.round(settings.staleSensorSeconds() * 1e9);
    this.commandTimeoutNanos = Math.round(settings.commandTimeoutSeconds() * 1e9);
    this.watchdogReason = settings.watchdogOverruns() + " overruns in a row";
    this.nonFiniteReason = settings.maxConsecutiveFaults() + " non-finite actions in a row";
  }

  /** Slots of the event ring: bursts of this many events between two dispatches are kept. */
  public static final int EVENT_RING_CAPACITY = 4096;

  /** E-stops reported one by one per step at most (the rest wait; all are latched at once). */
  private static final int E_STOP_REPORTS_PER_STEP = 64;

  /** Ring slots kept free for the step's own events when reporting queued e-stops. */
  private static final int EVENT_RESERVE = 16;

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

  /**
   * Copies the last step's normalised observation into {@code out} (no allocation): its first
   * {@code out.length} values — the observation spec's, then, for a recurrent policy, its extra
   * inputs ({@link #policyInputSize} values in all).
   */
  public void observation(double[] out) {
    System.arraycopy(observation, 0, out, 0, out.length);
  }

  /** Values the policy reads per step: the observation and a recurrent policy's extra inputs. */
  public int policyInputSize() {
    return observation.length;
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
      String announcement) {}

  // controllers replaced by a swap, closed by the dispatcher (closing a session may take a while)
  private final java.util.concurrent.ConcurrentLinkedQueue<PolicyController> retired =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private final AtomicReference<Swap> pendingSwap = new AtomicReference<>();

  /**
   * Checks that a new policy fits this robot and hands it to the loop, which switches to it at the
   * next step boundary and closes the old one. Runs on the caller's thread; the running policy is
   * untouched when this throws.
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  public void requestPolicySwap(PolicyController next, Manifest manifest) {
    ObservationPipeline p = ObservationPipeline.forPolicy(manifest);
    if (!manifest.actuators().names().equals(java.util.List.of("left", "right"))) {
      throw new IllegalArgumentException(
          "manifest.json action_spec.names must be [left, right], or [v, omega] with a"
              + " wheel_speed_loop, found "
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
                new SafetyLayer(manifest.actuators(), metrics),
                new double[p.size()],
                "policy swapped to bundle '" + manifest.name() + "'"));
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
    recurrentView = controller.recurrentState();
    pipeline = s.pipeline();
    safety = s.safety();
    observation = s.observation();
    safety.safe(applied);
    controller.reset();
    retired.add(old);
    LoopEvent e = claim(LoopEvent.Type.TRANSITION, null);
    if (e != null) {
      e.from = lifecycle.state();
      e.to = lifecycle.state();
      e.text1 = s.announcement();
      commit(e);
    }
  }

  // ---------------------------------------------------------------- requests from other threads

  public void requestActivate() {
    requests.request(LoopRequests.Kind.ACTIVATE, "activate requested", steps);
  }

  public void requestDeactivate(String reason) {
    requests.request(LoopRequests.Kind.DEACTIVATE, reason, steps);
  }

  /**
   * Latches the e-stop at the next step boundary; the actuators stop in that step. Every call is
   * latched, counted and reported with its own reason, whatever else is requested around it.
   */
  public void requestEStop(String reason) {
    requests.eStop(reason, stepCount);
  }

  /** Clears an e-stop latched before this call (not one requested after it). */
  public void requestResetEStop() {
    requests.request(LoopRequests.Kind.RESET_E_STOP, "e-stop reset requested", steps);
  }

  public void requestShutdown(String reason) {
    requests.request(LoopRequests.Kind.SHUTDOWN, reason, steps);
  }

  /** E-stops requested so far (each is latched and counted under {@code E_STOP} when handled). */
  public long eStopsRequested() {
    return requests.eStopsRequested();
  }

  /**
   * Holds the robot inactive for {@code reason} (a lost remote link, say): an active robot is
   * deactivated at the next step and activation is refused until {@link #clearInhibit}.
   */
  public void inhibit(String reason) {
    inhibit = reason;
  }

  /** Lifts the inhibit; the robot stays inactive until activated. */
  public void clearInhibit() {
    inhibit = null;
  }

  /** Why the robot is held inactive, or null. */
  public String inhibited() {
    return inhibit;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Initialises every device and holds the actuators safe: UNCONFIGURED → INACTIVE. */
  public void configure() {
    io.initialise();
    io.stop();
    LifecycleState before = lifecycle.state();
    lifecycle.configure();
    announce(before);
  }

  /** Reports the transition from {@code before} to the current state, if there was one. */
  private void announce(LifecycleState before) {
    if (lifecycle.state() != before) {
      LoopEvent e = claim(LoopEvent.Type.TRANSITION, null);
      if (e != null) {
        e.from = before;
        e.to = lifecycle.state();
        e.text1 = lifecycle.reasonPrefix();
        e.text2 = lifecycle.reasonDetail();
        commit(e);
      }
    }
  }

  private void applyRequests() {
    LoopRequests.Pending shutdown = requests.take(LoopRequests.Kind.SHUTDOWN);
    if (shutdown != null) {
      finalizeNow(shutdown.reason());
      return;
    }
    // every e-stop since the last step: reported one by one while the ring has room (the rest
    // next step), latched at once whatever the ring holds
    int room = Math.min(E_STOP_REPORTS_PER_STEP, ring.free() - EVENT_RESERVE);
    for (int i = 0; i < room; i++) {
      LoopRequests.Pending p = requests.nextEStop();
      if (p == null) {
        break;
      }
      metrics.count(Counter.E_STOP);
      faultText("e-stop", p.reason(), null);
    }
    LoopRequests.Pending newest = requests.newestEStop();
    if (newest != null && newest.ticket() > latchedTicket) {
      // every e-stop up to the newest was requested after the last boundary looked: all latch now
      latchedTicket = newest.ticket();
      metrics.recordEStop(
          System.nanoTime() - newest.requestedNanos(), steps - newest.requestedStep());
      LifecycleState before = lifecycle.state();
      lifecycle.eStop(newest.reason());
      resetHiddenOnEStop();
      announce(before);
    }
    LoopRequests.Pending reset = requests.take(LoopRequests.Kind.RESET_E_STOP);
    if (reset != null && lifecycle.state() != LifecycleState.FINALIZED) {
      if (!lifecycle.eStopLatched()) {
        // nothing to clear
      } else if (reset.ticket() > latchedTicket) {
        lifecycle.resetEStop();
        LoopEvent e = claim(LoopEvent.Type.TRANSITION, null);
        if (e != null) {
          e.from = lifecycle.state();
          e.to = lifecycle.state();
          e.text1 = "e-stop reset";
          commit(e);
        }
      } else {
        faultText("request", "e-stop reset ignored: an e-stop was requested after it", null);
      }
    }
    LoopRequests.Pending deactivate = requests.take(LoopRequests.Kind.DEACTIVATE);
    LoopRequests.Pending activate = requests.take(LoopRequests.Kind.ACTIVATE);
    if (activate != null && deactivate != null && activate.ticket() < deactivate.ticket()) {
      activate(); // asked for first
      deactivate(deactivate.reason());
    } else {
      if (deactivate != null) {
        deactivate(deactivate.reason());
      }
      if (activate != null) {
        activate();
      }
    }
    String held = inhibit;
    if (held != null && lifecycle.state() == LifecycleState.ACTIVE) {
      LifecycleState before = lifecycle.state();
      lifecycle.deactivate("inhibited: ", held);
      announce(before);
    }
  }

  private void activate() {
    String held = inhibit;
    if (lifecycle.state() == LifecycleState.INACTIVE && !lifecycle.eStopLatched() && held == null) {
      safety.safe(applied);
      RecurrentPolicy r = controller.recurrentState();
      if (r == null || r.resetsOn("activation")) {
        controller.reset();
      }
      pipeline.reset();
      LifecycleState before = lifecycle.state();
      lifecycle.activate();
      announce(before);
    } else {
      LoopEvent e = claim(LoopEvent.Type.FAULT, "request");
      if (e != null) {
        e.code = LoopEvent.Code.ACTIVATE_REFUSED;
        e.from = lifecycle.state();
        e.number1 = lifecycle.eStopLatched() ? 1 : held != null ? 2 : 0;
        e.text1 = held;
        commit(e);
      }
    }
  }

  private void deactivate(String reason) {
    if (lifecycle.state() == LifecycleState.ACTIVE) {
      LifecycleState before = lifecycle.state();
      lifecycle.deactivate(reason);
      announce(before);
    }
  }

  /** Latches the e-stop for a fault the loop found itself (clearable by a later reset). */
  private void eStopForFault(String prefix, String detail) {
    metrics.count(Counter.E_STOP);
    latchedTicket = Math.max(latchedTicket, requests.ticket());
    LifecycleState before = lifecycle.state();
    lifecycle.eStop(prefix == null ? detail : prefixed(prefix, detail));
    resetHiddenOnEStop();
    announce(before);
  }

  /**
   * A recurrent policy that asks for it forgets what it inferred when the e-stop latches (after it
   * latched: a reset that fails is reported and changes nothing about the stop).
   */
  private void resetHiddenOnEStop() {
    RecurrentPolicy r = controller.recurrentState();
    if (r != null && r.resetsOn("e_stop")) {
      try {
        controller.reset();
      } catch (RuntimeException e) {
        faultText(
            FAULT_KIND[Counter.CONTROLLER_ERROR.ordinal()],
            "resetting the recurrent policy at the e-stop failed: ",
            String.valueOf(e.getMessage()));
      }
    }
  }

  /**
   * The running policy's hidden state (mode recurrent), or null when it has none; follows policy
   * swaps. Any thread.
   */
  public RecurrentPolicy recurrent() {
    return recurrentView;
  }

  private volatile RecurrentPolicy recurrentView;

  private static String prefixed(String prefix, String detail) {
    return prefix + detail; // only for the rare loop-made e-stops with two parts
  }

  private static final String[] FAULT_KIND = new String[Counter.values().length];
  private static final String[] FAULT_PREFIX = new String[Counter.values().length];

  static {
    for (Counter c : Counter.values()) {
      FAULT_KIND[c.ordinal()] = c.name().toLowerCase(java.util.Locale.ROOT);
      FAULT_PREFIX[c.ordinal()] = FAULT_KIND[c.ordinal()] + ": ";
    }
  }

  /** Counts a fault and drops an active robot to INACTIVE for it; the caller reports it. */
  private void fault(Counter kind, String detail) {
    metrics.count(kind);
    metrics.count(Counter.FAULTS);
    if (lifecycle.state() == LifecycleState.ACTIVE) {
      LifecycleState before = lifecycle.state();
      lifecycle.deactivate(FAULT_PREFIX[kind.ordinal()], detail);
      announce(before);
    }
  }

  private LoopEvent claim(LoopEvent.Type type, String kind) {
    LoopEvent e;
    if (Thread.currentThread() == owner || owner == null) {
      e = ring.claim();
    } else {
      e = new LoopEvent(); // another thread (a forced shutdown): the side queue
    }
    if (e != null) {
      e.type = type;
      e.kind = kind;
      e.timeNanos = clock.nowNanos();
    }
    return e;
  }

  private void commit(LoopEvent e) {
    if (Thread.currentThread() == owner || owner == null) {
      ring.commit();
    } else {
      offLoopEvents.add(e);
    }
  }

  private void faultText(String kind, String text1, String text2) {
    LoopEvent e = claim(LoopEvent.Type.FAULT, kind);
    if (e != null) {
      e.text1 = text1;
      e.text2 = text2;
      commit(e);
    }
  }

  private void faultDevice(Counter kind, DeviceException x) {
    fault(kind, x.device());
    LoopEvent e = claim(LoopEvent.Type.FAULT, FAULT_KIND[kind.ordinal()]);
    if (e != null) {
      e.code = LoopEvent.Code.DEVICE;
      e.text1 = x.device();
      e.text2 = x.action();
      e.number1 = x.register();
      e.text3 = x.causeText();
      commit(e);
    }
  }

  /**
   * Turns the loop's events into words and hands them to the {@link RuntimeEvents} this loop was
   * built with; call from one thread at a time (the event dispatcher), never the loop's. Returns
   * the number of events passed on.
   */
  public synchronized int dispatchEvents() {
    int n = 0;
    LoopEvent e;
    while ((e = ring.peek()) != null) {
      deliver(e);
      ring.release();
      n++;
    }
    while ((e = offLoopEvents.poll()) != null) {
      deliver(e);
      n++;
    }
    PolicyController old;
    while ((old = retired.poll()) != null) {
      old.close();
    }
    return n;
  }

  private void deliver(LoopEvent e) {
    if (e.type() == LoopEvent.Type.TRANSITION) {
      events.transition(e.from(), e.to(), e.message());
    } else {
      events.fault(e.kind(), e.message());
    }
  }

  /** Events lost because the ring was full (the dispatcher fell behind). */
  public long eventsLost() {
    return ring.lost();
  }

  // ---------------------------------------------------------------- the step

  /** One period's work, without waiting. */
  public void step() {
    Thread me = Thread.currentThread();
    if (owner != me) {
      owner = me;
    }
    long now = clock.nowNanos();
    long started = System.nanoTime();
    targets.loopTime(now);
    applyRequests();
    applySwap();
    if (lifecycle.state() == LifecycleState.FINALIZED
        || lifecycle.state() == LifecycleState.UNCONFIGURED) {
      return;
    }
    controllerRan = false;
    lastVerdict = null;
    boolean sensorsOk = read(now);

    Targets.Velocity target = targets.velocity();
    if (!target.held()
        && now - target.stampNanos() > commandTimeoutNanos
        && (target.forwardSpeed() != 0 || target.yawRate() != 0)) {
      if (!commandTimedOut) {
        commandTimedOut = true;
        metrics.count(Counter.COMMAND_TIMEOUT);
        LoopEvent e = claim(LoopEvent.Type.FAULT, "command_timeout");
        if (e != null) {
          e.code = LoopEvent.Code.COMMAND_TIMEOUT;
          e.decimal1 = settings.commandTimeoutSeconds();
          commit(e);
        }
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
        String why = String.valueOf(e.getMessage());
        fault(Counter.CONTROLLER_ERROR, why);
        faultText(FAULT_KIND[Counter.CONTROLLER_ERROR.ordinal()], why, null);
      }
      SafetyLayer.Verdict verdict = computed ? safety.filter(raw, applied) : null;
      lastVerdict = verdict;
      controllerRan = computed;
      if (verdict == SafetyLayer.Verdict.REPLACED_NON_FINITE) {
        faultText(
            "non_finite_action",
            "the policy returned a non-finite action; applying the safe action",
            null);
        if (safety.consecutiveNonFinite() >= settings.maxConsecutiveFaults()) {
          eStopForFault(null, nonFiniteReason);
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

  private boolean controllerRan;
  private boolean readOk;
  private SafetyLayer.Verdict lastVerdict;

  /**
   * The sensor readings of the last step as the drivers returned them (read on the loop thread, in
   * a step listener).
   */
  public RobotIo.SensorReadings readings() {
    return readings;
  }

  /** Whether the last step read every sensor (and updated the robot state from them). */
  public boolean lastReadOk() {
    return readOk;
  }

  /** Whether the controller computed an action in the last step. */
  public boolean controllerRan() {
    return controllerRan;
  }

  /** What the safety layer did to the controller's action in the last step, or null. */
  public SafetyLayer.Verdict lastVerdict() {
    return lastVerdict;
  }

  /** The controller's action of the last step before the safety layer (loop thread). */
  public void rawAction(double[] out) {
    System.arraycopy(raw, 0, out, 0, raw.length);
  }

  /**
   * The reward of the last action as the bundle's reward spec defines it, computed from what the
   * robot observed in the last step in which the controller ran.
   */
  public double lastReward() {
    return pipeline.reward();
  }

  /** The named signals of the last step the controller ran, physical units. */
  public void signals(double[] out) {
    pipeline.signals(out);
  }

  /** Index of the left and right motor duty in the action vector. */
  public int leftIndex() {
    return leftIndex;
  }

  public int rightIndex() {
    return rightIndex;
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
    readOk = false;
    try {
      io.readSensors(readings);
    } catch (DeviceException e) {
      faultDevice(Counter.SENSOR_ERROR, e);
      return false;
    }
    readOk = true;
    state.update(readings, io, now);
    if (state.sensorFailed) {
      fault(Counter.SENSOR_ERROR, "a sensor reports failed health");
      faultText(FAULT_KIND[Counter.SENSOR_ERROR.ordinal()], "a sensor reports failed health", null);
      return false;
    }
    if (state.oldestReadingAgeNanos > staleNanos) {
      fault(Counter.STALE_SENSOR, state.oldestReading);
      LoopEvent e = claim(LoopEvent.Type.FAULT, FAULT_KIND[Counter.STALE_SENSOR.ordinal()]);
      if (e != null) {
        e.code = LoopEvent.Code.STALE_SENSOR;
        e.text1 = state.oldestReading;
        e.number1 = state.oldestReadingAgeNanos;
        e.number2 = staleNanos;
        commit(e);
      }
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
      eStopForFault("actuator failure: ", e.device());
      faultDevice(Counter.ACTUATOR_ERROR, e);
      try {
        io.stop();
      } catch (DeviceException again) {
        faultText("actuator_error", "stopping the motors failed too: ", again.getMessage());
      }
    }
  }

  private void watchdog() {
    if (clock.lastPeriodOverran()) {
      metrics.count(Counter.OVERRUNS);
      consecutiveOverruns++;
      if (consecutiveOverruns == settings.watchdogOverruns()) {
        fault(Counter.WATCHDOG, watchdogReason);
        LoopEvent e = claim(LoopEvent.Type.FAULT, FAULT_KIND[Counter.WATCHDOG.ordinal()]);
        if (e != null) {
          e.code = LoopEvent.Code.WATCHDOG;
          e.number1 = consecutiveOverruns;
          commit(e);
        }
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
    owner = Thread.currentThread();
    running = true;
    try {
      clock.start();
      for (long i = 0; periods < 0 || i < periods; i++) {
        step();
        if (lifecycle.state() == LifecycleState.FINALIZED) {
          return;
        }
        metrics.recordPeriodError(clock.awaitNextPeriod());
      }
    } finally {
      running = false;
    }
  }

  /**
   * Stops the actuators, closes the devices and finalizes; idempotent. From another thread while
   * the loop runs, this asks the loop to do it at its next step and waits up to ten periods; a loop
   * that does not answer (stuck in a driver) is overridden: the motors are stopped from here.
   */
  public void shutdown(String reason) {
    if (lifecycle.state() == LifecycleState.FINALIZED) {
      return;
    }
    if (running && Thread.currentThread() != owner) {
      requestShutdown(reason);
      long deadline = System.nanoTime() + 10 * settings.periodNanos() + 50_000_000L;
      while (lifecycle.state() != LifecycleState.FINALIZED && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
      }
      if (lifecycle.state() == LifecycleState.FINALIZED) {
        return;
      }
      reason = reason + " (forced: the loop did not answer)";
    }
    finalizeNow(reason);
  }

  private void finalizeNow(String reason) {
    if (lifecycle.state() == LifecycleState.FINALIZED) {
      return;
    }
    try {
      io.stop();
    } catch (DeviceException e) {
      faultText("actuator_error", "stopping the motors at shutdown failed: ", e.getMessage());
    }
    LifecycleState before = lifecycle.state();
    lifecycle.shutdown(reason);
    announce(before);
  }

  @Override
  public void close() {
    shutdown("closed");
    try {
      io.close();
    } finally {
      controller.close();
      dispatchEvents();
    }
  }
}
