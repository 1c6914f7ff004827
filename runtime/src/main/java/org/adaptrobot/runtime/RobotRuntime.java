package org.adaptrobot.runtime;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import java.util.List;
import java.util.function.LongSupplier;
import org.adaptrobot.drivers.hardware.RobotIo;
import org.adaptrobot.drivers.hardware.SimulatedHardware;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.adaptation.AdaptationFeed;
import org.adaptrobot.runtime.adaptation.ModelBasedController;
import org.adaptrobot.runtime.adaptation.PolicyAdaptation;
import org.adaptrobot.runtime.clock.LockstepClock;
import org.adaptrobot.runtime.clock.LoopClock;
import org.adaptrobot.runtime.clock.PacedSimulationClock;
import org.adaptrobot.runtime.clock.RealTimeClock;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.EventFanout;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.policy.JavaPolicyController;
import org.adaptrobot.runtime.policy.OnnxPolicyController;
import org.adaptrobot.runtime.policy.OnnxRuntimeCheck;
import org.adaptrobot.runtime.policy.PolicyController;
import org.adaptrobot.runtime.targets.Targets;
import org.adaptrobot.runtime.telemetry.AdaptationControl;
import org.adaptrobot.runtime.telemetry.CommandHandler;
import org.adaptrobot.runtime.telemetry.LocalBroker;
import org.adaptrobot.runtime.telemetry.TelemetryPublisher;

/**
 * The runtime put together from a configuration: the bundle loaded and checked (including an ONNX
 * Runtime run of every graph), the policy controller, the devices on real Pi4J providers or on the
 * simulated robot, the clock, and the control loop, configured (INACTIVE) and ready to run.
 */
public final class RobotRuntime implements AutoCloseable {

  private final RuntimeConfig config;
  private final Bundle bundle;
  private final SimulatedHardware simulation;
  private final Context pi4j;
  private final ControlLoop loop;

  private RobotRuntime(
      RuntimeConfig config,
      Bundle bundle,
      SimulatedHardware simulation,
      Context pi4j,
      ControlLoop loop) {
    this.config = config;
    this.bundle = bundle;
    this.simulation = simulation;
    this.pi4j = pi4j;
    this.loop = loop;
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
   * @param adapt false keeps a model-based bundle's meta-trained model unchanged
   */
  public static RobotRuntime start(
      RuntimeConfig config,
      boolean simulated,
      boolean paced,
      long seed,
      RuntimeEvents events,
      boolean adapt)
      throws BundleException {
    Bundle bundle = Bundle.load(config.bundle());
    List<String> problems = OnnxRuntimeCheck.check(bundle);
    if (!problems.isEmpty()) {
      throw new BundleException(problems);
    }
    Manifest m = bundle.manifest();
    double bundleRate = m.controlRateHz();
    if (Math.abs(bundleRate - config.runtime().controlRateHz()) > 1e-6 * bundleRate) {
      throw new BundleException(
          config.bundle()
              + ": manifest.json control_rate_hz is "
              + bundleRate
              + " Hz, the configuration runs at "
              + config.runtime().controlRateHz()
              + " Hz; a policy only works at the rate it was made for");
    }
    EventFanout fanout = new EventFanout(events);
    ModelBasedController modelBased = null;
    AdaptationFeed feed = null;
    PolicyController controller;
    if (config.planner() != null && !plansWithDynamics(m)) {
      throw new BundleException(
          config.bundle()
              + ": the configuration has planner settings, but this bundle runs its policy graph"
              + " (mode "
              + m.adaptation().mode().id()
              + "); only a model-based bundle plans with MPC. Remove the planner section.");
    }
    if (config.detector() != null && !plansWithDynamics(m) && !PolicyAdaptation.applies(m)) {
      throw new BundleException(
          config.bundle()
              + ": the configuration has change-detector settings, but this bundle does not adapt"
              + " on the robot (mode "
              + m.adaptation().mode().id()
              + "). Remove the detector section.");
    }
    if (plansWithDynamics(m)) {
      modelBased =
          ModelBasedController.of(
              bundle,
              adapt,
              simulated && !paced,
              config.plannerOrStandard(),
              config.detectorOrStandard(),
              fanout::adaptation);
      controller = modelBased.controller();
      feed = modelBased;
    } else {
      Bundle.Graph graph = bundle.graph(Manifest.POLICY);
      controller =
          config.runtime().executor() == RuntimeConfig.Executor.JAVA
              ? new JavaPolicyController(graph)
              : new OnnxPolicyController(graph);
      if (PolicyAdaptation.applies(m)) {
        try {
          feed =
              PolicyAdaptation.of(
                  bundle,
                  controller,
                  adapt,
                  simulated && !paced,
                  config.detectorOrStandard(),
                  fanout::adaptation);
        } catch (IllegalArgumentException e) {
          controller.close();
          throw new BundleException(config.bundle() + ": " + e.getMessage());
        }
      }
    }
    SimulatedHardware sim = null;
    Context pi4j = null;
    RobotIo io = null;
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
              controller,
              clock,
              new Targets(),
              new LoopMetrics(),
              fanout);
      loop.configure();
      RobotRuntime runtime = new RobotRuntime(config, bundle, sim, pi4j, loop);
      runtime.modelBased = modelBased;
      if (feed != null) {
        runtime.feed = feed;
        loop.stepListener(feed);
        runtime.adaptationControl(feed.engine());
      }
      if (config.telemetry().enabled()) {
        runtime.startTelemetry(fanout);
      }
      return runtime;
    } catch (RuntimeException e) {
      controller.close();
      if (feed != null) {
        feed.close();
      }
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

  /**
   * True for bundles the runtime drives by MPC with their dynamics model: mode model-based, and
   * mode context-gradient on a {@code dynamics} graph (the CAVIA variant: only the context adapts).
   */
  public static boolean plansWithDynamics(Manifest m) {
    return m.adaptation().mode() == AdaptationMode.MODEL_BASED
        || (m.adaptation().mode() == AdaptationMode.CONTEXT_GRADIENT
            && Manifest.DYNAMICS.equals(m.adaptation().graph()));
  }

  private ModelBasedController modelBased;
  private AdaptationFeed feed;
  private LocalBroker broker;
  private TelemetryPublisher publisher;

  private void startTelemetry(EventFanout fanout) {
    RuntimeConfig.Telemetry t = config.telemetry();
    String url = t.broker();
    try {
      if (url.equals("embedded")) {
        broker = LocalBroker.start(new LocalBroker.Options());
        url = broker.url();
      }
      publisher =
          new TelemetryPublisher(t, url, loop, new CommandHandler(loop, config, () -> adaptation));
    } catch (Exception e) {
      throw new IllegalStateException("telemetry cannot start: " + e.getMessage(), e);
    }
    fanout.add(publisher);
    if (feed != null) {
      feed.then(publisher);
    } else {
      loop.stepListener(publisher);
    }
    publisher.start();
  }

  private volatile AdaptationControl adaptation;

  /** The adaptation feed and its engine (null for bundles that do not adapt by gradient steps). */
  public AdaptationFeed adaptationFeed() {
    return feed;
  }

  /** The model-based controller and its adaptation engine (null for other bundles). */
  public ModelBasedController modelBased() {
    return modelBased;
  }

  /** Makes an adaptation engine reachable by remote commands. */
  public void adaptationControl(AdaptationControl control) {
    this.adaptation = control;
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

  @Override
  public void close() {
    try {
      loop.shutdown("closing");
      if (feed != null) {
        feed.close();
      }
      if (publisher != null) {
        publisher.close();
      }
      loop.close();
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
