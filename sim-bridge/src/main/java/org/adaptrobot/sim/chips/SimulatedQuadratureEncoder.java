package org.adaptrobot.sim.chips;

import java.util.SplittableRandom;
import org.adaptrobot.sim.pi4j.SimClock;
import org.adaptrobot.sim.pi4j.SimulatedPi;

/**
 * A quadrature encoder on two simulated GPIO inputs, driven by a shaft angle. When the shaft moves
 * from one angle to another over a time step, every edge in between is scheduled at the time the
 * shaft (moving at constant speed over the step) crosses it, so drivers that time edges see the
 * right periods. Forward is A leading B (AB = 00 → 10 → 11 → 01). Edges can be dropped with a given
 * probability: the line level still changes, but no event reaches the Pi.
 */
public final class SimulatedQuadratureEncoder {

  private static final int[] SEQUENCE = {0b00, 0b10, 0b11, 0b01};

  private final SimulatedPi pi;
  private final SimClock clock;
  private final int pinA;
  private final int pinB;
  private final int countsPerRevolution;
  private final SplittableRandom random;
  private long count;
  private double angle;
  private long angleNanos;
  private double dropProbability;

  /** The eight possible edges (line, level, noticed or not), made once so scheduling is free. */
  private final Runnable[] edges = new Runnable[8];

  public SimulatedQuadratureEncoder(
      SimulatedPi pi, int pinA, int pinB, int countsPerRevolution, long seed) {
    this.pi = pi;
    this.clock = pi.clock();
    this.pinA = pinA;
    this.pinB = pinB;
    this.countsPerRevolution = countsPerRevolution;
    this.random = new SplittableRandom(seed);
    this.angleNanos = clock.nowNanos();
    for (int e = 0; e < 8; e++) {
      int pin = (e & 4) != 0 ? pinA : pinB;
      boolean level = (e & 2) != 0;
      boolean notify = (e & 1) != 0;
      edges[e] = () -> pi.driveInput(pin, level, notify);
    }
    pi.driveInput(pinA, false);
    pi.driveInput(pinB, false);
  }

  /** Probability that an edge goes unnoticed by the Pi (fault injection). */
  public void dropEdges(double probability) {
    this.dropProbability = probability;
  }

  public long count() {
    return count;
  }

  /**
   * Moves the shaft to {@code angleRad}, reached at {@code atNanos} (≥ now), scheduling the edges
   * in between on the simulation clock. They fire as the clock advances.
   */
  public void moveTo(double angleRad, long atNanos) {
    long target = (long) Math.floor(angleRad / (2 * Math.PI) * countsPerRevolution);
    double startAngle = angle;
    long startNanos = angleNanos;
    double countsPerRad = countsPerRevolution / (2 * Math.PI);
    while (count != target) {
      long next = count + (target > count ? 1 : -1);
      // the boundary crossed between count and next, in radians
      double boundary = Math.max(count, next) / countsPerRad;
      double fraction =
          angleRad == startAngle ? 1.0 : (boundary - startAngle) / (angleRad - startAngle);
      fraction = Math.max(0.0, Math.min(1.0, fraction));
      long when = startNanos + Math.round(fraction * (atNanos - startNanos));
      int before = SEQUENCE[Math.floorMod(count, 4)];
      int after = SEQUENCE[Math.floorMod(next, 4)];
      boolean lineA = ((before ^ after) & 0b10) != 0;
      boolean level = lineA ? (after & 0b10) != 0 : (after & 0b01) != 0;
      boolean notify = dropProbability == 0 || random.nextDouble() >= dropProbability;
      clock.schedule(when, edges[(lineA ? 4 : 0) + (level ? 2 : 0) + (notify ? 1 : 0)]);
      count = next;
    }
    angle = angleRad;
    angleNanos = atNanos;
  }
}
