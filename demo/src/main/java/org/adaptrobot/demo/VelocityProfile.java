package org.adaptrobot.demo;

import java.util.SplittableRandom;

/**
 * A scripted velocity profile: a cycle of segments, each holding a forward speed and a yaw rate for
 * a fixed time, repeated for as long as the run lasts. Because it repeats, a window after a change
 * can be compared with the same part of the cycle before it.
 */
public final class VelocityProfile {

  private final double segmentSeconds;
  private final double[] speed;
  private final double[] yawRate;

  /**
   * @param segmentSeconds how long each segment holds
   * @param speed forward speed of each segment, m/s
   * @param yawRate yaw rate of each segment, rad/s
   */
  public VelocityProfile(double segmentSeconds, double[] speed, double[] yawRate) {
    if (!(segmentSeconds > 0) || speed.length == 0 || speed.length != yawRate.length) {
      throw new IllegalArgumentException(
          "a profile needs a positive segment time and as many speeds as yaw rates");
    }
    this.segmentSeconds = segmentSeconds;
    this.speed = speed.clone();
    this.yawRate = yawRate.clone();
  }

  /**
   * The demo's script, a 10 s cycle: straight at 0.25 m/s, a left arc (0.25 m/s, 0.8 rad/s),
   * straight at 0.35 m/s, a right arc (0.25 m/s, −0.8 rad/s), 2.5 s each.
   */
  public static VelocityProfile standard() {
    return new VelocityProfile(
        2.5, new double[] {0.25, 0.25, 0.35, 0.25}, new double[] {0.0, 0.8, 0.0, -0.8});
  }

  /**
   * A cycle of {@code segments} 2.5 s segments drawn from {@code seed}: speed uniform in [0.1, 0.4]
   * m/s, yaw rate uniform in [−1, 1] rad/s (the recovery benchmark's profiles use 4 segments).
   */
  public static VelocityProfile random(long seed, int segments) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[segments];
    double[] w = new double[segments];
    for (int i = 0; i < segments; i++) {
      v[i] = 0.1 + 0.3 * r.nextDouble();
      w[i] = -1 + 2 * r.nextDouble();
    }
    return new VelocityProfile(2.5, v, w);
  }

  /**
   * A demanding cycle of {@code segments} 1.5 s segments from {@code seed}: speeds alternate
   * between slow (U[0.05, 0.15] m/s) and fast (U[0.45, 0.6] m/s), yaw rates U[−2, 2] rad/s — steps
   * that make the wheels slip on a slippery floor.
   */
  public static VelocityProfile aggressive(long seed, int segments) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5A5A5A5AL);
    double[] v = new double[segments];
    double[] w = new double[segments];
    for (int i = 0; i < segments; i++) {
      v[i] = i % 2 == 0 ? 0.05 + 0.1 * r.nextDouble() : 0.45 + 0.15 * r.nextDouble();
      w[i] = -2 + 4 * r.nextDouble();
    }
    return new VelocityProfile(1.5, v, w);
  }

  /** Length of one cycle, s. */
  public double cycleSeconds() {
    return segmentSeconds * speed.length;
  }

  /** The segment in force at time {@code t} (s). */
  public int segment(double t) {
    long k = (long) Math.floor(t / segmentSeconds + 1e-9);
    return (int) Math.floorMod(k, (long) speed.length);
  }

  public double speed(int segment) {
    return speed[segment];
  }

  public double yawRate(int segment) {
    return yawRate[segment];
  }
}
