package org.adaptrobot.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.adaptrobot.demo.ChangeScenario;
import org.adaptrobot.demo.VelocityProfile;
import org.adaptrobot.runtime.RobotRuntime;
import org.adaptrobot.runtime.adaptation.AdaptationEvent;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.loop.RuntimeEvents;

/**
 * On-robot policy-gradient adaptation on the simulated robot, round by round: the bundle drives a
 * random velocity profile through the unchanged runtime (lockstep), the robot changes at 20 s, and
 * the operator's {@code adaptation trigger} starts a round 5 s later (so the figure measures the
 * round, not the detector; the recovery benchmark measures detection). Reported per bundle, change
 * and seed: the decision, the paired evaluation (return per 1 s rollout with the step against the
 * parameters in use), the time from the change to the decision, and the tracking error |v − v*| +
 * 0.1|ω − ω*| (mean over a window) of the unchanged robot (10–20 s), of the changed robot before
 * the round (20–25 s: the meta-trained policy), and over the 10 s after the decision; the time from
 * the trigger to the decision.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.adaptrobot.benchmarks.PolicyGradientRounds \
 *     [seeds] [bundle ...]
 * </pre>
 */
public final class PolicyGradientRounds {

  public static void main(String[] args) throws Exception {
    int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    List<String> bundles =
        args.length > 1
            ? Arrays.asList(args).subList(1, args.length)
            : List.of("bundles/diffdrive-maml-rl", "bundles/diffdrive-promp");
    RuntimeConfig base = RuntimeConfig.load(Path.of("src/examples/diffbot-demo.yaml"));
    System.out.println(
        "| bundle | change | seed | decision | return with step / in use | trigger → decision |"
            + " error unchanged | error changed, meta-trained | error after decision | same window,"
            + " not adapting |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    List<double[]> summary = new ArrayList<>();
    for (String b : bundles) {
      for (ChangeScenario c :
          List.of(
              ChangeScenario.WEAK_MOTOR,
              ChangeScenario.MOTOR_PAYLOAD,
              ChangeScenario.BATTERY_SAG,
              ChangeScenario.HELD_OUT)) {
        int accepted = 0;
        double sumChanged = 0;
        double sumAfter = 0;
        double sumDecision = 0;
        double sumFixed = 0;
        for (int seed = 1; seed <= seeds; seed++) {
          double[] r = run(base, Path.of(b), c, seed, true, Double.NaN);
          // the counterfactual: the same seed without adaptation, over the same window
          double[] f = run(base, Path.of(b), c, seed, false, r[3] + 25);
          sumFixed += f[6];
          accepted += r[0] > 0 ? 1 : 0;
          sumDecision += r[3];
          sumChanged += r[5];
          sumAfter += r[6];
          System.out.printf(
              Locale.ROOT,
              "| %s | %s | %d | %s | %.3f / %.3f | %.1f s | %.4f | %.4f | %.4f | %.4f |%n",
              Path.of(b).getFileName(),
              c.id(),
              seed,
              r[0] > 0 ? "accepted" : r[0] == 0 ? "rejected" : "none",
              r[1],
              r[2],
              r[3],
              r[4],
              r[5],
              r[6],
              f[6]);
        }
        summary.add(
            new double[] {accepted, sumDecision / seeds, sumChanged / seeds, sumAfter / seeds});
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | all | %d/%d accepted | | %.1f s mean | | %.4f mean | %.4f mean | %.4f mean"
                + " |%n",
            Path.of(b).getFileName(),
            c.id(),
            accepted,
            seeds,
            sumDecision / seeds,
            sumChanged / seeds,
            sumAfter / seeds,
            sumFixed / seeds);
      }
    }
  }

  /**
   * {decision (1 accepted, 0 rejected, −1 none), return with step, return in use, seconds from the
   * change to the decision, error unchanged, error changed before the round, error after}.
   */
  static double[] run(
      RuntimeConfig base,
      Path bundle,
      ChangeScenario change,
      long seed,
      boolean adapt,
      double windowStart)
      throws Exception {
    double rate = 50;
    RuntimeConfig cfg =
        new RuntimeConfig(
            base.hardware(),
            bundle,
            base.runtime().withControlRate(rate),
            RuntimeConfig.Telemetry.none());
    List<AdaptationEvent> events = new CopyOnWriteArrayList<>();
    RuntimeEvents sink =
        new RuntimeEvents() {
          @Override
          public void adaptation(AdaptationEvent e) {
            events.add(e);
          }
        };
    VelocityProfile profile = VelocityProfile.random(seed, 4);
    double changeAt = 20;
    double[] out = {-1, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0};
    try (RobotRuntime rt = RobotRuntime.start(cfg, true, false, seed, sink, adapt)) {
      ControlLoop loop = rt.loop();
      loop.requestActivate();
      double unchanged = 0;
      int nUnchanged = 0;
      double changed = 0;
      int nChanged = 0;
      double after = 0;
      int nAfter = 0;
      double decidedAt = Double.NaN;
      int steps = (int) Math.round(120 * rate);
      for (int i = 0; i < steps; i++) {
        double t = i / rate;
        int s = profile.segment(t);
        double v = profile.speed(s);
        double w = profile.yawRate(s);
        loop.targets().hold(v, w);
        if (i == Math.round(changeAt * rate)) {
          for (var e : change.parameters().entrySet()) {
            rt.simulation().set(e.getKey(), e.getValue());
          }
        }
        if (i == Math.round((changeAt + 5) * rate)) {
          rt.adaptation().control().trigger();
        }
        loop.run(1);
        double err =
            Math.abs(rt.simulation().truth("forward_speed") - v)
                + 0.1 * Math.abs(rt.simulation().truth("yaw_rate") - w);
        if (t >= 10 && t < changeAt) {
          unchanged += err;
          nUnchanged++;
        } else if (t >= changeAt && t < changeAt + 5) {
          changed += err;
          nChanged++;
        }
        if (!adapt) {
          // the counterfactual run: only the window after the adaptive run's decision
          if (t >= windowStart && t < windowStart + 10) {
            after += err;
            nAfter++;
          } else if (t >= windowStart + 10) {
            break;
          }
          continue;
        }
        if (Double.isNaN(decidedAt)) {
          for (AdaptationEvent e : events) {
            if ((e.kind().equals("accepted") || e.kind().equals("rejected"))
                && e.transitions() / rate >= changeAt) {
              decidedAt = t;
              out[0] = e.kind().equals("accepted") ? 1 : 0;
              out[1] = -e.lossAfter();
              out[2] = -e.lossBefore();
              out[3] = t - changeAt - 5;
            }
          }
        } else if (t < decidedAt + 10) {
          after += err;
          nAfter++;
        } else {
          break;
        }
      }
      out[4] = unchanged / Math.max(1, nUnchanged);
      out[5] = nChanged == 0 ? Double.NaN : changed / nChanged;
      out[6] = nAfter == 0 ? Double.NaN : after / nAfter;
    }
    return out;
  }
}
