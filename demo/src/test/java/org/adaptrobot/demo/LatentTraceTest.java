package org.adaptrobot.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.junit.jupiter.api.Test;

/** The latent trace of a scenario run with the shipped RMA bundle, and its response figures. */
class LatentTraceTest {

  @Test
  void theTraceHoldsTheLatentOfEveryStepChangingOnlyWhenTheWindowIsEncoded() throws Exception {
    Path bundle = Path.of("../bundles/diffdrive-rma");
    Manifest.LatentSpec spec = Bundle.load(bundle).manifest().adaptation().latent();
    RuntimeConfig c = RuntimeConfig.load(Path.of("../src/examples/diffbot-demo.yaml"));
    RuntimeConfig cfg =
        new RuntimeConfig(
            c.hardware(),
            bundle,
            c.runtime().withControlRate(50),
            RuntimeConfig.Telemetry.none(),
            null,
            null);
    ScenarioRun run =
        new ScenarioRun(
            new ScenarioRun.Options(
                cfg,
                ChangeScenario.byId("weak-motor"),
                VelocityProfile.random(3, 4),
                3,
                8,
                4,
                ScenarioRun.Controller.ADAPTIVE,
                null,
                false,
                1.0,
                null));
    run.run(null);
    int z = run.latentSize();
    assertThat(z).isEqualTo(spec.size());
    double[] trace = run.latentTrace();
    int steps = trace.length / z;
    assertThat(steps).isEqualTo(400);
    int moves = 0;
    for (int t = 1; t < steps; t++) {
      boolean moved = false;
      for (int j = 0; j < z; j++) {
        moved |= trace[t * z + j] != trace[(t - 1) * z + j];
      }
      if (moved) {
        moves++;
        // the window is encoded on every update_every-th step since the last reset
        assertThat(t % spec.updateEvery()).as("step %d", t).isZero();
      }
    }
    assertThat(moves).isGreaterThan(steps / spec.updateEvery() / 2);
    LatentResponse r = LatentResponse.of(trace, z, 0.02, 200, 2, 0.2);
    assertThat(r.step()).isPositive();
    assertThat(r.wander()).isPositive();
  }
}
