package org.adaptrobot.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.adaptrobot.drivers.hardware.SimulatedHardware;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.adaptation.AdaptationEvent;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.LatentPolicyController;
import org.adaptrobot.runtime.control.MpcController;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.runtime.sim.ScenarioFile;

/**
 * One run of the simulated robot through the real runtime (drivers, loop, MPC, adaptation engine):
 * the velocity profile is scripted, the robot's dynamics change at {@code changeAtSeconds}, and
 * every step's ground-truth velocity, set-point and tracking error is recorded. The tracking error
 * is the wheel-speed-equivalent velocity error √((v − v*)² + (b/2 · (ω − ω*))²), m/s, with b the
 * track width.
 */
public final class ScenarioRun {

  /** What model the MPC plans with after the change. */
  public enum Controller {
    /** The bundle's model, adapted on the robot by the engine. */
    ADAPTIVE,
    /**
     * The bundle's model unchanged (adaptation disabled); a recurrent policy's hidden state is held
     * from the change on.
     */
    FIXED,
    /** From the change on, a model fitted offline to the changed robot; no adaptation. */
    ORACLE
  }

  /**
   * @param config runtime configuration (its bundle must be model-based)
   * @param scenario the change
   * @param profile the velocity script
   * @param seed simulation seed (sensor noise)
   * @param seconds run length, robot time
   * @param changeAtSeconds when the change happens (0: the robot is changed from the start)
   * @param controller which model the MPC uses after the change
   * @param oracleParameters the oracle's model parameters (for {@link Controller#ORACLE})
   * @param paced keep wall-clock pace instead of lockstep
   * @param changeSize how far the change goes, relative to the scenario's (1: as named)
   * @param timeline a scenario file to play instead of the scenario's single change, or null
   */
  public record Options(
      RuntimeConfig config,
      ChangeScenario scenario,
      VelocityProfile profile,
      long seed,
      double seconds,
      double changeAtSeconds,
      Controller controller,
      double[] oracleParameters,
      boolean paced,
      double changeSize,
      ScenarioFile timeline) {
    public Options {
      if (!(seconds > 0) || !(changeAtSeconds >= 0)) {
        throw new IllegalArgumentException("a run needs seconds > 0 and a change time >= 0");
      }
      if (controller == Controller.ORACLE && oracleParameters == null) {
        throw new IllegalArgumentException("the oracle run needs the oracle's parameters");
      }
      if (!(changeSize > 0)) {
        throw new IllegalArgumentException("the change size must be > 0, found " + changeSize);
      }
    }

    /** The scenario's change as named, no scenario file. */
    public Options(
        RuntimeConfig config,
        ChangeScenario scenario,
        VelocityProfile profile,
        long seed,
        double seconds,
        double changeAtSeconds,
        Controller controller,
        double[] oracleParameters,
        boolean paced) {
      this(
          config,
          scenario,
          profile,
          seed,
          seconds,
          changeAtSeconds,
          controller,
          oracleParameters,
          paced,
          1.0,
          null);
    }
  }

  /** An adaptation decision and the step at which the engine made it. */
  public record Event(long step, AdaptationEvent event) {}

  private final Options options;
  private final double dt;
  private final int steps;
  private final int changeStep;
  private volatile Trace trace;
  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
  private volatile int recorded;
  private volatile int adaptations;
  private volatile AdaptationEvent lastEvent;
  private RobotRuntime runtime;
  private String endState;

  private java.nio.file.Path recordFile;
  private String recordSession;
  private volatile org.adaptrobot.runtime.record.FlightRecorder recorder;

  /**
   * Records this run into an MCAP flight recording ({@code robot demo --record}).
   *
   * @param sessionJson what was run, written first in the file
   */
  public void recordTo(java.nio.file.Path file, String sessionJson) {
    this.recordFile = file;
    this.recordSession = sessionJson;
  }

  /** The recording, or null (readable after the run for its figures). */
  public org.adaptrobot.runtime.record.FlightRecorder recorder() {
    return recorder;
  }

  private void note(String kind, String what, String detail) {
    var r = recorder;
    RobotRuntime rt = runtime;
    if (r != null && rt != null) {
      r.event(rt.loop().clock().nowNanos(), kind, what, detail);
    }
  }

  public ScenarioRun(Options options) {
    this.options = options;
    this.dt = 1.0 / options.config().runtime().controlRateHz();
    this.steps = (int) Math.round(options.seconds() / dt);
    this.changeStep = (int) Math.round(options.changeAtSeconds() / dt);
  }

  /**
   * Runs the robot to the end and returns its trace.
   *
   * @param extra more runtime events (the demo's console), or null
   * @throws BundleException when the bundle cannot run or is not model-based
   */
  public Trace run(RuntimeEvents extra) throws BundleException {
    RuntimeEvents sink =
        new RuntimeEvents() {
          @Override
          public void transition(LifecycleState from, LifecycleState to, String reason) {
            note("transition", from + " -> " + to, reason);
            if (extra != null) {
              extra.transition(from, to, reason);
            }
          }

          @Override
          public void fault(String kind, String message) {
            note("fault", kind, message);
            if (extra != null) {
              extra.fault(kind, message);
            }
          }

          @Override
          public void adaptation(AdaptationEvent e) {
            note("adaptation", e.kind(), e.toString());
            events.add(new Event(e.transitions(), e));
            if (e.kind().equals("accepted")) {
              adaptations++;
            }
            lastEvent = e;
            if (extra != null) {
              extra.adaptation(e);
            }
          }
        };
    RobotRuntime rt =
        RobotRuntime.start(
            options.config(),
            true,
            options.paced(),
            options.seed(),
            sink,
            options.controller() == Controller.ADAPTIVE);
    runtime = rt;
    try {
      if (rt.mpc() == null && options.controller() == Controller.ORACLE) {
        throw new BundleException(
            options.config().bundle()
                + ": the oracle swaps in a dynamics model fitted to the changed robot, so it needs"
                + " a bundle the runtime drives by MPC; found mode "
                + rt.bundle().manifest().adaptation().mode().id());
      }
      ControlLoop loop = rt.loop();
      var manifest = rt.bundle().manifest();
      Trace trace =
          new Trace(
              steps,
              dt,
              options.config().hardware().trackWidthMetres(),
              manifest.observation().size(),
              manifest.action().size());
      this.trace = trace;
      this.shift = new double[steps];
      LatentPolicyController latentPolicy =
          loop.controller() instanceof LatentPolicyController c ? c : null;
      this.latentSize = latentPolicy == null ? 0 : manifest.adaptation().latent().size();
      this.latents = new double[steps * latentSize];
      double[] latentNow = new double[latentSize];
      SimulatedHardware sim = rt.simulation();
      MpcController mb = rt.mpc();
      ScenarioFile.Player player =
          options.timeline() == null ? null : new ScenarioFile.Player(options.timeline(), sim);
      if (player != null) {
        player.advance(0);
      }
      if (changeStep == 0) {
        change(sim, mb);
      }
      VelocityProfile p = options.profile();
      int[] segment = {p.segment(0)};
      loop.targets().hold(p.speed(segment[0]), p.yawRate(segment[0]));
      ControlLoop.StepListener inner = loop.stepListener();
      loop.stepListener(
          (l, now) -> {
            if (inner != null) {
              inner.afterStep(l, now);
            }
            int i = (int) l.steps() - 1;
            if (i >= steps) {
              return;
            }
            var target = l.effectiveTarget();
            var state = l.recurrent();
            shift[i] = state == null ? Double.NaN : state.shift();
            if (latentPolicy != null) {
              latentPolicy.latent(latentNow);
              System.arraycopy(latentNow, 0, latents, i * latentSize, latentSize);
            }
            l.observation(trace.observationScratch());
            l.appliedAction(trace.actionScratch());
            trace.record(
                i,
                sim.truth("forward_speed"),
                sim.truth("yaw_rate"),
                target.forwardSpeed(),
                target.yawRate());
            recorded = i + 1;
            int next = p.segment((i + 1) * dt);
            if (next != segment[0]) {
              segment[0] = next;
              l.targets().hold(p.speed(next), p.yawRate(next));
            }
            if (player != null) {
              player.advance((i + 1) * dt);
            }
            if (i + 1 == changeStep) {
              change(sim, mb);
              if (options.controller() == Controller.FIXED && l.recurrent() != null) {
                // a recurrent policy "without adaptation": it keeps what it had inferred of the
                // unchanged robot and stops re-inferring
                l.recurrent().hold(true);
              }
            }
          });
      if (recordFile != null) {
        try {
          recorder =
              new org.adaptrobot.runtime.record.FlightRecorder(
                  recordFile,
                  manifest,
                  8192,
                  !options.paced(),
                  rt.agents(),
                  org.adaptrobot.runtime.record.FlightRecorder.Rotation.NONE,
                  recordSession);
        } catch (java.io.IOException e) {
          throw new IllegalStateException(
              recordFile + ": cannot be written (" + e.getMessage() + ")", e);
        }
        recorder.then(loop.stepListener());
        loop.stepListener(recorder);
        if (rt.telemetry() != null) {
          rt.telemetry().sampleTap(recorder::telemetry);
        }
      }
      loop.requestActivate();
      loop.run(steps);
      endState = loop.lifecycle().state() + " (" + loop.lifecycle().lastReason() + ")";
      return trace;
    } finally {
      try {
        rt.close();
      } finally {
        var r = recorder;
        if (r != null) {
          try {
            r.close();
          } catch (java.io.IOException e) {
            throw new IllegalStateException(
                "the recording " + recordFile + " is incomplete: " + e.getMessage(), e);
          }
        }
      }
    }
  }

  private void change(SimulatedHardware sim, MpcController mb) {
    if (options.timeline() == null) {
      for (Map.Entry<String, Double> e :
          options.scenario().parameters(options.changeSize()).entrySet()) {
        sim.set(e.getKey(), e.getValue());
      }
    }
    if (options.controller() == Controller.ORACLE) {
      mb.publish(options.oracleParameters().clone());
    }
  }

  public Options options() {
    return options;
  }

  /** Steps recorded so far (readable from any thread while the run goes on). */
  public int recorded() {
    return recorded;
  }

  /** The trace (null until the run has started). */
  public Trace trace() {
    return trace;
  }

  /** Accepted adaptations so far. */
  public int adaptations() {
    return adaptations;
  }

  /** The engine's latest decision, or null. */
  public AdaptationEvent lastEvent() {
    return lastEvent;
  }

  /** Every adaptation decision of the run, in order. */
  public List<Event> events() {
    return new ArrayList<>(events);
  }

  /** The runtime while it runs (for telemetry and loop figures), then its final state. */
  public RobotRuntime runtime() {
    return runtime;
  }

  /** The loop's figures (valid after the run). */
  public LoopMetrics metrics() {
    return runtime.loop().metrics();
  }

  /** Lifecycle state and reason at the end. */
  public String endState() {
    return endState;
  }

  /**
   * Seconds from the change to the engine's first change alarm at or after it; NaN when none came.
   */
  public double detectionDelaySeconds() {
    for (Event e : events) {
      if (e.event().kind().equals("change_detected") && e.step() >= changeStep) {
        return (e.step() - changeStep) * dt;
      }
    }
    return Double.NaN;
  }

  /** Change alarms the engine raised before the change. */
  public int alarmsBeforeChange() {
    int n = 0;
    for (Event e : events) {
      if (e.event().kind().equals("change_detected") && e.step() < changeStep) {
        n++;
      }
    }
    return n;
  }

  /** Times (s) of the change alarms raised before the change. */
  public List<Double> alarmTimesBeforeChange() {
    List<Double> t = new ArrayList<>();
    for (Event e : events) {
      if (e.event().kind().equals("change_detected") && e.step() < changeStep) {
        t.add(e.step() * dt);
      }
    }
    return t;
  }

  public int changeStep() {
    return changeStep;
  }

  /**
   * Mode latent: the latent's shift over one window after each step (NaN for other modes), the
   * change signal {@code LatentShiftDetection} measures.
   */
  public double[] shiftTrace() {
    return shift == null ? new double[0] : java.util.Arrays.copyOf(shift, recorded);
  }

  /**
   * Mode latent: the latent the policy acted on at each step, {@link #latentSize()} values per
   * step; empty for other modes.
   */
  public double[] latentTrace() {
    return java.util.Arrays.copyOf(latents, recorded * latentSize);
  }

  /** The latent's size (0 unless mode latent). */
  public int latentSize() {
    return latentSize;
  }

  private double[] shift;
  private double[] latents = new double[0];
  private int latentSize;
}
