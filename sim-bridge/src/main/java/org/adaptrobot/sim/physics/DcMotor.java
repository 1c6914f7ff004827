package org.adaptrobot.sim.physics;

/**
 * A permanent-magnet DC gear motor seen at its output shaft, the standard model with the armature
 * inductance neglected (its time constant is well below a millisecond): i = (V − K_e·ω) / R, τ =
 * K_t·i − τ_f·sign(ω). Constants follow from a datasheet: R = V_rated / I_stall, K_t = τ_stall /
 * I_stall, K_e = (V_rated − I_free·R) / ω_free, τ_f = K_t·I_free (gearbox and brush friction).
 *
 * @param resistanceOhms armature resistance R, Ω
 * @param torqueConstant K_t at the output shaft (gearbox efficiency included), N·m/A
 * @param backEmfConstant K_e at the output shaft, V·s/rad
 * @param frictionTorque Coulomb friction τ_f at the output shaft, N·m
 */
public record DcMotor(
    double resistanceOhms, double torqueConstant, double backEmfConstant, double frictionTorque) {

  /** Builds the constants from the four numbers a gear-motor datasheet gives. */
  public static DcMotor fromDatasheet(
      double ratedVolts,
      double stallTorqueNm,
      double stallAmps,
      double freeSpeedRadps,
      double freeAmps) {
    double r = ratedVolts / stallAmps;
    double kt = stallTorqueNm / stallAmps;
    double ke = (ratedVolts - freeAmps * r) / freeSpeedRadps;
    return new DcMotor(r, kt, ke, kt * freeAmps);
  }

  /**
   * Pololu-class 100:1 HP micro metal gear motor at 6 V: stall 0.216 N·m at 1.6 A, 320 rpm free at
   * 0.1 A. The reference robot's motor.
   */
  public static DcMotor referenceGearMotor() {
    return fromDatasheet(6.0, 0.216, 1.6, 320 * 2 * Math.PI / 60, 0.1);
  }

  /** Armature current at a terminal voltage and shaft speed, A. */
  public double current(double volts, double speedRadps) {
    return (volts - backEmfConstant * speedRadps) / resistanceOhms;
  }

  /**
   * Steady-state speed (rad/s) and current (A) under a constant load torque (N·m, opposing forward
   * motion) at a constant voltage, turning forward: K_t·i = τ_load + τ_f, ω = (V − R·i) / K_e.
   */
  public double[] steadyState(double volts, double loadTorqueNm) {
    double i = (loadTorqueNm + frictionTorque) / torqueConstant;
    return new double[] {(volts - resistanceOhms * i) / backEmfConstant, i};
  }
}
