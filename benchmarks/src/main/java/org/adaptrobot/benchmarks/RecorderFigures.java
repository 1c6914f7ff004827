package org.adaptrobot.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.cli.RobotCommand;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;
import org.adaptrobot.runtime.record.FlightRecorder;

/**
 * The flight recorder's cost and output, on the simulated robot at wall-clock pace (the loop as on
 * the robot): step time p50/p99 and period error p99 without and with recording (alternating, two
 * rounds each), bytes allocated on the loop thread per step while recording, MCAP bytes per minute,
 * and the replay speed of the recording.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.RecorderFigures [config] [seconds]
 * </pre>
 */
public final class RecorderFigures {

  public static void main(String[] args) throws Exception {
    Path cfgFile = Path.of(args.length > 0 ? args[0] : "src/examples/diffbot-sim.yaml");
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 15;
    RuntimeConfig cfg = RuntimeConfig.load(cfgFile);
    Path dir = Files.createTempDirectory("recorder-figures");
    long steps = Math.round(seconds * cfg.runtime().controlRateHz());
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Histogram[] compute = {new Histogram(3), new Histogram(3)};
    Histogram[] period = {new Histogram(3), new Histogram(3)};
    long[] allocated = new long[2];
    long[] allocatedSteps = new long[2];
    Path last = null;
    for (int round = -1; round < 4; round++) { // round -1 warms the JIT up, unmeasured
      boolean recording = round % 2 != 0;
      try (RobotRuntime rt = RobotRuntime.start(cfg, true, true, 1, RuntimeEvents.NONE, true)) {
        ControlLoop loop = rt.loop();
        FlightRecorder rec = null;
        Path file = dir.resolve("round" + round + ".mcap");
        if (recording) {
          rec = new FlightRecorder(file, rt.bundle().manifest(), 8192, false, rt.agents());
          rec.then(loop.stepListener());
          loop.stepListener(rec);
          last = file;
        }
        loop.targets().hold(0.3, 0.5);
        loop.requestActivate();
        loop.run(200); // warm-up, not measured
        loop.metrics().computeTimeInterval(); // empties the interval histograms (allocates)
        loop.metrics().periodErrorInterval();
        long a0 = threads.getCurrentThreadAllocatedBytes();
        loop.run(steps);
        long a1 = threads.getCurrentThreadAllocatedBytes();
        if (round >= 0) {
          int k = recording ? 1 : 0;
          compute[k].add(loop.metrics().computeTimeInterval());
          period[k].add(loop.metrics().periodErrorInterval());
          allocated[k] += a1 - a0;
          allocatedSteps[k] += steps;
        }
        if (rec != null) {
          loop.shutdown("done");
          rec.close();
          if (rec.dropped() > 0) {
            System.out.println("round " + round + ": " + rec.dropped() + " steps dropped");
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s at %.0f Hz, wall-clock pace, 2 x %.0f s each%n",
        cfgFile,
        cfg.runtime().controlRateHz(),
        seconds);
    System.out.println(
        "| | step time p50 (µs) | p99 (µs) | period error p99 (µs) | loop thread bytes/step |");
    System.out.println("|---|---|---|---|---|");
    for (int k = 0; k < 2; k++) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f | %.1f | %.1f | %.2f |%n",
          k == 0 ? "without recording" : "recording",
          compute[k].getValueAtPercentile(50) / 1e3,
          compute[k].getValueAtPercentile(99) / 1e3,
          period[k].getValueAtPercentile(99) / 1e3,
          allocated[k] / (double) allocatedSteps[k]);
    }
    System.out.println(
        "(bytes/step: everything the loop thread allocated, the simulated robot it advances"
            + " included)");
    long size = Files.size(last);
    System.out.printf(
        Locale.ROOT,
        "MCAP: %d bytes for %.0f s (+ warm-up) = %.1f MB per minute at %.0f Hz%n",
        size,
        seconds,
        size / ((steps + 200) / cfg.runtime().controlRateHz()) * 60 / 1e6,
        cfg.runtime().controlRateHz());
    Path json = dir.resolve("replay.json");
    var cl = RobotCommand.commandLine();
    cl.setOut(new java.io.PrintWriter(java.io.Writer.nullWriter()));
    int code =
        cl.execute(
            "replay", last.toString(), "--config", cfgFile.toString(), "--json", json.toString());
    JsonNode r = new ObjectMapper().readTree(json.toFile());
    System.out.printf(
        Locale.ROOT,
        "replay: %d steps in %.3f s = %.0f steps/s (%.0fx real time), %d differing (exit %d)%n",
        r.get("steps").asLong(),
        r.get("replay_seconds").asDouble(),
        r.get("steps_per_second").asDouble(),
        r.get("steps_per_second").asDouble() / cfg.runtime().controlRateHz(),
        r.get("steps_differing").asLong(),
        code);
  }
}
