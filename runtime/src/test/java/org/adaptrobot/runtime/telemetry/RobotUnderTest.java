package org.adaptrobot.runtime.telemetry;

import java.nio.file.Path;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.TrackingControllerBundle;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;

/** The runtime on the simulated robot at wall-clock pace, with telemetry, on its own thread. */
final class RobotUnderTest implements AutoCloseable {

  final RobotRuntime runtime;
  final ControlLoop loop;
  final Path bundle;
  private final Thread thread;

  RobotUnderTest(Path dir, RuntimeConfig.Telemetry telemetry, double rateHz) throws Exception {
    this(null, dir, telemetry, rateHz);
  }

  /** Runs {@code given} (null: the analytic tracking bundle written into {@code dir}). */
  RobotUnderTest(Path given, Path dir, RuntimeConfig.Telemetry telemetry, double rateHz)
      throws Exception {
    RobotHardware hw = HardwareDescription.load(Path.of("../src/examples/diffbot-hardware.yaml"));
    bundle = given != null ? given : dir.resolve("bundle-" + (int) rateHz);
    if (given == null) {
      TrackingControllerBundle.write(
          bundle,
          hw.wheelRadiusMetres(),
          hw.trackWidthMetres(),
          0.22 / rateHz,
          rateHz,
          Math.min(1, 5 / rateHz));
    }
    RuntimeConfig.Settings d = RuntimeConfig.Settings.defaults();
    RuntimeConfig.Settings s =
        new RuntimeConfig.Settings(
            rateHz,
            d.overrunPolicy(),
            d.spinMicros(),
            d.executor(),
            1_000_000,
            d.commandTimeoutSeconds(),
            d.staleSensorSeconds(),
            d.maxConsecutiveFaults());
    runtime =
        RobotRuntime.start(
            new RuntimeConfig(hw, bundle, s, telemetry), true, true, 1, RuntimeEvents.NONE);
    loop = runtime.loop();
    thread = new Thread(() -> loop.run(-1), "loop-under-test");
    thread.start();
  }

  TelemetryPublisher publisher() {
    return runtime.telemetry();
  }

  @Override
  public void close() {
    loop.requestShutdown("test over");
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runtime.close();
  }
}
