package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.runtime.control.MpcController;
import org.adaptrobot.runtime.control.MpcControllerTest;
import org.junit.jupiter.api.Test;

/**
 * The engine on the linear plant of {@link MpcControllerTest} in lockstep: the plant loses 40 % of
 * its gain at step 400; the meta-trained model knows the old gain.
 */
class AdaptationEngineTest {

  static final Mlp NET = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);

  record Outcome(List<AdaptationEvent> events, double offsetAfter, long detectedAfter) {}

  /** The engine both tests run: adapt on a detected change, 20 steps at rate 0.8. */
  static AdaptationEngine engine(
      TransitionRing ring, double[] meta, MpcController mpc, List<AdaptationEvent> events) {
    return new AdaptationEngine(
        ring,
        NET,
        meta,
        new boolean[] {false, true},
        new AdaptationEngine.Settings(
            0.8, 20, 40, 20, AdaptationEngine.Trigger.ON_CHANGE, 10, 0.5, 10),
        mpc,
        new ChangeDetector.Settings(100, 0.05, 1.0, 40, 10),
        events::add);
  }

  static Outcome run(boolean adapt, int corruptFrom, boolean nanData, long seed) {
    double[] meta = MpcControllerTest.linearModel(NET, 2.0);
    MpcController mpc = MpcControllerTest.mpc(NET, meta);
    TransitionRing ring = new TransitionRing(256, 2, 1);
    List<AdaptationEvent> events = new ArrayList<>();
    AdaptationEngine engine = engine(ring, meta, mpc, events);
    engine.enabled(adapt);
    SplittableRandom r = new SplittableRandom(seed);
    double x = 0;
    double[] obs = new double[2];
    double[] u = new double[1];
    double gain = 2.0;
    double errorSum = 0;
    int errorCount = 0;
    long detected = -1;
    for (int step = 0; step < 1200; step++) {
      if (step == 400) {
        gain = 1.2;
      }
      double target = (step / 150) % 2 == 0 ? 1.0 : 0.4;
      obs[0] =
          (x + 0.002 * r.nextGaussian() - MpcControllerTest.MEAN[0]) / MpcControllerTest.STD[0];
      obs[1] = target;
      mpc.compute(obs, u);
      if (step >= corruptFrom && step < corruptFrom + 40) {
        double[] bad = {nanData ? Double.NaN : 50 * r.nextGaussian(), target};
        ring.write(step, bad, u);
      } else {
        ring.write(step, obs, u);
      }
      x += 0.1 * (-x + gain * u[0]);
      if (step % 5 == 4) {
        int before = events.size();
        engine.poll();
        if (detected < 0 && step >= 400) {
          for (int i = before; i < events.size(); i++) {
            if (events.get(i).kind().equals("change_detected")) {
              detected = step - 400;
            }
          }
        }
      }
      if (step >= 1050 && step % 150 >= 100) {
        errorSum += Math.abs(x - target);
        errorCount++;
      }
    }
    return new Outcome(events, errorSum / errorCount, detected);
  }

  static long count(List<AdaptationEvent> events, String kind) {
    return events.stream().filter(e -> e.kind().equals(kind)).count();
  }

  @Test
  void detectsTheChangeAdaptsAndTracksBetterThanWithoutAdaptation() {
    for (long seed = 1; seed <= 3; seed++) {
      Outcome adaptive = run(true, -100, false, seed);
      Outcome fixed = run(false, -100, false, seed);
      assertThat(count(adaptive.events(), "change_detected")).isPositive();
      assertThat(adaptive.detectedAfter()).as("steps to detection").isBetween(0L, 100L);
      assertThat(count(adaptive.events(), "accepted")).isPositive();
      assertThat(adaptive.offsetAfter()).isLessThan(0.5 * fixed.offsetAfter());
      AdaptationEvent accepted =
          adaptive.events().stream().filter(e -> e.kind().equals("accepted")).findFirst().get();
      assertThat(accepted.lossAfter()).isLessThan(accepted.lossBefore());
      assertThat(accepted.updateNorm()).isLessThanOrEqualTo(0.5);
    }
  }

  @Test
  void noChangeIsDeclaredWhileTheDynamicsStayTheSame() {
    // the plant never changes: run only the first 400 steps' regime for longer
    double[] meta = MpcControllerTest.linearModel(NET, 2.0);
    MpcController mpc = MpcControllerTest.mpc(NET, meta);
    TransitionRing ring = new TransitionRing(256, 2, 1);
    List<AdaptationEvent> events = new ArrayList<>();
    AdaptationEngine engine = engine(ring, meta, mpc, events);
    SplittableRandom r = new SplittableRandom(11);
    double x = 0;
    double[] obs = new double[2];
    double[] u = new double[1];
    for (int step = 0; step < 20_000; step++) {
      double target = (step / 150) % 2 == 0 ? 1.0 : 0.4;
      obs[0] = (x + 0.002 * r.nextGaussian() - 0.5) / 2;
      obs[1] = target;
      mpc.compute(obs, u);
      ring.write(step, obs, u);
      x += 0.1 * (-x + 2.0 * u[0]);
      if (step % 5 == 4) {
        engine.poll();
      }
    }
    assertThat(count(events, "change_detected")).isZero();
    assertThat(count(events, "accepted")).isZero();
  }

  @Test
  void corruptedSupportDataIsRejectedOnTheHeldOutSliceAndNonFiniteDataRollsBack() {
    // 40 garbage observations written right after the change: whatever adaptation sees them
    // must not be accepted while they sit in the support window
    Outcome garbage = run(true, 420, false, 5);
    for (AdaptationEvent e : garbage.events()) {
      if (e.kind().equals("accepted")) {
        assertThat(e.lossAfter()).isLessThan(e.lossBefore());
      }
    }
    assertThat(count(garbage.events(), "rejected") + count(garbage.events(), "rolled_back"))
        .isPositive();
    Outcome nan = run(true, 420, true, 5);
    assertThat(nan.events())
        .anySatisfy(
            e -> {
              assertThat(e.kind()).isEqualTo("rolled_back");
              assertThat(e.reason()).contains("not finite");
            });
  }
}
