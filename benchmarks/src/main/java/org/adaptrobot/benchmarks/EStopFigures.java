package org.adaptrobot.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.TrackingControllerBundle;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.telemetry.LocalBroker;
import org.adaptrobot.runtime.telemetry.Topics;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * The e-stop and fault-storm figures, through a local Mosquitto, on the simulated robot at
 * wall-clock pace (100 Hz): the time from publishing {@code cmd/estop} to the loop having latched
 * it (p50, p99, max), with the command path idle and right behind a slow {@code load_bundle} (a
 * FIFO, which someone opens after 3 s, and a directory of 20,000 files); and the loop's period
 * error and the bytes allocated on the loop thread while the IMU fails every other period. It uses
 * only what the runtime offered before the safety work too, so the same program measures both.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.EStopFigures [trials]
 * </pre>
 */
public final class EStopFigures {

  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    int trials = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path dir = Files.createTempDirectory("estop-figures");
    Path hwFile = Path.of("src/examples/diffbot-hardware.yaml");
    if (!Files.exists(hwFile)) {
      hwFile = Path.of("..").resolve(hwFile);
    }
    RobotHardware hw = HardwareDescription.load(hwFile);
    Path bundle = dir.resolve("bundle");
    TrackingControllerBundle.write(
        bundle, hw.wheelRadiusMetres(), hw.trackWidthMetres(), 0.0022, 100, 0.05);
    Path huge = Files.createDirectories(dir.resolve("huge"));
    Files.writeString(huge.resolve("manifest.json"), "{}");
    for (int i = 0; i < 20_000; i++) {
      Files.writeString(huge.resolve("f" + i + ".txt"), "x".repeat(100));
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    try (LocalBroker broker = LocalBroker.start(new LocalBroker.Options())) {
      RuntimeConfig.Telemetry t = RuntimeConfig.Telemetry.to(broker.url(), "estop-figures", 10);
      RuntimeConfig c = new RuntimeConfig(hw, bundle, RuntimeConfig.Settings.defaults(), t);
      RobotRuntime rt = RobotRuntime.start(c, true, true, 1, RuntimeEvents.NONE);
      ControlLoop loop = rt.loop();
      Thread loopThread = new Thread(() -> loop.run(-1), "loop");
      loopThread.start();
      MqttClient client =
          new MqttClient(broker.url(), "estop-figures-sender", new MemoryPersistence());
      MqttConnectionOptions o = new MqttConnectionOptions();
      o.setCleanStart(true);
      client.connect(o);
      awaitTrue(() -> rt.telemetry().connected(), 10);
      Thread.sleep(500); // subscribed, probe done
      figures.put("idle", trials(rt, client, trials, null));
      figures.put(
          "behind_load_bundle_of_20000_files", trials(rt, client, Math.min(trials, 20), huge));
      Path fifo = dir.resolve("fifo");
      new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
      figures.put("behind_load_bundle_of_a_fifo", trials(rt, client, 3, fifo));
      figures.put("fault_storm", faultStorm(rt, loopThread, 10));
      client.disconnect();
      client.close();
      loop.requestShutdown("figures done");
      loopThread.join(5000);
      rt.close();
    }
    String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(figures);
    System.out.println(json);
    Path out = Path.of("benchmarks/target");
    Files.createDirectories(out);
    Files.writeString(out.resolve("estop-figures.json"), json);
  }

  /** Publish-to-latched times of e-stops, each sent right after a load_bundle of {@code load}. */
  static Map<String, Object> trials(RobotRuntime rt, MqttClient client, int n, Path load)
      throws Exception {
    ControlLoop loop = rt.loop();
    Histogram h = new Histogram(60_000_000_000L, 3);
    java.util.SplittableRandom phase = new java.util.SplittableRandom(n);
    String id = "estop-figures";
    for (int i = 0; i < n; i++) {
      if (loop.lifecycle().eStopLatched()) {
        publish(client, Topics.command(id, "reset_estop"), "{}");
        awaitTrue(() -> !loop.lifecycle().eStopLatched(), 60);
      }
      loop.requestActivate();
      awaitTrue(() -> loop.lifecycle().state() == LifecycleState.ACTIVE, 60);
      Thread opener = null;
      if (load != null) {
        publish(client, Topics.command(id, "load_bundle"), "{\"path\":\"" + load + "\"}");
        if (!Files.isDirectory(load)) {
          // someone opens the FIFO after 3 s (a reader blocked on it gets end-of-file); opened
          // read-write, so that this never waits for a reader itself
          opener =
              new Thread(
                  () -> {
                    try {
                      Thread.sleep(3000);
                      new java.io.RandomAccessFile(load.toFile(), "rw").close();
                    } catch (Exception ignored) {
                      // figures only
                    }
                  });
          opener.start();
        }
      }
      // at a random phase of the control period (the activation above is seen just after a step)
      java.util.concurrent.locks.LockSupport.parkNanos(phase.nextLong(10_000_000L));
      long t0 = System.nanoTime();
      publish(client, Topics.command(id, "estop"), "{\"reason\":\"trial " + i + "\"}");
      while (!loop.lifecycle().eStopLatched()) {
        Thread.onSpinWait();
        if (System.nanoTime() - t0 > 60_000_000_000L) {
          break;
        }
      }
      h.recordValue(Math.min(System.nanoTime() - t0, 60_000_000_000L));
      if (opener != null) {
        opener.join();
      }
      Thread.sleep(load == null ? 20 : 500);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trials", n);
    m.put("publish_to_latched_p50_ms", h.getValueAtPercentile(50) / 1e6);
    m.put("publish_to_latched_p99_ms", h.getValueAtPercentile(99) / 1e6);
    m.put("publish_to_latched_max_ms", h.getMaxValue() / 1e6);
    // the loop's own request-to-latch time, where the runtime measures it (by reflection: the
    // program also runs against the runtime from before it did)
    try {
      Histogram loopSide =
          (Histogram)
              loop.metrics().getClass().getMethod("eStopLatencyTotal").invoke(loop.metrics());
      m.put("loop_request_to_latch_since_start_p50_ms", loopSide.getValueAtPercentile(50) / 1e6);
      m.put("loop_request_to_latch_since_start_p99_ms", loopSide.getValueAtPercentile(99) / 1e6);
      m.put("loop_request_to_latch_since_start_max_ms", loopSide.getMaxValue() / 1e6);
      m.put(
          "loop_latches_over_one_period",
          loopSide.getCountBetweenValues(
              rt.config().runtime().periodNanos() + 1, Long.MAX_VALUE / 2));
      m.put("loop_latches", loopSide.getTotalCount());
      m.put(
          "loop_latch_at_most_step_boundaries",
          loop.metrics().getClass().getMethod("eStopMaxSteps").invoke(loop.metrics()));
    } catch (ReflectiveOperationException e) {
      m.put("loop_request_to_latch", "not measured by this version");
    }
    System.err.printf(
        "e-stop %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d trials)%n",
        load == null ? "idle" : "after load_bundle " + load.getFileName(),
        h.getValueAtPercentile(50) / 1e6,
        h.getValueAtPercentile(99) / 1e6,
        h.getMaxValue() / 1e6,
        n);
    return m;
  }

  /** The IMU fails every other period for {@code seconds}: period error and loop allocation. */
  static Map<String, Object> faultStorm(RobotRuntime rt, Thread loopThread, double seconds)
      throws Exception {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ControlLoop loop = rt.loop();
    loop.requestResetEStop();
    Thread.sleep(100);
    loop.requestActivate();
    Thread.sleep(200);
    // (the telemetry publisher takes interval histograms too: difference of the totals instead)
    Histogram periodBefore = loop.metrics().periodErrorTotal();
    long overruns0 =
        loop.metrics().get(org.adaptrobot.runtime.metrics.LoopMetrics.Counter.OVERRUNS);
    long steps0 = loop.steps();
    long bytes0 = threads.getThreadAllocatedBytes(loopThread.threadId());
    long end = System.nanoTime() + (long) (seconds * 1e9);
    boolean failing = false;
    while (System.nanoTime() < end) {
      failing = !failing;
      rt.simulation().fault("imu", failing ? "io_error" : "none");
      TimeUnit.MILLISECONDS.sleep(10);
    }
    rt.simulation().fault("imu", "none");
    long steps = loop.steps() - steps0;
    long bytes = threads.getThreadAllocatedBytes(loopThread.threadId()) - bytes0;
    Histogram period = loop.metrics().periodErrorTotal();
    period.subtract(periodBefore);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seconds", seconds);
    m.put("steps", steps);
    m.put(
        "sensor_faults",
        loop.metrics().get(org.adaptrobot.runtime.metrics.LoopMetrics.Counter.SENSOR_ERROR));
    m.put("period_error_p50_us", period.getValueAtPercentile(50) / 1e3);
    m.put("period_error_p99_us", period.getValueAtPercentile(99) / 1e3);
    m.put("period_error_max_us", period.getMaxValue() / 1e3);
    m.put("loop_thread_bytes_per_step", (double) bytes / Math.max(1, steps));
    m.put(
        "overruns",
        loop.metrics().get(org.adaptrobot.runtime.metrics.LoopMetrics.Counter.OVERRUNS));
    System.err.printf(
        "fault storm: %d steps, period error p99 %.1f us, %.1f bytes/step on the loop thread%n",
        steps, period.getValueAtPercentile(99) / 1e3, (double) bytes / Math.max(1, steps));
    return m;
  }

  static void publish(MqttClient c, String topic, String payload) throws Exception {
    c.publish(topic, new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, false, null));
  }

  static void awaitTrue(java.util.function.BooleanSupplier b, double seconds) throws Exception {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (!b.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out");
      }
      Thread.sleep(1);
    }
  }
}
