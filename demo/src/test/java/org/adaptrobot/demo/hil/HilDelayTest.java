package org.adaptrobot.demo.hil;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;
import org.adaptrobot.drivers.hil.HilClient;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.metrics.LoopMetrics;
import org.adaptrobot.sim.hil.DelayProxy;
import org.junit.jupiter.api.Test;

/**
 * Network delay between the Pi and the simulator, and its effect on the real-time loop: 0.2 ms (a
 * LAN) and 1 ms each way. With tc netem where the kernel has it; otherwise (this machine) a proxy
 * that delays every byte.
 */
class HilDelayTest {

  static String netemUnavailable() {
    try {
      Process p =
          new ProcessBuilder(
                  "sh",
                  "-c",
                  "ip netns add hil-delay-probe && ip -n hil-delay-probe link set lo up && ip netns"
                      + " exec hil-delay-probe tc qdisc add dev lo root netem delay 1ms; r=$?; ip"
                      + " netns del hil-delay-probe 2>/dev/null; exit $r")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      return p.waitFor() == 0 ? null : out.isEmpty() ? "exit " + p.exitValue() : out;
    } catch (Exception e) {
      return e.getMessage();
    }
  }

  @Test
  void delayOnTheLinkShowsInTheLoopsStepTimeAndOverruns() throws Exception {
    String why = netemUnavailable();
    System.out.println(
        why == null
            ? "tc netem is available, but the test delays with its proxy (one code path on every"
                + " machine)"
            : "tc netem unavailable (" + why + "): delaying with a proxy in the test");
    RuntimeConfig cfg = RuntimeConfig.load(Path.of(SimServer.CONFIG));
    long period = cfg.runtime().periodNanos();
    try (SimServer server = SimServer.start()) {
      System.out.println(
          "| one-way delay | steps | overruns | step time p50 / p99 (ms) | period error p99 (ms) | final state |");
      System.out.println("|---|---|---|---|---|---|");
      for (double delay : new double[] {0.0002, 0.001}) {
        server.awaitSessionEnd(0);
        try (DelayProxy proxy =
            new DelayProxy(new InetSocketAddress("127.0.0.1", server.port), delay)) {
          HilClient link =
              HilClient.connect(
                  "tcp://127.0.0.1:" + proxy.address().getPort(),
                  cfg.hardware(),
                  new HilClient.Options(false, period, 20_000_000L));
          long requestsBefore;
          ControlLoop loop;
          Histogram ct;
          long overruns;
          try (RobotRuntime rt = RobotRuntime.startHil(cfg, link, RuntimeEvents.NONE, true)) {
            loop = rt.loop();
            loop.targets().hold(0.2, 0);
            loop.requestActivate();
            requestsBefore = link.requests();
            loop.run(300);
            LoopMetrics m = loop.metrics();
            ct = m.computeTimeTotal();
            overruns = m.get(LoopMetrics.Counter.OVERRUNS);
            System.out.printf(
                java.util.Locale.ROOT,
                "| %.1f ms | %d | %d | %.2f / %.2f | %.2f | %s |%n",
                delay * 1e3,
                loop.steps(),
                overruns,
                ct.getValueAtPercentile(50) / 1e6,
                ct.getValueAtPercentile(99) / 1e6,
                m.periodErrorTotal().getValueAtPercentile(99) / 1e6,
                loop.lifecycle().state());
          }
          server.awaitSessionEnd(delay < 0.0005 ? 1 : 2);
          // a step reads the IMU and the battery monitor (3 transfers) and sets two PWM channels,
          // each waiting for its reply: at least 5 round trips of twice the delay
          assertThat(ct.getValueAtPercentile(50))
              .isGreaterThanOrEqualTo((long) (5 * 2 * delay * 1e9));
          if (delay >= 0.001) {
            assertThat(overruns).isPositive(); // 10 ms of waiting cannot fit a 10 ms period
          }
          assertThat(link.requests() - requestsBefore).isGreaterThan(300 * 5);
        }
      }
    }
  }
}
