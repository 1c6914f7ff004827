package org.adaptrobot.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.adaptrobot.demo.ChangeScenario;
import org.adaptrobot.demo.ScenarioRun;
import org.adaptrobot.demo.VelocityProfile;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.PiWheelSpeedBundle;

/**
 * Tunes the PI wheel-speed baseline the way an engineer would, on the simulated robot through the
 * runtime: a grid over K_p and K_i, each pair scored by the mean tracking error over three random
 * velocity profiles (seeds 101–103, never the benchmark's seeds 1–20) on the nominal robot plus the
 * same profiles with the left motor at 60 % and 0.8 kg (so that the gains are not tuned to the
 * nominal robot alone), at the rate and rate limits of the learned controllers (50 Hz, 0.1 duty per
 * step). Writes the best as {@code bundles/pi-wheel-speed}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.PiTuning [--out DIR]
 * </pre>
 */
public final class PiTuning {

  public static void main(String[] args) throws Exception {
    Path out =
        Path.of(args.length > 1 && args[0].equals("--out") ? args[1] : "bundles/pi-wheel-speed");
    RuntimeConfig loaded = RuntimeConfig.load(Path.of("src/examples/diffbot-demo.yaml"));
    RobotHardware hw = loaded.hardware();
    double rate = 50;
    double maxChange = 0.1;
    double[] kps = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32};
    double[] kis = {0.2, 0.4, 0.8, 1.6, 3.2, 6.4};
    Path dir = Files.createTempDirectory("pi-tuning");
    double best = Double.POSITIVE_INFINITY;
    double bestKp = 0;
    double bestKi = 0;
    System.out.println("K_p \\ K_i  " + java.util.Arrays.toString(kis));
    for (double kp : kps) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-9s", kp));
      for (double ki : kis) {
        Path b = dir.resolve("pi-" + kp + "-" + ki);
        PiWheelSpeedBundle.write(
            b, hw.wheelRadiusMetres(), hw.trackWidthMetres(), kp, ki, rate, maxChange, Map.of());
        RuntimeConfig cfg =
            new RuntimeConfig(
                hw, b, loaded.runtime().withControlRate(rate), RuntimeConfig.Telemetry.none());
        double sum = 0;
        int n = 0;
        for (long seed = 101; seed <= 103; seed++) {
          for (double changeAt : new double[] {100, 0}) { // nominal; changed from the start
            ScenarioRun r =
                new ScenarioRun(
                    new ScenarioRun.Options(
                        cfg,
                        ChangeScenario.MOTOR_PAYLOAD,
                        VelocityProfile.random(seed, 4),
                        seed,
                        15,
                        changeAt,
                        ScenarioRun.Controller.FIXED,
                        null,
                        false));
            r.run(null);
            sum += r.trace().meanError(2.5, 15);
            n++;
          }
        }
        double score = sum / n;
        line.append(String.format(Locale.ROOT, " %.4f", score));
        if (score < best) {
          best = score;
          bestKp = kp;
          bestKi = ki;
        }
      }
      System.out.println(line);
    }
    Map<String, Object> how = new LinkedHashMap<>();
    how.put(
        "tuning",
        "grid K_p x K_i, mean tracking error (m/s) over seeds 101-103, nominal and motor-payload,"
            + " 15 s runs at 50 Hz");
    how.put("tuning_error_m_s", best);
    how.put(
        "command", "java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.PiTuning");
    PiWheelSpeedBundle.write(
        out, hw.wheelRadiusMetres(), hw.trackWidthMetres(), bestKp, bestKi, rate, maxChange, how);
    System.out.printf(
        Locale.ROOT,
        "best: K_p %s, K_i %s (mean error %.4f m/s); written %s%n",
        bestKp,
        bestKi,
        best,
        out);
  }
}
