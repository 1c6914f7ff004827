package org.adaptrobot.runtime;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.drivers.hardware.SimulatedHardware;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.adaptation.AdaptationFeed;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.clock.LockstepClock;
import org.adaptrobot.runtime.clock.LoopClock;
import org.adaptrobot.runtime.clock.PacedSimulationClock;
import org.adaptrobot.runtime.clock.RealTimeClock;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.ControllerFactory;
import org.adaptrobot.runtime.control.MpcController;
import org.adaptrobot.runtime.control.OnnxRuntimeCheck;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.EventFanout;
import org.adaptrobot.runtime.loop.LoopEventDispatcher;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.targets.Targets;
import org.adaptrobot.runtime.telemetry.AdaptationControl;
import org.adaptrobot.runtime.telemetry.CommandPath;
import org.adaptrobot.runtime.telemetry.CommandTarget;
import org.adaptrobot.runtime.telemetry.LocalBroker;
import org.adaptrobot.runtime.telemetry.TelemetryPublisher;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * The runtime put together from a configuration: the bundle loaded and checked (including an ONNX
 * Runtime run of every graph), its controller (from {@link ControllerFactory}), the devices on real
 * Pi4J providers or on the simulated robot, the clock, the control loop (configured: INACTIVE and
 * ready to run), and every background agent under one {@link AgentSupervisor}: the loop's event
 * dispatcher, the adaptation engine and MPC planner where the bundle has them, and the telemetry
 * publisher, command worker and bundle loader where telemetry is on. It is what remote commands act
 * on ({@link CommandTarget}).
 */
public final class RobotRuntime implements CommandTarget, AutoCloseable {

  private final RuntimeConfig config;
  private final Bundle bundle;
  private final SimulatedHardware simulation;
  private final Context pi4j;
  private final ControlLoop loop;
  private final AgentSupervisor agents;
  private final ControllerFactory.Built built;
  private final boolean lockstep;
  private LocalBroker broker;
  private TelemetryPublisher publisher;

  private RobotRuntime(
      RuntimeConfig config,
      Bundle bundle,
      SimulatedHardware simulation,
      Context pi4j,
      ControlLoop loop,
      AgentSupervisor agents,
      ControllerFactory.Built built,
      boolean lockstep) {
    this.config = config;
    this.bundle = bundle;
    this.simulation = simulation;
    this.pi4j = pi4j;
    this.loop = loop;
    this.agents = agents;
    this.built = built;
    this.lockstep = lockstep;
  }

  /**
   * Builds and configures the runtime.
   *
   * @param simulated run on the simulated robot in lockstep instead of the Pi's hardware
   * @param seed the simulation's seed
   * @throws BundleException when the bundle is invalid or does not fit the robot
   */
  public static RobotRuntime start(
      RuntimeConfig config, boolean simulated, long seed, RuntimeEvents events)
      throws BundleException {
    return start(config, simulated, false, seed, events);
  }

  /**
   * Builds and configures the runtime.
   *
   * @param simulated run on the simulated robot instead of the Pi's hardware
   * @param paced with {@code simulated}: keep wall-clock pace (real-time clock) instead of lockstep
   * @param seed the simulation's seed
   * @throws BundleException when the bundle is invalid or does not fit the robot
   */
  public static RobotRuntime start(
      RuntimeConfig config, boolean simulated, boolean paced, long seed, RuntimeEvents events)
      throws BundleException {
    return start(config, simulated, paced, seed, events, true);
  }

  /**
   * Builds and configures the runtime.
   *
   * @param adapt false keeps a bundle's meta-trained parameters unchanged
   */
  public static RobotRuntime start(
      RuntimeConfig config,
      boolean simulated,
      boolean paced,
      long seed,
      RuntimeEvents events,
      boolean adapt)
      throws BundleException {
    return start(config, simulated, paced, seed, events, adapt, null);
  }

  /**
   * Builds and configures the runtime on the Pi's drivers with a hardware-in-the-loop link: every
   * device transaction goes to the simulator on the PC ({@code robot sim serve}). A lost link
   * latches the e-stop with the link's reason. The link belongs to the runtime from here (closed
   * with it).
   */
  public static RobotRuntime startHil(
      RuntimeConfig config,
      org.adaptrobot.drivers.hil.HilClient link,
      RuntimeEvents events,
      boolean adapt)
      throws BundleException {
    try {
      RobotRuntime r = start(config, false, !link.lockstep(), 0, events, adapt, link);
      link.arm(); // the devices are set up: from now on a late reply is an I/O error
      return r;
    } catch (BundleException | RuntimeException e) {
      link.close();
      throw e;
    }
  }

  private static RobotRuntime start(
      RuntimeConfig config,
      boolean simulated,
      boolean paced,
      long seed,
      RuntimeEvents events,
      boolean adapt,
      org.adaptrobot.drivers.hil.HilClient hil)
      throws BundleException {
    Bundle bundle = Bundle.load(config.bundle());
    List<String> problems = OnnxRuntimeCheck.check(bundle);
    if (!problems.isEmpty()) {
      throw new BundleException(problems);
    }
    Manifest m = bundle.manifest();
    String rate = ControllerFactory.rateProblem(m, config.runtime().controlRateHz());
    if (rate != null) {
      throw new BundleException(config.bundle() + ": " + rate);
    }
    EventFanout fanout = new EventFanout(events);
    AgentSupervisor agents =
        new AgentSupervisor(
            (role, t) ->
                fanout.fault(
                    "agent_error",
                    "background agent '" + role + "' failed (" + t + "); its safe fallback taken"));
    boolean lockstep = (simulated || hil != null) && !paced;
    ControllerFactory.Built built;
    try {
      built =
          ControllerFactory.build(
              bundle,
              ControllerFactory.Options.of(config, adapt, lockstep),
              agents,
              fanout::adaptation);
    } catch (BundleException | RuntimeException e) {
      agents.close();
      throw e;
    }
    SimulatedHardware sim = null;
    Context pi4j = null;
    RobotIo io = null;
    RobotRuntime runtime = null;
    try {
      LongSupplier time;
      LoopClock clock;
      long period = config.runtime().periodNanos();
      if (simulated) {
        sim =
            SimulatedHardware.provider()
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "--sim needs the simulator (module sim-bridge) on the class path; this installation"
                                + " has only the robot runtime"))
                .create(config.hardware(), seed);
        time = sim.clock();
        clock =
            paced
                ? new PacedSimulationClock(
                    sim,
                    new RealTimeClock(
                        period,
                        config.runtime().spinMicros() * 1000,
                        config.runtime().overrunPolicy()))
                : new LockstepClock(sim, period);
        io = RobotIo.open(sim.context(), config.hardware(), time);
      } else if (hil != null) {
        sim = hil;
        time = hil.clock();
        clock =
            hil.lockstep()
                ? new LockstepClock(hil, period)
                : new RealTimeClock(
                    period, config.runtime().spinMicros() * 1000, config.runtime().overrunPolicy());
        io = RobotIo.open(hil.context(), config.hardware(), time);
      } else {
        pi4j = Pi4J.newAutoContext();
        time = System::nanoTime;
        clock =
            new RealTimeClock(
                period, config.runtime().spinMicros() * 1000, config.runtime().overrunPolicy());
        io = RobotIo.open(pi4j, config.hardware(), time);
      }
      ControlLoop loop =
          new ControlLoop(
              config.runtime(),
              config.hardware(),
              io,
              m,
              built.controller(),
              clock,
              new Targets(),
              new LoopMetrics(),
              fanout);
      runtime = new RobotRuntime(config, bundle, sim, pi4j, loop, agents, built, lockstep);
      if (hil != null) {
        hil.onLinkLost(loop::requestEStop);
      }
      agents.start(new LoopEventDispatcher(loop), new SleepingMillisIdleStrategy(1));
      loop.configure();
      if (built.adaptation() != null) {
        loop.stepListener(built.adaptation());
      }
      if (config.telemetry().enabled()) {
        runtime.startTelemetry(fanout);
      }
      return runtime;
    } catch (RuntimeException e) {
      if (runtime != null) {
        runtime.close();
        throw e;
      }
      agents.close();
      built.close();
      if (io != null) {
        try {
          io.close();
        } catch (RuntimeException ignored) {
          // already failing: the first error is the one to report
        }
      }
      if (sim != null) {
        sim.close();
      }
      if (pi4j != null) {
        pi4j.shutdown();
      }
      throw e;
    }
  }

  private void startTelemetry(EventFanout fanout) {
    RuntimeConfig.Telemetry t = config.telemetry();
    String url = t.broker();
    try {
      if (url.equals("embedded")) {
        broker = LocalBroker.start(new LocalBroker.Options());
        url = broker.url();
      }
      publisher = new TelemetryPublisher(t, url, loop);
    } catch (Exception e) {
      if (broker != null) {
        broker.close(); // started for this runtime: never left behind
        broker = null;
      }
      throw new IllegalStateException("telemetry cannot start: " + e.getMessage(), e);
    }
    CommandPath commands =
        new CommandPath(this, publisher, config.runtime().loadBundleTimeoutSeconds());
    publisher.commands(commands);
    fanout.add(publisher);
    if (built.adaptation() != null) {
      built.adaptation().then(publisher);
    } else {
      loop.stepListener(publisher);
    }
    agents.start(publisher, new SleepingIdleStrategy(1_000_000L));
    agents.start(commands.worker(), new SleepingIdleStrategy(1_000_000L));
    agents.start(commands.loader(), new SleepingIdleStrategy(5_000_000L));
  }

  /** True for bundles the runtime drives by MPC with their dynamics model. */
  public static boolean plansWithDynamics(Manifest m) {
    return ControllerFactory.plansWithDynamics(m);
  }

  /** The gradient-step adaptation feed and its engine, or null (other modes, no adaptation). */
  public AdaptationFeed adaptationFeed() {
    return built.adaptation() instanceof AdaptationFeed f ? f : null;
  }

  /** What adapts the bundle on the robot (any mode), or null. */
  public org.adaptrobot.runtime.adaptation.OnRobotAdaptation adaptation() {
    return built.adaptation();
  }

  /** The MPC when the bundle plans with a dynamics model, else null. */
  public MpcController mpc() {
    return built.mpc();
  }

  /** The background agents. */
  public AgentSupervisor agents() {
    return agents;
  }

  /** The telemetry publisher, or null when telemetry is off. */
  public TelemetryPublisher telemetry() {
    return publisher;
  }

  /** The broker this runtime started ({@code telemetry.broker: embedded}), or null. */
  public LocalBroker broker() {
    return broker;
  }

  public ControlLoop loop() {
    return loop;
  }

  public Bundle bundle() {
    return bundle;
  }

  public RuntimeConfig config() {
    return config;
  }

  /** The simulated robot, or null on real hardware. */
  public SimulatedHardware simulation() {
    return simulation;
  }

  // ---------------------------------------------------------------- what remote commands act on

  @Override
  public void requestEStop(String reason) {
    loop.requestEStop(reason);
  }

  @Override
  public void requestResetEStop() {
    loop.requestResetEStop();
  }

  @Override
  public boolean eStopLatched() {
    return loop.lifecycle().eStopLatched();
  }

  @Override
  public void requestActivate() {
    loop.requestActivate();
  }

  @Override
  public void requestDeactivate(String reason) {
    loop.requestDeactivate(reason);
  }

  @Override
  public Targets targets() {
    return loop.targets();
  }

  @Override
  public AdaptationControl adaptationControl() {
    if (built.adaptation() != null) {
      return built.adaptation().control();
    }
    var recurrent = loop.recurrent(); // mode recurrent: the policy in use, through swaps
    return recurrent == null
        ? null
        : new org.adaptrobot.runtime.control.RecurrentControl(recurrent);
  }

  @Override
  public double commandTimeoutSeconds() {
    return config.runtime().commandTimeoutSeconds();
  }

  @Override
  public List<Path> bundleDirectories() {
    return config.bundleDirectoriesOrDefault();
  }

  private record Prepared(Bundle bundle, PolicyController controller)
      implements CommandTarget.PreparedBundle {
    @Override
    public String name() {
      return bundle.manifest().name();
    }

    @Override
    public void close() {
      controller.close();
    }
  }

  @Override
  public PreparedBundle prepareBundle(Path path) throws BundleException {
    Bundle b = Bundle.load(path);
    List<String> problems = OnnxRuntimeCheck.check(b);
    if (!problems.isEmpty()) {
      throw new BundleException(problems);
    }
    if (built.adaptation() != null || ControllerFactory.adaptsOnRobot(b.manifest())) {
      // the adaptation engine is built with the bundle it adapts: swapping under it would leave
      // it adapting a network the loop no longer runs
      throw new BundleException(
          "a bundle that adapts on the robot (running or new) cannot be swapped at run time;"
              + " restart the runtime with the new bundle");
    }
    String rate = ControllerFactory.rateProblem(b.manifest(), config.runtime().controlRateHz());
    if (rate != null) {
      throw new BundleException(rate);
    }
    try {
      ControllerFactory.Built next =
          ControllerFactory.build(
              b,
              new ControllerFactory.Options(
                  config.runtime().executor(), false, lockstep, null, null),
              agents,
              e -> {});
      return new Prepared(b, next.controller());
    } catch (RuntimeException e) {
      throw new BundleException("cannot run the bundle (" + e.getMessage() + ")");
    }
  }

  @Override
  public void swapTo(PreparedBundle prepared) {
    Prepared p = (Prepared) prepared;
    loop.requestPolicySwap(p.controller(), p.bundle().manifest());
  }

  @Override
  public Map<String, Object> configuration() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("robot", config.hardware().name());
    r.put("bundle", bundle.manifest().name());
    r.put("control_rate_hz", config.runtime().controlRateHz());
    r.put("executor", config.runtime().executor().name().toLowerCase());
    r.put("command_timeout_s", config.runtime().commandTimeoutSeconds());
    r.put("telemetry_rate_hz", config.telemetry().rateHz());
    r.put("on_disconnect", config.telemetry().stopOnDisconnect() ? "stop" : "continue");
    r.put("state", loop.lifecycle().state().name());
    r.put("e_stop", loop.lifecycle().eStopLatched());
    return r;
  }

  @Override
  public void close() {
    try {
      loop.shutdown("closing");
      if (publisher != null) {
        publisher.flush();
      }
      agents.close(); // every agent stopped: the engine, the planner, telemetry, commands
      if (built.adaptation() != null) {
        built.adaptation().close();
      }
      try {
        loop.close(); // closes the controller running now (the loop closed any it replaced)
      } catch (org.adaptrobot.drivers.DeviceException e) {
        if (!(simulation instanceof org.adaptrobot.drivers.hil.HilClient link) || link.alive()) {
          throw e;
        }
        // a lost HIL link: the devices are out of reach, which the loss already reported
      }
      if (publisher != null) {
        publisher.close();
      }
    } finally {
      if (broker != null) {
        broker.close();
      }
      if (simulation != null) {
        simulation.close();
      }
      if (pi4j != null) {
        pi4j.shutdown();
      }
    }
  }
}
