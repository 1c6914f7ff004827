package org.adaptrobot.runtime.adaptation;

import java.util.function.Consumer;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.NetworkArchitecture;

/**
 * The parts a {@code model-based} bundle runs with: an {@link MpcController} planning with the
 * bundle's dynamics model, and the {@link AdaptationFeed} that fills the engine's ring after every
 * step and runs the {@link AdaptationEngine} adapting the model.
 */
public final class ModelBasedController extends AdaptationFeed {

  private final MpcController mpc;

  private ModelBasedController(
      MpcController mpc, AdaptationFeed.Parts parts, boolean lockstep, double controlRateHz) {
    super(parts.ring(), parts.engine(), lockstep, parts.period(), controlRateHz);
    this.mpc = mpc;
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
    return of(bundle, adapt, lockstep, mpcSettings, ChangeDetector.Settings.standard(), events);
  }

  /** As the other {@code of}, with these change-detector settings. */
  public static ModelBasedController of(
      Bundle bundle,
      boolean adapt,
      boolean lockstep,
      MpcController.Settings mpcSettings,
      ChangeDetector.Settings detector,
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
    AdaptationFeed.Parts parts =
        AdaptationFeed.parts(
            m,
            mlp,
            theta,
            TransitionSamples.dynamics(heldComponents(o), a.size()),
            mpc,
            adapt,
            detector,
            events);
    if (!lockstep) {
      // poll at a quarter of the replanning interval; requests also wake the planner at once
      mpc.startPlanner(Math.max(1, (long) (250.0 * mpcSettings.replanEvery() / m.controlRateHz())));
    }
    return new ModelBasedController(mpc, parts, lockstep, m.controlRateHz());
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
    for (int i : TransitionSamples.setPoints(o.names())[0]) {
      held[i] = true;
    }
    return held;
  }

  public MpcController controller() {
    return mpc;
  }
}
