package org.adaptrobot.runtime.telemetry;

/**
 * The MQTT topic scheme, under {@code robots/<robot-id>/}:
 *
 * <ul>
 *   <li>{@code status} — retained; {@code online} with a session counter while connected, {@code
 *       offline} through the will message when the connection drops;
 *   <li>{@code telemetry} — periodic state, action, loop statistics and battery (QoS 0);
 *   <li>{@code events} — lifecycle transitions, faults, safety interventions, adaptation (QoS 1);
 *   <li>{@code cmd/<name>} — commands (QoS 1); the reply goes to the request's MQTT 5 response
 *       topic with its correlation data, or to {@code replies} when the request names none.
 * </ul>
 *
 * Payloads are JSON objects with {@code "schema": 1}.
 */
public final class Topics {

  public static final int SCHEMA = 1;

  private Topics() {}

  public static String base(String robotId) {
    return "robots/" + robotId + "/";
  }

  public static String status(String robotId) {
    return base(robotId) + "status";
  }

  public static String telemetry(String robotId) {
    return base(robotId) + "telemetry";
  }

  public static String events(String robotId) {
    return base(robotId) + "events";
  }

  public static String command(String robotId, String name) {
    return base(robotId) + "cmd/" + name;
  }

  public static String commands(String robotId) {
    return base(robotId) + "cmd/+";
  }

  public static String replies(String robotId) {
    return base(robotId) + "replies";
  }

  /** Home Assistant MQTT discovery topic for one of the robot's sensors. */
  public static String homeAssistant(String robotId, String sensor) {
    return "homeassistant/sensor/" + robotId + "_" + sensor + "/config";
  }
}
