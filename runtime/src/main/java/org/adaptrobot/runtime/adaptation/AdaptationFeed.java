package org.adaptrobot.runtime.adaptation;

import java.util.Arrays;
import java.util.function.Consumer;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Connects the control loop to an {@link AdaptationEngine}: after every step it writes the
 * observation and the applied action into the engine's {@link TransitionRing} (no allocation, no
 * lock). In real time the engine runs as an agent of the runtime's {@link AgentSupervisor}; in a
 * lockstep simulation the feed runs the engine's pass on the loop thread every {@code period}
 * steps, so that a run is reproducible (simulated time stands still meanwhile).
 */
public class AdaptationFeed implements OnRobotAdaptation {

  private final TransitionRing ring;
  private final AdaptationEngine engine;
  private final double[] obs;
  private final double[] act;
  private final boolean lockstep;
  private final int period;
  private volatile ControlLoop.StepListener next;
  private final AgentSupervisor agents;
  private final AgentRunner runner;

  /**
   * @param lockstep run the engine's pass on the loop thread instead of starting its agent
   * @param period steps between passes
   * @param controlRateHz the loop's rate (sets the engine agent's polling interval)
   * @param agents runs the engine's agent (unused in lockstep)
   */
  public AdaptationFeed(
      TransitionRing ring,
      AdaptationEngine engine,
      boolean lockstep,
      int period,
      double controlRateHz,
      AgentSupervisor agents) {
    this.ring = ring;
    this.engine = engine;
    this.obs = new double[ring.observationSize()];
    this.act = new double[ring.actionSize()];
    this.lockstep = lockstep;
    this.period = period;
    this.agents = agents;
    this.runner =
        lockstep
            ? null
            : agents.start(
                engine,
                new SleepingMillisIdleStrategy(
                    Math.max(1, (long) (1000.0 * period / controlRateHz / 2))));
  }

  /** A ring and an engine made from a bundle's adaptation spec, and the steps between passes. */
  public record Parts(TransitionRing ring, AdaptationEngine engine, int period) {}

  /**
   * The ring (four windows of M + K + 1 steps, rounded up to a power of two) and the engine for a
   * bundle's network: each adaptable tensor with its manifest rate, the others fixed; the
   * manifest's loss, steps and windows; continuous adaptation every K/2 transitions; the standard
   * change detector; update norm at most 1; rollback when the loss grows past 10 times the
   * meta-trained one.
   *
   * @param adapt false runs the meta-trained parameters unchanged (the engine still watches for
   *     changes)
   */
  public static Parts parts(
      Manifest m,
      DifferentiableModel net,
      double[] theta,
      TransitionSamples samples,
      PolicyController controller,
      boolean adapt,
      Consumer<AdaptationEvent> events) {
    return parts(
        m, net, theta, samples, controller, adapt, ChangeDetector.Settings.standard(), events);
  }

  /** As the other {@code parts}, with these change-detector settings. */
  public static Parts parts(
      Manifest m,
      DifferentiableModel net,
      double[] theta,
      TransitionSamples samples,
      PolicyController controller,
      boolean adapt,
      ChangeDetector.Settings detector,
      Consumer<AdaptationEvent> events) {
    Manifest.AdaptationSpec spec = m.adaptation();
    int window = spec.supportWindow() + spec.queryWindow() + 1;
    int capacity = Integer.highestOneBit(Math.max(4, 4 * window - 1)) * 2;
    TransitionRing ring =
        new TransitionRing(capacity, samples.observationSize(), samples.actionSize());
    int period = Math.max(1, spec.queryWindow() / 2);
    double[] rates = new double[theta.length];
    for (int t = 0; t < spec.adaptableTensors().size(); t++) {
      var slice = net.layout().slice(spec.adaptableTensors().get(t));
      Arrays.fill(rates, slice.offset(), slice.end(), spec.innerLearningRate(t));
    }
    AdaptationEngine engine =
        new AdaptationEngine(
            ring,
            net,
            theta,
            samples,
            spec.loss() == null ? "mse" : spec.loss(),
            new AdaptationEngine.Settings(
                spec.innerLearningRate(0),
                Math.max(1, spec.innerSteps()),
                spec.supportWindow(),
                spec.queryWindow(),
                AdaptationEngine.Trigger.CONTINUOUS,
                period,
                1.0,
                10),
            rates,
            controller,
            detector,
            events);
    if (!adapt) {
      engine.enabled(false);
    }
    return new Parts(ring, engine, period);
  }

  public AdaptationEngine engine() {
    return engine;
  }

  /** The ring the feed writes (the engine reads it). */
  public TransitionRing ring() {
    return ring;
  }

  @Override
  public org.adaptrobot.runtime.telemetry.AdaptationControl control() {
    return engine;
  }

  /** Chains another listener (telemetry) after this one. */
  @Override
  public void then(ControlLoop.StepListener listener) {
    this.next = listener;
  }

  @Override
  public void afterStep(ControlLoop loop, long nowNanos) {
    loop.observation(obs);
    loop.appliedAction(act);
    ring.write(loop.steps(), obs, act);
    if (lockstep && loop.steps() % period == 0) {
      engine.poll();
    }
    ControlLoop.StepListener n = next;
    if (n != null) {
      n.afterStep(loop, nowNanos);
    }
  }

  /** Stops the engine's agent (waits for its pass to end). */
  @Override
  public void close() {
    if (runner != null) {
      agents.stop(runner);
    }
  }
}
