package org.adaptrobot.demo;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A change of the robot's dynamics applied mid-run, as simulation parameters of {@link
 * org.adaptrobot.drivers.hardware.SimulatedHardware#set}. The robot starts nominal: battery at 90
 * %, no payload, hard floor (μ 0.8, rolling resistance 0.02), both motors healthy.
 */
public enum ChangeScenario {
  MOTOR_PAYLOAD(
      "motor-payload",
      "left motor loses 40 % of its torque and a 0.8 kg payload is added",
      Map.of("left_torque_factor", 0.6, "payload_kg", 0.8)),
  BATTERY_SAG("battery-sag", "battery drops to 30 % charge", Map.of("battery_soc", 0.3)),
  PAYLOAD("payload", "a 0.8 kg payload is added", Map.of("payload_kg", 0.8)),
  FRICTION(
      "friction",
      "the floor turns slippery and draggy (μ 0.3, rolling resistance 0.045)",
      Map.of("traction_mu", 0.3, "rolling_resistance", 0.045)),
  WEAK_MOTOR(
      "weak-motor", "left motor loses 40 % of its torque", Map.of("left_torque_factor", 0.6)),
  HELD_OUT(
      "held-out",
      "held out from training: left motor at 50 %, 1.2 kg payload, battery at 30 %",
      Map.of("left_torque_factor", 0.5, "payload_kg", 1.2, "battery_soc", 0.3));

  private final String id;
  private final String description;
  private final Map<String, Double> parameters;

  ChangeScenario(String id, String description, Map<String, Double> parameters) {
    this.id = id;
    this.description = description;
    this.parameters = new TreeMap<>(parameters);
  }

  /** The name on the command line. */
  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /** Simulation parameter → value after the change. */
  public Map<String, Double> parameters() {
    return java.util.Collections.unmodifiableMap(parameters);
  }

  /** The robot before any change: the simulation's nominal parameters. */
  public static final Map<String, Double> NOMINAL =
      Map.of(
          "battery_soc", 0.9,
          "payload_kg", 0.0,
          "traction_mu", 0.8,
          "rolling_resistance", 0.02,
          "left_torque_factor", 1.0,
          "right_torque_factor", 1.0);

  /**
   * The change scaled by {@code size}: each parameter moves {@code size} times as far from its
   * nominal value (1: the named change; 0.75 to 1.25 in the recovery benchmark, drawn per seed),
   * kept within the simulation's bounds.
   */
  public Map<String, Double> parameters(double size) {
    Map<String, Double> m = new TreeMap<>();
    for (Map.Entry<String, Double> e : parameters.entrySet()) {
      double nominal = NOMINAL.getOrDefault(e.getKey(), e.getValue());
      double v = nominal + size * (e.getValue() - nominal);
      if (e.getKey().equals("battery_soc") || e.getKey().endsWith("_factor")) {
        v = Math.max(0.05, Math.min(1.0, v));
      }
      m.put(e.getKey(), Math.max(0.0, v));
    }
    return m;
  }

  /** True when the change should be driven with a profile that makes the wheels slip. */
  public boolean needsAggressiveProfile() {
    return this == FRICTION;
  }

  /** The scenario with this command-line name. */
  public static ChangeScenario byId(String id) {
    for (ChangeScenario s : values()) {
      if (s.id.equals(id.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    StringBuilder known = new StringBuilder();
    for (ChangeScenario s : values()) {
      known.append(known.isEmpty() ? "" : ", ").append(s.id);
    }
    throw new IllegalArgumentException("unknown scenario '" + id + "'; expected one of " + known);
  }
}
