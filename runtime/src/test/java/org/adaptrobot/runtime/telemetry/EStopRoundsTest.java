package org.adaptrobot.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.TrackingControllerBundle;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.metrics.LoopMetrics.Counter;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 rounds of an e-stop immediately followed by another command (reset_estop, set_mode,
 * velocity, load_bundle in turn) from another thread, through the real command path (e-stops and
 * resets on the receiving thread, the rest through the command worker and the bundle loader), while
 * the loop runs flat out on the simulated robot: every e-stop is latched, counted and reported with
 * its own reason. (The loop runs flat out in lockstep here, tens of steps per millisecond, so the
 * requester's own scheduling shows in step counts: the one-period bound is asserted at 100 Hz in
 * {@code EStopPathTest} and step by step in {@code ControlLoopTest}; the latency is printed.)
 */
class EStopRoundsTest {

  @TempDir Path dir;

  @Test
  void everyEStopIsLatchedCountedAndReportedWithItsOwnReason() throws Exception {
    RobotHardware hw = HardwareDescription.load(Path.of("../src/examples/diffbot-hardware.yaml"));
    Path bundle = dir.resolve("bundle");
    TrackingControllerBundle.write(
        bundle, hw.wheelRadiusMetres(), hw.trackWidthMetres(), 0.0022, 100, 0.05);
    Path other = dir.resolve("other");
    TrackingControllerBundle.write(
        other, hw.wheelRadiusMetres(), hw.trackWidthMetres(), 0.003, 100, 0.05);
    Map<String, Integer> reported = new ConcurrentHashMap<>();
    Map<String, String> otherFaults = new ConcurrentHashMap<>();
    RuntimeEvents sink =
        new RuntimeEvents() {
          @Override
          public void fault(String kind, String message) {
            if (kind.equals("e-stop")) {
              reported.merge(message, 1, Integer::sum);
            } else if (!kind.equals("request") && !kind.equals("command_timeout")) {
              otherFaults.put(kind, message); // (a velocity command times out after 0.5 s)
            }
          }
        };
    RuntimeConfig.Settings s = RuntimeConfig.Settings.defaults();
    try (RobotRuntime rt =
        RobotRuntime.start(
            new RuntimeConfig(hw, bundle, s, RuntimeConfig.Telemetry.none()),
            true,
            false,
            1,
            sink,
            true)) {
      AtomicLong replies = new AtomicLong();
      AtomicLong acceptedLoads = new AtomicLong();
      CommandPath path =
          new CommandPath(
              rt,
              new CommandPath.Sink() {
                @Override
                public void reply(Object replyTo, CommandHandler.Reply reply) {
                  replies.incrementAndGet();
                  if (reply.command().equals("load_bundle") && reply.accepted()) {
                    acceptedLoads.incrementAndGet();
                  }
                }

                @Override
                public void event(Map<String, Object> event) {}
              },
              10);
      rt.agents().start(path.worker(), new SleepingIdleStrategy(100_000L));
      rt.agents().start(path.loader(), new SleepingIdleStrategy(100_000L));
      Thread loop = new Thread(() -> rt.loop().run(-1), "loop");
      rt.loop().requestActivate();
      rt.loop().targets().hold(0.2, 0);
      loop.start();
      int rounds = 10_000;
      List<String> followers = List.of("reset_estop", "set_mode", "velocity", "load_bundle");
      List<String> payloads =
          List.of(
              "{}",
              "{\"mode\":\"active\"}",
              "{\"v\":0.1,\"omega\":0}",
              "{\"path\":\"" + other + "\"}");
      Thread requester =
          new Thread(
              () -> {
                for (int i = 0; i < rounds; i++) {
                  path.receive(
                      "estop",
                      ("{\"reason\":\"round " + i + "\"}").getBytes(StandardCharsets.UTF_8),
                      null);
                  int f = i % followers.size();
                  path.receive(
                      followers.get(f), payloads.get(f).getBytes(StandardCharsets.UTF_8), null);
                  if (i % 500 == 499) {
                    // a sender waits for its replies now and then, as the MQTT sender does
                    long want = 2L * (i + 1) - 20;
                    while (replies.get() < want) {
                      Thread.onSpinWait();
                    }
                  }
                }
              },
              "requester");
      requester.start();
      requester.join(60_000);
      MqttProbe.awaitTrue(() -> replies.get() == 2L * rounds, 30, "a reply to every command");
      MqttProbe.awaitTrue(
          () -> rt.loop().metrics().get(Counter.E_STOP) == rounds, 10, "every e-stop counted");
      MqttProbe.awaitTrue(() -> reported.size() == rounds, 10, "every e-stop reported");
      rt.loop().requestShutdown("test over");
      loop.join(5000);

      assertThat(rt.loop().eStopsRequested()).isEqualTo(rounds);
      assertThat(rt.loop().metrics().get(Counter.E_STOP)).isEqualTo(rounds);
      for (int i = 0; i < rounds; i++) {
        assertThat(reported.get("remote: round " + i))
            .as("e-stop %d reported once", i)
            .isEqualTo(1);
      }
      assertThat(rt.loop().eventsLost()).isZero();
      assertThat(otherFaults).isEmpty();
      // the last round's follower was a load_bundle: the e-stop before it is still latched
      assertThat(rt.loop().lifecycle().state()).isEqualTo(LifecycleState.FINALIZED);
      assertThat(rt.loop().lifecycle().eStopLatched()).isTrue();
      System.out.printf(
          "10,000 e-stop rounds: %d commands answered, %d bundles swapped in, e-stop request to"
              + " latch p50 %.1f us, p99 %.1f us, max %.1f us, at most %d step boundaries%n",
          replies.get(),
          acceptedLoads.get(),
          rt.loop().metrics().eStopLatencyTotal().getValueAtPercentile(50) / 1e3,
          rt.loop().metrics().eStopLatencyTotal().getValueAtPercentile(99) / 1e3,
          rt.loop().metrics().eStopLatencyTotal().getMaxValue() / 1e3,
          rt.loop().metrics().eStopMaxSteps());
    }
  }
}
