package org.adaptrobot.sim.chips;

import org.adaptrobot.sim.pi4j.SimClock;
import org.adaptrobot.sim.pi4j.SimulatedPi;

/**
 * An HC-SR04 on simulated GPIO: at the falling edge of the trigger pulse it waits for its eight 40
 * kHz cycles to go out, raises ECHO, and lowers it after the sound's round trip to the target.
 * Beyond 4 m, or while silenced, no echo comes.
 */
public final class SimulatedHcSr04 {

  /** Delay between the trigger and the echo's rising edge (burst transmission), ns. */
  public static final long BURST_NANOS = 200_000;

  public static final double MAX_RANGE_METRES = 4.0;

  private final SimulatedPi pi;
  private final SimClock clock;
  private final int echoPin;
  private final double speedOfSound;
  private volatile double distanceMetres = 1.0;
  private volatile boolean silent;

  public SimulatedHcSr04(SimulatedPi pi, int triggerPin, int echoPin, double temperatureCelsius) {
    this.pi = pi;
    this.clock = pi.clock();
    this.echoPin = echoPin;
    this.speedOfSound = 331.3 + 0.606 * temperatureCelsius;
    pi.driveInput(echoPin, false);
    pi.watchOutput(
        triggerPin,
        high -> {
          if (!high) {
            triggered();
          }
        });
  }

  /** Distance to the nearest target in the beam, m. */
  public void distance(double metres) {
    this.distanceMetres = metres;
  }

  /** A silent sensor never answers (unplugged ECHO, broken transducer). */
  public void silent(boolean on) {
    this.silent = on;
  }

  private void triggered() {
    double d = distanceMetres;
    if (silent || !(d > 0) || d > MAX_RANGE_METRES) {
      return;
    }
    long rise = clock.nowNanos() + BURST_NANOS;
    long fall = rise + Math.round(2 * d / speedOfSound * 1e9);
    clock.schedule(rise, () -> pi.driveInput(echoPin, true));
    clock.schedule(fall, () -> pi.driveInput(echoPin, false));
  }
}
