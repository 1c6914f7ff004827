package org.adaptrobot.demo;

import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.adaptation.ModelFit;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.ControllerFactory;

/**
 * The oracle of the demo and the recovery benchmark: a model that knows the changed robot. The
 * robot, changed from the start, is driven for {@value #SECONDS} s through {@value #SEGMENTS}
 * random set-points (speed 0.1–0.4 m/s, yaw rate ±1 rad/s) by the adapting controller; the bundle's
 * model is then fitted to all of it ({@link ModelFit}: Adam, 3,000 minibatches of 256, best of an
 * interleaved held-out fifth).
 */
public final class Oracle {

  public static final double SECONDS = 60;
  public static final int SEGMENTS = 24;
  private static final long SEED = 0x0AC1E;

  private Oracle() {}

  /** Fits the oracle model for {@code change} (deterministic). */
  public static ModelFit.Result fit(RuntimeConfig cfg, Bundle bundle, ChangeScenario change)
      throws BundleException {
    return fit(cfg, bundle, change, 1.0, 3000);
  }

  /**
   * Fits the oracle model for {@code change} of {@code size} (see {@link
   * ChangeScenario#parameters(double)}) with {@code minibatches} Adam steps (deterministic).
   */
  public static ModelFit.Result fit(
      RuntimeConfig cfg, Bundle bundle, ChangeScenario change, double size, int minibatches)
      throws BundleException {
    ScenarioRun data =
        new ScenarioRun(
            new ScenarioRun.Options(
                cfg,
                change,
                VelocityProfile.random(SEED, SEGMENTS),
                SEED,
                SECONDS,
                0,
                ScenarioRun.Controller.ADAPTIVE,
                null,
                false,
                size,
                null));
    Trace t = data.run(null);
    Bundle.Graph g = bundle.graph(Manifest.DYNAMICS);
    return ModelFit.fit(
        ControllerFactory.dynamicsModel(g),
        g.parameters().values(),
        ControllerFactory.heldComponents(bundle.manifest().observation()),
        t.observations(),
        t.actions(),
        t.transitions(),
        minibatches,
        256,
        1e-3,
        1);
  }
}
