package org.adaptrobot.sim.physics;

/**
 * Planar dynamics of a two-wheel differential-drive robot: two DC gear motors fed from a battery
 * through H-bridges, wheels that grip or slip on the floor, and viscous plus Coulomb rolling
 * resistance.
 *
 * <p>Each sub-step is a linearly implicit (backward) Euler step in the velocities: the motors'
 * back-EMF damping, the wheels' reflected inertia, rolling resistance near standstill and the
 * no-slip constraints are solved together, so the step is stable for any control rate from 50 Hz to
 * 1 kHz. A wheel grips while the traction it needs stays within μ·N and slips (with traction μ·N
 * against the slip) otherwise, until the slip reverses. Sub-steps are at most {@link
 * #MAX_SUBSTEP_SECONDS} long. Nothing allocates after construction.
 */
public final class DiffDrivePhysics {

  public static final double GRAVITY = 9.80665;
  public static final double MAX_SUBSTEP_SECONDS = 0.002;

  /** Below this speed (m/s at the rim or contact) Coulomb friction is a stiff linear damper. */
  static final double STICTION_SPEED = 0.005;

  /** What an H-bridge does with one motor. */
  public enum BridgeMode {
    /** Average terminal voltage duty × battery voltage (duty signed). */
    DRIVE,
    /** Terminals shorted: the back-EMF drives a braking current. */
    BRAKE,
    /** Terminals open: no current. */
    COAST
  }

  /**
   * Physical parameters; those a task distribution varies are marked.
   *
   * @param wheelRadius m
   * @param trackWidth distance between the wheels' contact points, m
   * @param baseMass robot without payload, kg
   * @param payloadMass added mass at the centre (task), kg
   * @param baseYawInertia kg·m²
   * @param payloadRadiusOfGyration m
   * @param wheelInertia reflected inertia of wheel, gearbox and rotor at the output shaft, kg·m²
   * @param traction friction coefficient μ between tyre and floor (task: low is slippery)
   * @param rollingResistance Coulomb rolling-resistance coefficient (task: high is carpet)
   * @param viscousDrag N·s/m on forward speed
   * @param viscousYawDrag N·m·s/rad on yaw rate
   * @param leftTorqueFactor fraction of its torque the left motor still delivers (task)
   * @param rightTorqueFactor same for the right motor (task)
   * @param logicCurrent Pi and electronics, A
   */
  public record Parameters(
      double wheelRadius,
      double trackWidth,
      double baseMass,
      double payloadMass,
      double baseYawInertia,
      double payloadRadiusOfGyration,
      double wheelInertia,
      double traction,
      double rollingResistance,
      double viscousDrag,
      double viscousYawDrag,
      double leftTorqueFactor,
      double rightTorqueFactor,
      double logicCurrent) {

    /** The reference robot on a hard floor, no payload, healthy motors. */
    public static Parameters reference() {
      return new Parameters(
          0.0325, 0.150, 1.2, 0.0, 0.008, 0.05, 1.5e-4, 0.8, 0.02, 0.3, 0.005, 1.0, 1.0, 0.4);
    }

    public double mass() {
      return baseMass + payloadMass;
    }

    public double yawInertia() {
      return baseYawInertia + payloadMass * payloadRadiusOfGyration * payloadRadiusOfGyration;
    }

    public Parameters withPayload(double kg) {
      return new Parameters(
          wheelRadius,
          trackWidth,
          baseMass,
          kg,
          baseYawInertia,
          payloadRadiusOfGyration,
          wheelInertia,
          traction,
          rollingResistance,
          viscousDrag,
          viscousYawDrag,
          leftTorqueFactor,
          rightTorqueFactor,
          logicCurrent);
    }

    public Parameters withFloor(double mu, double rolling) {
      return new Parameters(
          wheelRadius,
          trackWidth,
          baseMass,
          payloadMass,
          baseYawInertia,
          payloadRadiusOfGyration,
          wheelInertia,
          mu,
          rolling,
          viscousDrag,
          viscousYawDrag,
          leftTorqueFactor,
          rightTorqueFactor,
          logicCurrent);
    }

    public Parameters withTorqueFactors(double left, double right) {
      return new Parameters(
          wheelRadius,
          trackWidth,
          baseMass,
          payloadMass,
          baseYawInertia,
          payloadRadiusOfGyration,
          wheelInertia,
          traction,
          rollingResistance,
          viscousDrag,
          viscousYawDrag,
          left,
          right,
          logicCurrent);
    }
  }

  private final DcMotor motor;
  private final Battery battery;
  private Parameters p;

  // State
  private double x;
  private double y;
  private double heading;
  private double v;
  private double omega;
  private final double[] wheelSpeed = new double[2];
  private final double[] wheelAngle = new double[2];
  private final int[] slip = new int[2]; // 0 grip, ±1 slipping with traction of that sign
  private double forwardAcceleration;
  private double batteryCurrent;
  private double batteryVolts;
  private final double[] motorCurrent = new double[2];

  // Inputs
  private final BridgeMode[] mode = {BridgeMode.COAST, BridgeMode.COAST};
  private final double[] duty = new double[2];

  // Scratch for the general solve
  private final double[][] m = new double[6][7];
  private final double[] sol = new double[6];
  private final double[] a = new double[2];
  private final double[] c = new double[2];

  public DiffDrivePhysics(Parameters parameters, DcMotor motor, Battery battery) {
    this.p = parameters;
    this.motor = motor;
    this.battery = battery;
    this.batteryVolts = battery.openCircuitVolts();
  }

  public Parameters parameters() {
    return p;
  }

  /** Changes parameters from the next step on (a payload added, a motor weakening). */
  public void parameters(Parameters parameters) {
    this.p = parameters;
  }

  public Battery battery() {
    return battery;
  }

  public DcMotor motor() {
    return motor;
  }

  /** Puts the robot at rest at a pose. */
  public void reset(double x0, double y0, double heading0) {
    x = x0;
    y = y0;
    heading = heading0;
    v = 0;
    omega = 0;
    forwardAcceleration = 0;
    for (int k = 0; k < 2; k++) {
      wheelSpeed[k] = 0;
      wheelAngle[k] = 0;
      slip[k] = 0;
      motorCurrent[k] = 0;
    }
    batteryCurrent = 0;
    batteryVolts = battery.openCircuitVolts();
  }

  /** Sets what the H-bridge does with motor {@code side} (0 left, 1 right). */
  public void bridge(int side, BridgeMode bridgeMode, double signedDuty) {
    mode[side] = bridgeMode;
    duty[side] = Math.max(-1.0, Math.min(1.0, signedDuty));
  }

  /** Drives both motors with signed duties in [−1, 1]. */
  public void drive(double left, double right) {
    bridge(0, BridgeMode.DRIVE, left);
    bridge(1, BridgeMode.DRIVE, right);
  }

  /** Advances by {@code seconds} in equal sub-steps of at most 2 ms. */
  public void advance(double seconds) {
    int n = Math.max(1, (int) Math.ceil(seconds / MAX_SUBSTEP_SECONDS - 1e-9));
    double h = seconds / n;
    for (int i = 0; i < n; i++) {
      substep(h);
    }
  }

  private void substep(double h) {
    double r = p.wheelRadius();
    double halfTrack = 0.5 * p.trackWidth();
    double mass = p.mass();
    double inertia = p.yawInertia();
    double j = p.wheelInertia();
    double normal = 0.5 * mass * GRAVITY;
    double maxTraction = p.traction() * normal;
    double res = motor.resistanceOhms();
    double kt = motor.torqueConstant();
    double ke = motor.backEmfConstant();

    // Battery terminal voltage with this sub-step's drive currents (explicit in wheel speed).
    double rb = battery.internalResistanceOhms();
    double num = battery.openCircuitVolts() - rb * p.logicCurrent();
    double den = 1.0;
    for (int k = 0; k < 2; k++) {
      if (mode[k] == BridgeMode.DRIVE) {
        num += rb * duty[k] * ke * wheelSpeed[k] / res;
        den += rb * duty[k] * duty[k] / res;
      }
    }
    double vt = num / den;

    // Motor torque τ_k = a_k − c_k·ω_k(new) at the output shaft.
    for (int k = 0; k < 2; k++) {
      double factor = k == 0 ? p.leftTorqueFactor() : p.rightTorqueFactor();
      double ak;
      double ck;
      switch (mode[k]) {
        case DRIVE -> {
          ak = factor * kt * duty[k] * vt / res;
          ck = factor * kt * ke / res;
        }
        case BRAKE -> {
          ak = 0;
          ck = factor * kt * ke / res;
        }
        default -> {
          ak = 0;
          ck = 0;
        }
      }
      double w = wheelSpeed[k];
      double stictionSpeed = STICTION_SPEED / r;
      if (Math.abs(w) > stictionSpeed) {
        ak -= motor.frictionTorque() * Math.signum(w);
      } else {
        ck += motor.frictionTorque() / stictionSpeed;
      }
      a[k] = ak;
      c[k] = ck;
    }

    // Rolling resistance: viscous plus Coulomb, linear (implicit) near standstill.
    double coulomb = p.rollingResistance() * mass * GRAVITY;
    double fc0;
    double cvt = p.viscousDrag();
    if (Math.abs(v) > STICTION_SPEED) {
      fc0 = coulomb * Math.signum(v);
    } else {
      fc0 = 0;
      cvt += coulomb / STICTION_SPEED;
    }
    // Scrubbing torque when turning on the spot: the same friction at the wheels' contact points.
    double tc0;
    double ctw = p.viscousYawDrag();
    double turnStiction = STICTION_SPEED / halfTrack;
    if (Math.abs(omega) > turnStiction) {
      tc0 = coulomb * halfTrack * Math.signum(omega);
    } else {
      tc0 = 0;
      ctw += coulomb * halfTrack / turnStiction;
    }

    double dl = c[0] + j / h;
    double dr = c[1] + j / h;
    double el = a[0] + j * wheelSpeed[0] / h;
    double er = a[1] + j * wheelSpeed[1] / h;

    double newV;
    double newW;
    double wl;
    double wr;
    double fl;
    double fr;
    boolean solved = false;
    if (slip[0] == 0 && slip[1] == 0) {
      // Both wheels grip: ω_L = (V − bW/2)/r, ω_R = (V + bW/2)/r gives a 2 × 2 system.
      double r2 = r * r;
      double a11 = mass / h + (dl + dr) / r2 + cvt;
      double a12 = halfTrack * (dr - dl) / r2;
      double b1 = mass * v / h + (el + er) / r - fc0;
      double a22 = inertia / h + halfTrack * halfTrack * (dl + dr) / r2 + ctw;
      double a21 = halfTrack * (dr - dl) / r2;
      double b2 = inertia * omega / h + halfTrack * (er - el) / r - tc0;
      double det = a11 * a22 - a12 * a21;
      newV = (b1 * a22 - a12 * b2) / det;
      newW = (a11 * b2 - a21 * b1) / det;
      wl = (newV - halfTrack * newW) / r;
      wr = (newV + halfTrack * newW) / r;
      fl = (el - dl * wl) / r;
      fr = (er - dr * wr) / r;
      if (Math.abs(fl) <= maxTraction && Math.abs(fr) <= maxTraction) {
        solved = true;
      } else {
        if (Math.abs(fl) > maxTraction) {
          slip[0] = fl > 0 ? 1 : -1;
        }
        if (Math.abs(fr) > maxTraction) {
          slip[1] = fr > 0 ? 1 : -1;
        }
      }
    } else {
      newV = newW = wl = wr = fl = fr = 0;
    }
    for (int iteration = 0; !solved && iteration < 4; iteration++) {
      general(h, r, halfTrack, mass, inertia, maxTraction, dl, dr, el, er, cvt, fc0, ctw, tc0);
      newV = sol[0];
      newW = sol[1];
      wl = sol[2];
      wr = sol[3];
      fl = sol[4];
      fr = sol[5];
      boolean changed = false;
      for (int k = 0; k < 2; k++) {
        double force = k == 0 ? fl : fr;
        if (slip[k] == 0 && Math.abs(force) > maxTraction * (1 + 1e-9)) {
          slip[k] = force > 0 ? 1 : -1;
          changed = true;
        } else if (slip[k] != 0) {
          double contact = k == 0 ? newV - halfTrack * newW : newV + halfTrack * newW;
          double slipSpeed = r * (k == 0 ? wl : wr) - contact;
          if (slipSpeed * slip[k] <= 0) {
            slip[k] = 0; // the slip has stopped or reversed: the tyre grips again
            changed = true;
          }
        }
      }
      solved = !changed;
    }

    forwardAcceleration = (newV - v) / h;
    v = newV;
    omega = newW;
    wheelSpeed[0] = wl;
    wheelSpeed[1] = wr;
    double midHeading = heading + 0.5 * h * omega;
    x += h * v * Math.cos(midHeading);
    y += h * v * Math.sin(midHeading);
    heading += h * omega;
    wheelAngle[0] += h * wl;
    wheelAngle[1] += h * wr;

    double drawn = p.logicCurrent();
    for (int k = 0; k < 2; k++) {
      double i =
          switch (mode[k]) {
            case DRIVE -> (duty[k] * vt - ke * wheelSpeed[k]) / res;
            case BRAKE -> -ke * wheelSpeed[k] / res;
            default -> 0.0;
          };
      motorCurrent[k] = i;
      if (mode[k] == BridgeMode.DRIVE) {
        drawn += duty[k] * i;
      }
    }
    batteryCurrent = drawn;
    batteryVolts = battery.terminalVolts(drawn);
    battery.drain(Math.max(0.0, drawn), h);
  }

  /** Unknowns [V, W, ω_L, ω_R, F_L, F_R] with each wheel gripping or slipping. */
  private void general(
      double h,
      double r,
      double halfTrack,
      double mass,
      double inertia,
      double maxTraction,
      double dl,
      double dr,
      double el,
      double er,
      double cvt,
      double fc0,
      double ctw,
      double tc0) {
    for (double[] row : m) {
      java.util.Arrays.fill(row, 0.0);
    }
    m[0][0] = mass / h + cvt;
    m[0][4] = -1;
    m[0][5] = -1;
    m[0][6] = mass * v / h - fc0;
    m[1][1] = inertia / h + ctw;
    m[1][4] = halfTrack;
    m[1][5] = -halfTrack;
    m[1][6] = inertia * omega / h - tc0;
    m[2][2] = dl;
    m[2][4] = r;
    m[2][6] = el;
    m[3][3] = dr;
    m[3][5] = r;
    m[3][6] = er;
    for (int k = 0; k < 2; k++) {
      double[] row = m[4 + k];
      if (slip[k] == 0) {
        row[0] = 1;
        row[1] = k == 0 ? -halfTrack : halfTrack;
        row[2 + k] = -r;
      } else {
        row[4 + k] = 1;
        row[6] = slip[k] * maxTraction;
      }
    }
    solve(m, sol);
  }

  /** Gaussian elimination with partial pivoting on an n × (n + 1) augmented matrix. */
  static void solve(double[][] a, double[] out) {
    int n = out.length;
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int row = col + 1; row < n; row++) {
        if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
          pivot = row;
        }
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      for (int row = col + 1; row < n; row++) {
        double f = a[row][col] / a[col][col];
        if (f != 0) {
          for (int k = col; k <= n; k++) {
            a[row][k] -= f * a[col][k];
          }
        }
      }
    }
    for (int row = n - 1; row >= 0; row--) {
      double s = a[row][n];
      for (int k = row + 1; k < n; k++) {
        s -= a[row][k] * out[k];
      }
      out[row] = s / a[row][row];
    }
  }

  // ---------------------------------------------------------------- state

  /** Position x in the world frame, m. */
  public double x() {
    return x;
  }

  /** Position y in the world frame, m. */
  public double y() {
    return y;
  }

  /** Heading, rad (counter-clockwise from the x axis). */
  public double heading() {
    return heading;
  }

  /** Forward speed, m/s. */
  public double forwardSpeed() {
    return v;
  }

  /** Yaw rate, rad/s. */
  public double yawRate() {
    return omega;
  }

  /** Output-shaft (wheel) speed of motor {@code side}, rad/s. */
  public double wheelSpeed(int side) {
    return wheelSpeed[side];
  }

  /** Wheel angle since reset, rad. */
  public double wheelAngle(int side) {
    return wheelAngle[side];
  }

  /** True while wheel {@code side} slips. */
  public boolean slipping(int side) {
    return slip[side] != 0;
  }

  /** Forward acceleration over the last sub-step, m/s². */
  public double forwardAcceleration() {
    return forwardAcceleration;
  }

  /** Current drawn from the battery, A. */
  public double batteryCurrent() {
    return batteryCurrent;
  }

  /** Battery terminal voltage, V. */
  public double batteryVolts() {
    return batteryVolts;
  }

  /** What the H-bridge of motor {@code side} does. */
  public BridgeMode bridgeMode(int side) {
    return mode[side];
  }

  /** Signed duty of motor {@code side} (meaningful in {@link BridgeMode#DRIVE}). */
  public double bridgeDuty(int side) {
    return duty[side];
  }

  /** Armature current of motor {@code side}, A. */
  public double motorCurrent(int side) {
    return motorCurrent[side];
  }
}
