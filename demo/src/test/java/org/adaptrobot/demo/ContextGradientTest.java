package org.adaptrobot.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.junit.jupiter.api.Test;

/** The context-gradient mode on the simulated robot with the shipped CAVIA dynamics bundle. */
class ContextGradientTest {

  @Test
  void onlyTheContextAdaptsAndItIsTakenUp() throws Exception {
    RuntimeConfig c = RuntimeConfig.load(Path.of("../src/examples/diffbot-demo.yaml"));
    RuntimeConfig cfg =
        new RuntimeConfig(
            c.hardware(),
            Path.of("../bundles/diffdrive-cavia"),
            c.runtime(),
            RuntimeConfig.Telemetry.none());
    ScenarioRun run =
        new ScenarioRun(
            new ScenarioRun.Options(
                cfg,
                ChangeScenario.MOTOR_PAYLOAD,
                VelocityProfile.standard(),
                1,
                12,
                4,
                ScenarioRun.Controller.ADAPTIVE,
                null,
                false));
    double[][] inUse = new double[1][];
    double[][] meta = new double[1][];
    int[] context = new int[2];
    run.run(
        new org.adaptrobot.runtime.loop.RuntimeEvents() {
          @Override
          public void adaptation(org.adaptrobot.runtime.adaptation.AdaptationEvent e) {
            inUse[0] = run.runtime().adaptationFeed().engine().inUse();
            if (meta[0] == null) {
              var g = run.runtime().bundle().graph(Manifest.DYNAMICS);
              meta[0] = g.parameters().values();
              var slice =
                  org.adaptrobot.runtime.control.ControllerFactory.dynamicsModel(g)
                      .layout()
                      .slice("context");
              context[0] = slice.offset();
              context[1] = slice.end();
            }
          }
        });
    assertThat(run.adaptations()).isPositive();
    boolean contextMoved = false;
    for (int i = 0; i < meta[0].length; i++) {
      if (i >= context[0] && i < context[1]) {
        contextMoved |= inUse[0][i] != meta[0][i];
      } else {
        assertThat(inUse[0][i]).as("parameter %d outside the context", i).isEqualTo(meta[0][i]);
      }
    }
    assertThat(contextMoved).isTrue();
  }
}
