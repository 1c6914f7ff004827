package org.adaptrobot.runtime.observation;

import org.adaptrobot.drivers.Health;
import org.adaptrobot.drivers.hardware.RobotHardware;
import org.adaptrobot.drivers.hardware.RobotIo;

/**
 * The robot's state as the controller sees it, derived from one sensor read: wheel speeds, forward
 * speed and yaw rate (gyro when fitted, else encoders), odometry, battery, and how fresh each
 * reading is. Plain fields, updated in place by the loop.
 */
public final class RobotState {

  private final double wheelRadius;
  private final double trackWidth;
  private final boolean hasImu;
  private final boolean hasBattery;

  /** Wheel speeds, rad/s. */
  public double wheelLeft;

  public double wheelRight;

  /** Forward speed, m/s. */
  public double forwardSpeed;

  /** Yaw rate, rad/s. */
  public double yawRate;

  /** Forward specific force, m/s². */
  public double accelX;

  /** Odometry pose since start: m, m, rad. */
  public double x;

  public double y;
  public double heading;
  public double batteryVolts = Double.NaN;
  public double batteryAmps = Double.NaN;

  /** Age of the oldest sensor reading that should be fresh, ns. */
  public long oldestReadingAgeNanos;

  /** Name of that sensor, for messages. */
  public String oldestReading = "";

  /** True when a sensor reports FAILED health. */
  public boolean sensorFailed;

  private long lastUpdateNanos = Long.MIN_VALUE;

  public RobotState(RobotHardware hardware) {
    this.wheelRadius = hardware.wheelRadiusMetres();
    this.trackWidth = hardware.trackWidthMetres();
    this.hasImu = hardware.first(RobotHardware.ChipType.MPU6050).isPresent();
    this.hasBattery = hardware.first(RobotHardware.ChipType.INA219).isPresent();
  }

  /** Derives the state from a sensor read taken at {@code nowNanos}. */
  public void update(RobotIo.SensorReadings r, RobotIo io, long nowNanos) {
    update(
        r,
        hasImu && io.imu().health() == Health.FAILED,
        hasBattery && io.battery().health() == Health.FAILED,
        nowNanos);
  }

  /**
   * Updates from readings whose devices' health is given (a replay of recorded readings).
   *
   * @param imuFailed the IMU driver reports failed health
   * @param batteryFailed the battery monitor reports failed health
   */
  public void update(
      RobotIo.SensorReadings r, boolean imuFailed, boolean batteryFailed, long nowNanos) {
    wheelLeft = r.left.velocityRadps;
    wheelRight = r.right.velocityRadps;
    forwardSpeed = wheelRadius * 0.5 * (wheelLeft + wheelRight);
    double encoderYaw = wheelRadius * (wheelRight - wheelLeft) / trackWidth;
    oldestReadingAgeNanos = 0;
    oldestReading = "";
    sensorFailed = false;
    age("left encoder", r.left.timestampNanos, nowNanos);
    age("right encoder", r.right.timestampNanos, nowNanos);
    if (hasImu) {
      yawRate = r.imu.angularRateRadps[2];
      accelX = r.imu.accelerationMps2[0];
      age("imu", r.imu.timestampNanos, nowNanos);
      sensorFailed |= imuFailed;
    } else {
      yawRate = encoderYaw;
    }
    if (hasBattery) {
      batteryVolts = r.battery.busVolts;
      batteryAmps = r.battery.currentAmps;
      age("battery monitor", r.battery.timestampNanos, nowNanos);
      sensorFailed |= batteryFailed;
    }
    if (lastUpdateNanos != Long.MIN_VALUE) {
      double dt = (nowNanos - lastUpdateNanos) * 1e-9;
      double mid = heading + 0.5 * dt * encoderYaw;
      x += dt * forwardSpeed * Math.cos(mid);
      y += dt * forwardSpeed * Math.sin(mid);
      heading += dt * encoderYaw;
    }
    lastUpdateNanos = nowNanos;
  }

  private void age(String sensor, long stamp, long now) {
    long a = stamp == Long.MIN_VALUE ? Long.MAX_VALUE : now - stamp;
    if (a > oldestReadingAgeNanos) {
      oldestReadingAgeNanos = a;
      oldestReading = sensor;
    }
  }
}
