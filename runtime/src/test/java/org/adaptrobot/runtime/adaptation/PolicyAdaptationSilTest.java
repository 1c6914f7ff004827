package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.TrackingControllerBundle;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gradient-mode policy bundle through the whole runtime on the simulated robot (drivers, loop,
 * ONNX Runtime executor, adaptation feed and engine in lockstep): the engine runs, its decisions
 * reach the events, the ONNX session takes accepted parameters, and the robot keeps tracking.
 */
class PolicyAdaptationSilTest {

  @TempDir Path dir;

  @Test
  void aGradientModePolicyBundleAdaptsOnTheSimulatedRobot() throws Exception {
    RobotHardware hw = HardwareDescription.load(Path.of("../src/examples/diffbot-hardware.yaml"));
    Path plain = dir.resolve("plain");
    Bundle base =
        TrackingControllerBundle.write(
            plain, hw.wheelRadiusMetres(), hw.trackWidthMetres(), 0.0022, 100, 0.05);
    Manifest m = base.manifest();
    Manifest adapting =
        new Manifest(
            m.formatVersion(),
            "tracking-integral-adaptive",
            "The integral tracking controller, its gains adapted on the robot in hindsight.",
            m.observation(),
            m.action(),
            m.controlRateHz(),
            Map.of(),
            new Manifest.AdaptationSpec(
                AdaptationMode.GRADIENT,
                Manifest.POLICY,
                List.of("layers.0.bias"),
                new double[] {0.01},
                3,
                64,
                32,
                "mse"),
            m.provenance(),
            Map.of());
    Bundle.Graph g = base.graph(Manifest.POLICY);
    Path bundle = dir.resolve("adaptive");
    BundleExport.write(
        bundle,
        adapting,
        Map.of(
            Manifest.POLICY,
            new BundleExport.GraphExport(
                g.spec().architecture(), g.parameters().values(), Set.of("layers.0.bias"))));
    RuntimeConfig.Settings d = RuntimeConfig.Settings.defaults().withControlRate(100);
    RuntimeConfig.Settings onnx =
        new RuntimeConfig.Settings(
            d.controlRateHz(),
            d.overrunPolicy(),
            d.spinMicros(),
            RuntimeConfig.Executor.ONNXRUNTIME,
            d.watchdogOverruns(),
            d.commandTimeoutSeconds(),
            d.staleSensorSeconds(),
            d.maxConsecutiveFaults());
    List<AdaptationEvent> events = new CopyOnWriteArrayList<>();
    List<String> faults = new CopyOnWriteArrayList<>();
    RuntimeEvents sink =
        new RuntimeEvents() {
          @Override
          public void adaptation(AdaptationEvent e) {
            events.add(e);
          }

          @Override
          public void fault(String kind, String message) {
            faults.add(kind + ": " + message);
          }
        };
    try (RobotRuntime rt =
        RobotRuntime.start(
            new RuntimeConfig(hw, bundle, onnx, RuntimeConfig.Telemetry.none()),
            true,
            false,
            1,
            sink,
            true)) {
      assertThat(rt.mpc()).isNull();
      AdaptationFeed feed = rt.adaptationFeed();
      assertThat(feed).isNotNull();
      var loop = rt.loop();
      loop.targets().hold(0.3, 0.5);
      loop.requestActivate();
      loop.run(800); // 8 s
      assertThat(loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(faults).isEmpty();
      long decisions =
          events.stream()
              .filter(e -> e.kind().equals("accepted") || e.kind().equals("rejected"))
              .count();
      assertThat(decisions).as("adaptation decisions in 8 s").isGreaterThan(20);
      assertThat(rt.simulation().truth("forward_speed")).isBetween(0.25, 0.35);
      // what the loop's controller runs is what the engine published last, from the step after
      // the publication on (the last pass ran after step 800; step 801 runs no pass)
      loop.run(1);
      assertThat(loop.controller().parameters()).containsExactly(feed.engine().inUse());
    }
  }
}
