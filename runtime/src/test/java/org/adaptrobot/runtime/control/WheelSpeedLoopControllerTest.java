package org.adaptrobot.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.adaptrobot.models.bundle.Manifest;
import org.junit.jupiter.api.Test;

/** The wheel-speed loop under a body-velocity policy, against the law written out by hand. */
class WheelSpeedLoopControllerTest {

  static final double R = 0.0325;
  static final double B = 0.15;
  static final double KP = 0.08;
  static final double KI = 1.6;
  static final double HZ = 50;

  /** A policy that commands what it is told (the law under test is the loop, not the policy). */
  static final class Commanded implements PolicyController {
    double v;
    double w;
    int resets;

    @Override
    public int observationSize() {
      return 6;
    }

    @Override
    public int actionSize() {
      return 2;
    }

    @Override
    public void compute(double[] observation, double[] action) {
      action[0] = v;
      action[1] = w;
    }

    @Override
    public void reset() {
      resets++;
    }

    @Override
    public void publish(double[] parameters) {}

    @Override
    public double[] parameters() {
      return new double[0];
    }

    @Override
    public void close() {}
  }

  /** Observation [v_target, omega_target, wheel_left, wheel_right, prev_left, prev_right]. */
  static Manifest manifest() {
    List<String> names =
        List.of("v_target", "omega_target", "wheel_left", "wheel_right", "prev_left", "prev_right");
    double[] mean = {0, 0, 5, 5, 0, 0};
    double[] std = {1, 1, 10, 10, 1, 1};
    return new Manifest(
        Manifest.FORMAT_VERSION,
        "loop",
        "",
        new Manifest.ObservationSpec(
            names,
            List.of("m/s", "rad/s", "rad/s", "rad/s", "1", "1"),
            new double[] {-5, -20, -200, -200, -1, -1},
            new double[] {5, 20, 200, 200, 1, 1},
            mean,
            std),
        new Manifest.ActionSpec(
            Manifest.BODY_VELOCITY,
            List.of("m/s", "rad/s"),
            new double[] {-0.5, -2},
            new double[] {0.5, 2},
            new double[] {0.02, 0.1}),
        HZ,
        Map.of(),
        Manifest.AdaptationSpec.none(),
        new Manifest.Provenance("test", Map.of(), 0, "test", Map.of(), "2026-01-01T00:00:00Z"),
        Map.of(),
        new Manifest.WheelSpeedLoop(
            R,
            B,
            KP,
            KI,
            new Manifest.ActionSpec(
                Manifest.WHEEL_DUTIES,
                List.of("1", "1"),
                new double[] {-1, -1},
                new double[] {1, 1},
                new double[] {0.1, 0.1})));
  }

  /** The normalised observation for raw wheel speeds and applied duties. */
  static double[] obs(double wl, double wr, double pl, double pr) {
    return new double[] {0, 0, (wl - 5) / 10, (wr - 5) / 10, pl, pr};
  }

  @Test
  void oneStepThenTheNextAreTheVelocityFormPiOnTheKinematicTargets() {
    Commanded policy = new Commanded();
    WheelSpeedLoopController c = new WheelSpeedLoopController(policy, manifest());
    policy.v = 0.3;
    policy.w = 0.5;
    double[] u = new double[2];
    // first step: the command ramps from rest by the rate limits (0.02 m/s, 0.1 rad/s)
    c.compute(obs(1.0, 2.0, 0.1, 0.2), u);
    double v1 = 0.02;
    double w1 = 0.1;
    double tl1 = (v1 - w1 * B / 2) / R;
    double tr1 = (v1 + w1 * B / 2) / R;
    double el1 = tl1 - 1.0;
    double er1 = tr1 - 2.0;
    // no previous error yet: only the integral term moves the duty
    assertThat(u[0]).isCloseTo(0.1 + KI / HZ * el1, within(1e-12));
    assertThat(u[1]).isCloseTo(0.2 + KI / HZ * er1, within(1e-12));
    assertThat(c.lastCommand()).containsExactly(v1, w1);
    // second step: the command ramps on; the proportional term acts on the change of error
    c.compute(obs(1.5, 2.5, 0.12, 0.21), u);
    double v2 = 0.04;
    double w2 = 0.2;
    double el2 = (v2 - w2 * B / 2) / R - 1.5;
    double er2 = (v2 + w2 * B / 2) / R - 2.5;
    assertThat(u[0]).isCloseTo(0.12 + KP * (el2 - el1) + KI / HZ * el2, within(1e-12));
    assertThat(u[1]).isCloseTo(0.21 + KP * (er2 - er1) + KI / HZ * er2, within(1e-12));
  }

  @Test
  void theCommandIsBoundedAndANonFiniteOneReachesTheSafetyLayerAsANonFiniteDuty() {
    Commanded policy = new Commanded();
    WheelSpeedLoopController c = new WheelSpeedLoopController(policy, manifest());
    double[] u = new double[2];
    policy.v = 9;
    policy.w = -9;
    for (int i = 0; i < 100; i++) {
      c.compute(obs(0, 0, 0, 0), u);
    }
    assertThat(c.lastCommand()).containsExactly(0.5, -2.0);
    policy.v = Double.NaN;
    c.compute(obs(0, 0, 0, 0), u);
    assertThat(u[0]).isNaN();
    assertThat(u[1]).isNaN();
    assertThat(c.lastCommand()).as("kept from before the fault").containsExactly(0.5, -2.0);
    policy.v = 0.5;
    c.compute(obs(0, 0, 0, 0), u);
    assertThat(Double.isFinite(u[0]) && Double.isFinite(u[1])).isTrue();
    // after a reset (a stop) the command ramps from rest again, and the policy is reset too
    c.reset();
    assertThat(policy.resets).isEqualTo(1);
    c.compute(obs(0, 0, 0, 0), u);
    assertThat(c.lastCommand()).containsExactly(0.02, -0.1);
  }

  @Test
  void aStepAllocatesNothing() {
    Commanded policy = new Commanded();
    WheelSpeedLoopController c = new WheelSpeedLoopController(policy, manifest());
    policy.v = 0.3;
    policy.w = 0.5;
    double[] u = new double[2];
    double[] o = obs(1, 2, 0, 0);
    for (int i = 0; i < 20_000; i++) {
      c.compute(o, u); // warm up
    }
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 10_000; i++) {
      c.compute(o, u);
    }
    assertThat((threads.getThreadAllocatedBytes(id) - before) / 10_000.0).isLessThan(1.0);
  }
}
