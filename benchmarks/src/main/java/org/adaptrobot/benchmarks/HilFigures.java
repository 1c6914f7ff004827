package org.adaptrobot.benchmarks;

import com.pi4j.io.i2c.I2C;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.adaptrobot.drivers.hil.HilClient;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.sim.hil.DelayProxy;

/**
 * Hardware-in-the-loop figures over loopback, with the simulator in a second JVM ({@code robot sim
 * serve}): the round trip of one I2C transaction (a 14-byte IMU burst read), steps per second in
 * lockstep beside the in-process simulation, and real-time runs of the runtime through a delaying
 * proxy (0, 0.2 and 1 ms each way): overruns, period error, step time, faults.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.HilFigures [config] [seconds]
 * </pre>
 */
public final class HilFigures {

  public static void main(String[] args) throws Exception {
    Path cfgFile = Path.of(args.length > 0 ? args[0] : "src/examples/diffbot-sim.yaml");
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
    RuntimeConfig cfg = RuntimeConfig.load(cfgFile);
    Process server =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "org.adaptrobot.runtime.cli.RobotCommand",
                "sim",
                "serve",
                "--config",
                cfgFile.toString(),
                "--listen",
                "127.0.0.1:0")
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      Pattern p = Pattern.compile("listening on tcp://[^:]+:(\\d+)");
      for (String l; (l = lines.readLine()) != null; ) {
        Matcher m = p.matcher(l);
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
          break;
        }
      }
      if (port < 0) {
        throw new IllegalStateException("the simulator did not start");
      }
      Thread drain =
          new Thread(
              () -> {
                try {
                  while (lines.readLine() != null) {
                    // the server's log is not needed here
                  }
                } catch (java.io.IOException ignored) {
                  // ended
                }
              });
      drain.setDaemon(true);
      drain.start();
      String uri = "tcp://127.0.0.1:" + port;
      long period = cfg.runtime().periodNanos();
      System.out.printf(
          Locale.ROOT,
          "HIL over loopback, simulator in a second JVM; %s, %.0f Hz%n",
          cfgFile,
          cfg.runtime().controlRateHz());

      // 1. round trip of one transaction
      try (HilClient c =
          HilClient.connect(
              uri, cfg.hardware(), new HilClient.Options(false, period, 50_000_000))) {
        c.arm();
        var ctx = c.context();
        I2C imu = ctx.create(I2C.newConfigBuilder(ctx).id("imu").bus(1).device(0x68).build());
        byte[] buf = new byte[14];
        Histogram h = new Histogram(3);
        for (int i = 0; i < 22_000; i++) {
          long t0 = System.nanoTime();
          imu.readRegister(0x3B, buf, 0, 14);
          if (i >= 2000) {
            h.recordValue(System.nanoTime() - t0);
          }
        }
        System.out.printf(
            Locale.ROOT,
            "I2C burst read (14 B) round trip: p50 %.1f µs, p99 %.1f µs, max %.1f µs (n = %d)%n",
            h.getValueAtPercentile(50) / 1e3,
            h.getValueAtPercentile(99) / 1e3,
            h.getMaxValue() / 1e3,
            h.getTotalCount());
      }

      // 2. lockstep steps per second, beside the in-process simulation
      int steps = 3000;
      double hilRate;
      double transactions;
      {
        Thread.sleep(500);
        HilClient c =
            HilClient.connect(
                uri, cfg.hardware(), new HilClient.Options(true, period, 1_000_000_000L));
        try (RobotRuntime rt = RobotRuntime.startHil(cfg, c, RuntimeEvents.NONE, true)) {
          ControlLoop loop = rt.loop();
          loop.targets().hold(0.3, 0.3);
          loop.requestActivate();
          loop.run(500);
          long r0 = c.requests();
          long t0 = System.nanoTime();
          loop.run(steps);
          hilRate = steps / ((System.nanoTime() - t0) * 1e-9);
          transactions = (c.requests() - r0) / (double) steps;
        }
      }
      Thread.sleep(500);
      double silRate;
      try (RobotRuntime rt = RobotRuntime.start(cfg, true, false, 1, RuntimeEvents.NONE, true)) {
        ControlLoop loop = rt.loop();
        loop.targets().hold(0.3, 0.3);
        loop.requestActivate();
        loop.run(500);
        long t0 = System.nanoTime();
        loop.run(steps);
        silRate = steps / ((System.nanoTime() - t0) * 1e-9);
      }
      System.out.printf(
          Locale.ROOT,
          "lockstep: HIL %.0f steps/s (%.1f frames to the simulator per step), in-process SIL"
              + " %.0f steps/s%n",
          hilRate,
          transactions,
          silRate);

      // 3. real time through a delaying proxy
      System.out.printf(
          Locale.ROOT,
          "real time, %.0f s per row; delay is one way (round trip twice it)%n",
          seconds);
      System.out.println(
          "| delay | steps | overruns | period error p50 / p99 (µs) | step time p50 / p99 (µs) |"
              + " reply p50 / p99 (µs, ≤) | faults | time-outs | final state | speed (m/s, target"
              + " 0.3) |");
      System.out.println("|---|---|---|---|---|---|---|---|---|---|");
      List<Double> delays = new ArrayList<>(List.of(0.0, 0.0002, 0.001));
      for (double d : delays) {
        Thread.sleep(500); // the simulator serves one runtime at a time: let the last one go
        DelayProxy proxy =
            d == 0 ? null : new DelayProxy(new InetSocketAddress("127.0.0.1", port), d);
        String target = proxy == null ? uri : "tcp://127.0.0.1:" + proxy.address().getPort();
        HilClient c =
            HilClient.connect(
                target,
                cfg.hardware(),
                new HilClient.Options(false, period, Math.min(20_000_000L, period)));
        try (RobotRuntime rt = RobotRuntime.startHil(cfg, c, RuntimeEvents.NONE, true)) {
          ControlLoop loop = rt.loop();
          loop.targets().hold(0.3, 0);
          loop.requestActivate();
          loop.run(Math.round(seconds * cfg.runtime().controlRateHz()));
          LoopMetrics m = loop.metrics();
          Histogram pe = m.periodErrorTotal();
          Histogram ct = m.computeTimeTotal();
          System.out.printf(
              Locale.ROOT,
              "| %.1f ms | %d | %d | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %d | %d | %s | %.3f |%n",
              d * 1e3,
              loop.steps(),
              m.get(LoopMetrics.Counter.OVERRUNS),
              pe.getValueAtPercentile(50) / 1e3,
              pe.getValueAtPercentile(99) / 1e3,
              ct.getValueAtPercentile(50) / 1e3,
              ct.getValueAtPercentile(99) / 1e3,
              c.roundTripPercentileMicros(0.5),
              c.roundTripPercentileMicros(0.99),
              m.get(LoopMetrics.Counter.FAULTS),
              c.timeouts(),
              loop.lifecycle().state() + " (" + loop.lifecycle().lastReason() + ")",
              loop.state().forwardSpeed);
        } finally {
          if (proxy != null) {
            proxy.close();
          }
        }
      }
    } finally {
      server.destroy();
      server.waitFor();
    }
    Files.deleteIfExists(Path.of("unused"));
  }
}
