package org.adaptrobot.sim.physics;

/**
 * A Li-ion pack: open-circuit voltage from state of charge (a per-cell curve times the cells in
 * series), an internal resistance, and a capacity that the drawn current drains.
 */
public final class Battery {

  /** Per-cell open-circuit voltage at state of charge 0, 0.1, ..., 1.0 (typical NMC 18650). */
  private static final double[] CELL_VOLTS = {
    3.00, 3.45, 3.55, 3.62, 3.68, 3.74, 3.80, 3.88, 3.96, 4.06, 4.20
  };

  private final int cellsInSeries;
  private final double capacityAmpHours;
  private double internalResistanceOhms;
  private double stateOfCharge;

  public Battery(
      int cellsInSeries,
      double capacityAmpHours,
      double internalResistanceOhms,
      double stateOfCharge) {
    this.cellsInSeries = cellsInSeries;
    this.capacityAmpHours = capacityAmpHours;
    this.internalResistanceOhms = internalResistanceOhms;
    stateOfCharge(stateOfCharge);
  }

  /** The reference robot's 2S 2.5 Ah pack with 0.15 Ω (cells, wiring and connector). */
  public static Battery referencePack(double stateOfCharge) {
    return new Battery(2, 2.5, 0.15, stateOfCharge);
  }

  public double stateOfCharge() {
    return stateOfCharge;
  }

  public void stateOfCharge(double soc) {
    if (!(soc >= 0 && soc <= 1)) {
      throw new IllegalArgumentException("state of charge must be in [0, 1], got " + soc);
    }
    this.stateOfCharge = soc;
  }

  public double internalResistanceOhms() {
    return internalResistanceOhms;
  }

  public void internalResistanceOhms(double ohms) {
    this.internalResistanceOhms = ohms;
  }

  /** Open-circuit voltage of the pack, V (linear between the curve's points). */
  public double openCircuitVolts() {
    double x = stateOfCharge * 10.0;
    int k = Math.min(9, (int) x);
    double f = x - k;
    return cellsInSeries * (CELL_VOLTS[k] + f * (CELL_VOLTS[k + 1] - CELL_VOLTS[k]));
  }

  /** Terminal voltage while {@code amps} flow out, V. */
  public double terminalVolts(double amps) {
    return openCircuitVolts() - internalResistanceOhms * amps;
  }

  /** Removes the charge {@code amps · seconds}; the state of charge stops at zero. */
  public void drain(double amps, double seconds) {
    stateOfCharge = Math.max(0.0, stateOfCharge - amps * seconds / (3600.0 * capacityAmpHours));
  }
}
