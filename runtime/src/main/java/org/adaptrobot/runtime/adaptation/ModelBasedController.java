package org.adaptrobot.runtime.adaptation;

import java.util.function.Consumer;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.runtime.loop.ControlLoop;

/**
 * The parts a {@code model-based} bundle runs with: an {@link MpcController} planning with the
 * bundle's dynamics model, the {@link TransitionRing} the loop fills after every step, and the
 * {@link AdaptationEngine} that adapts the model from it. In real time the engine has its own
 * thread; in a lockstep simulation {@link #afterStep} runs its pass on the loop thread every {@code
 * period} steps so that a run is reproducible (simulated time stands still meanwhile).
 */
public final class ModelBasedController implements ControlLoop.StepListener, AutoCloseable {

  private final MpcController mpc;
  private final TransitionRing ring;
  private final AdaptationEngine engine;
  private final double[] obs;
  private final double[] act;
  private final boolean lockstep;
  private final int period;
  private volatile ControlLoop.StepListener next;

  private ModelBasedController(
      MpcController mpc,
      TransitionRing ring,
      AdaptationEngine engine,
      boolean lockstep,
      int period) {
    this.mpc = mpc;
    this.ring = ring;
    this.engine = engine;
    this.obs = new double[mpc.observationSize()];
    this.act = new double[mpc.actionSize()];
    this.lockstep = lockstep;
    this.period = period;
  }

  /**
   * Builds the controller and engine from a model-based bundle.
   *
   * @param adapt false runs the meta-trained model unchanged (the engine still watches for changes)
   * @throws IllegalArgumentException when the bundle's dynamics graph is not an MLP
   */
  public static ModelBasedController of(
      Bundle bundle,
      boolean adapt,
      boolean lockstep,
      MpcController.Settings mpcSettings,
      Consumer<AdaptationEvent> events) {
    Manifest m = bundle.manifest();
    Bundle.Graph g = bundle.graph(Manifest.DYNAMICS);
    DifferentiableModel mlp = dynamicsModel(g);
    double[] theta = g.parameters().values().clone();
    Manifest.ObservationSpec o = m.observation();
    Manifest.ActionSpec a = m.action();
    MpcController mpc =
        new MpcController(
            mlp,
            theta,
            o.names(),
            o.mean(),
            o.std(),
            a.low(),
            a.high(),
            a.maxChangePerStep(),
            mpcSettings);
    boolean[] held = heldComponents(o);
    Manifest.AdaptationSpec spec = m.adaptation();
    int window = spec.supportWindow() + spec.queryWindow() + 1;
    int capacity = Integer.highestOneBit(Math.max(4, 4 * window - 1)) * 2;
    TransitionRing ring = new TransitionRing(capacity, o.size(), a.size());
    int period = Math.max(1, spec.queryWindow() / 2);
    // per-parameter rates: each adaptable tensor its manifest rate, the others 0 (they stay fixed)
    double[] rates = new double[theta.length];
    for (int t = 0; t < spec.adaptableTensors().size(); t++) {
      var slice = mlp.layout().slice(spec.adaptableTensors().get(t));
      java.util.Arrays.fill(rates, slice.offset(), slice.end(), spec.innerLearningRate(t));
    }
    AdaptationEngine engine =
        new AdaptationEngine(
            ring,
            mlp,
            theta,
            held,
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
            mpc,
            ChangeDetector.standard(),
            events);
    if (!adapt) {
      engine.enabled(false);
    }
    ModelBasedController c = new ModelBasedController(mpc, ring, engine, lockstep, period);
    if (!lockstep) {
      engine.start(Math.max(1, (long) (1000.0 * period / m.controlRateHz() / 2)));
    }
    return c;
  }

  /**
   * The network of a bundle's dynamics graph: an MLP (mode model-based, every declared tensor
   * adapts) or a context MLP (mode context-gradient: only the context vector adapts, from zero).
   *
   * @throws IllegalArgumentException for any other architecture
   */
  public static DifferentiableModel dynamicsModel(Bundle.Graph g) {
    return switch (g.spec().architecture()) {
      case NetworkArchitecture.MlpArchitecture a -> a.build();
      case NetworkArchitecture.ContextMlpArchitecture a -> a.build();
      default ->
          throw new IllegalArgumentException(
              "the dynamics graph must be an mlp or a context_mlp, found "
                  + g.spec().architecture().type());
    };
  }

  /**
   * The observation components the robot does not cause: set-points {@code <x>_target} of an
   * observed {@code <x>}. Their change is defined as zero (the dynamics model's contract).
   */
  public static boolean[] heldComponents(Manifest.ObservationSpec o) {
    boolean[] held = new boolean[o.size()];
    for (int i = 0; i < held.length; i++) {
      String n = o.names().get(i);
      held[i] = n.endsWith("_target") && o.names().contains(n.substring(0, n.length() - 7));
    }
    return held;
  }

  public MpcController controller() {
    return mpc;
  }

  public AdaptationEngine engine() {
    return engine;
  }

  /** Chains another listener (telemetry) after this one. */
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

  @Override
  public void close() {
    engine.close();
  }
}
