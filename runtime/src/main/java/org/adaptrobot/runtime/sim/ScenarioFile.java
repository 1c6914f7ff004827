package org.adaptrobot.runtime.sim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.drivers.hardware.SimulatedHardware;
import org.adaptrobot.runtime.config.LineYaml;
import org.adaptrobot.runtime.config.LineYaml.Node;

/**
 * A timeline of changes to the simulated robot, from a YAML file: at given times (seconds of robot
 * time) set physics parameters or inject device faults. Taken by {@code robot demo
 * --scenario-file}, {@code robot run --sim --scenario-file} and the recovery benchmark.
 *
 * <pre>
 * name: weak motor and carpet          # optional
 * events:
 *   - at: 8.0
 *     set: {left_torque_factor: 0.6, payload_kg: 0.8}
 *   - at: 12.0
 *     fault: {device: imu, fault: io_error}
 *   - at: 12.5
 *     fault: {device: imu, fault: none}
 *   - at: 15.0                          # robot sim serve only: the HIL link
 *     link: {delay_ms: 1.0, jitter_ms: 0.5, loss: 0.01}
 *   - at: 20.0
 *     link: {disconnect: true}
 * </pre>
 *
 * Parameters: {@code payload_kg} [0, 20], {@code traction_mu} (0, 2], {@code rolling_resistance}
 * [0, 1], {@code left_torque_factor} and {@code right_torque_factor} [0, 2], {@code battery_soc}
 * [0, 1]; faults on {@code imu}, {@code battery}, {@code pwm}: {@code none}, {@code
 * no_acknowledge}, {@code io_error}, {@code stuck}, {@code noisy}. Link faults ({@code delay_ms}
 * and {@code jitter_ms} [0, 10000] each way, {@code loss} [0, 1] of requests, {@code disconnect})
 * apply to the hardware-in-the-loop link and only {@code robot sim serve} takes them. Every problem
 * is reported with the file, the line and the key.
 */
public final class ScenarioFile {

  /** Physics parameters and their allowed ranges. */
  public static final Map<String, double[]> PARAMETERS;

  static {
    Map<String, double[]> p = new TreeMap<>();
    p.put("payload_kg", new double[] {0, 20});
    p.put("traction_mu", new double[] {1e-3, 2});
    p.put("rolling_resistance", new double[] {0, 1});
    p.put("left_torque_factor", new double[] {0, 2});
    p.put("right_torque_factor", new double[] {0, 2});
    p.put("battery_soc", new double[] {0, 1});
    PARAMETERS = java.util.Collections.unmodifiableMap(p);
  }

  public static final Set<String> DEVICES = Set.of("imu", "battery", "pwm");
  public static final Set<String> FAULTS =
      Set.of("none", "no_acknowledge", "io_error", "stuck", "noisy");

  /**
   * One event.
   *
   * @param atSeconds robot time
   * @param set physics parameter → value (empty when none)
   * @param device the device of a fault, or null
   * @param fault the fault, or null
   * @param line the line in the file
   */
  public record Event(
      double atSeconds, Map<String, Double> set, String device, String fault, Link link, int line) {
    public Event(double atSeconds, Map<String, Double> set, String device, String fault, int line) {
      this(atSeconds, set, device, fault, null, line);
    }
  }

  /**
   * A change of the hardware-in-the-loop link's faults (they replace the previous ones).
   *
   * @param delayMs extra one-way delay, ms
   * @param jitterMs uniform extra delay in [0, jitter], ms
   * @param loss probability that a request is lost
   * @param disconnect drop the connection
   */
  public record Link(double delayMs, double jitterMs, double loss, boolean disconnect) {}

  /** Whether any event changes the link (only the HIL simulator can apply those). */
  public boolean hasLinkEvents() {
    return events.stream().anyMatch(e -> e.link() != null);
  }

  private final String name;
  private final List<Event> events;

  public ScenarioFile(String name, List<Event> events) {
    this.name = name;
    List<Event> sorted = new ArrayList<>(events);
    sorted.sort(Comparator.comparingDouble(Event::atSeconds));
    this.events = List.copyOf(sorted);
  }

  public String name() {
    return name;
  }

  /** The events by time. */
  public List<Event> events() {
    return events;
  }

  /** Time of the first physics change (not a fault), or NaN. */
  public double firstChangeSeconds() {
    for (Event e : events) {
      if (!e.set().isEmpty()) {
        return e.atSeconds();
      }
    }
    return Double.NaN;
  }

  /** Loads and checks a scenario file; every problem names the file, line and key. */
  public static ScenarioFile load(Path file) throws ConfigException {
    String f = file.getFileName().toString();
    Node root = LineYaml.load(file, "a mapping with events:");
    List<String> problems = new ArrayList<>();
    if (!(root.value() instanceof Map<?, ?> top)) {
      throw new ConfigException(
          List.of(f + ":" + root.line() + ": expected a mapping with events:"));
    }
    String name = f;
    List<Event> events = new ArrayList<>();
    for (Map.Entry<?, ?> e : top.entrySet()) {
      String key = (String) e.getKey();
      Node n = (Node) e.getValue();
      switch (key) {
        case "name" -> name = String.valueOf(n.value());
        case "events" -> {
          if (!(n.value() instanceof List<?> list)) {
            problems.add(f + ":" + n.line() + ": events: expected a list of events");
            continue;
          }
          for (int i = 0; i < list.size(); i++) {
            Event ev = event(f, "events[" + i + "]", (Node) list.get(i), problems);
            if (ev != null) {
              events.add(ev);
            }
          }
        }
        default ->
            problems.add(
                f + ":" + n.line() + ": " + key + ": unknown key; expected name or events");
      }
    }
    if (!top.containsKey("events") && problems.isEmpty()) {
      problems.add(f + ":" + root.line() + ": events: is required (a list of events)");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new ScenarioFile(name, events);
  }

  private static Event event(String f, String path, Node n, List<String> problems) {
    if (!(n.value() instanceof Map<?, ?> m)) {
      problems.add(
          f + ":" + n.line() + ": " + path + ": expected a mapping with at: and set: or fault:");
      return null;
    }
    int before = problems.size();
    double at = Double.NaN;
    Map<String, Double> set = new LinkedHashMap<>();
    String device = null;
    String fault = null;
    Link link = null;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String key = (String) e.getKey();
      Node v = (Node) e.getValue();
      String where = f + ":" + v.line() + ": " + path + "." + key;
      switch (key) {
        case "at" -> {
          if (!(v.value() instanceof Double d) || !(d >= 0) || Double.isInfinite(d)) {
            problems.add(where + ": expected seconds >= 0, found " + v.value());
          } else {
            at = d;
          }
        }
        case "set" -> {
          if (!(v.value() instanceof Map<?, ?> params) || params.isEmpty()) {
            problems.add(where + ": expected a mapping of physics parameters to values");
            continue;
          }
          for (Map.Entry<?, ?> pe : params.entrySet()) {
            String pname = (String) pe.getKey();
            Node pv = (Node) pe.getValue();
            String pwhere = f + ":" + pv.line() + ": " + path + ".set." + pname;
            double[] range = PARAMETERS.get(pname);
            if (range == null) {
              problems.add(pwhere + ": unknown parameter; expected one of " + PARAMETERS.keySet());
            } else if (!(pv.value() instanceof Double d) || !(d >= range[0] && d <= range[1])) {
              problems.add(
                  pwhere
                      + ": expected a number in ["
                      + range[0]
                      + ", "
                      + range[1]
                      + "], found "
                      + pv.value());
            } else {
              set.put(pname, d);
            }
          }
        }
        case "fault" -> {
          if (!(v.value() instanceof Map<?, ?> fm)) {
            problems.add(where + ": expected {device: imu|battery|pwm, fault: ...}");
            continue;
          }
          for (Map.Entry<?, ?> fe : fm.entrySet()) {
            String fk = (String) fe.getKey();
            Node fv = (Node) fe.getValue();
            String fwhere = f + ":" + fv.line() + ": " + path + ".fault." + fk;
            String text = String.valueOf(fv.value());
            switch (fk) {
              case "device" -> {
                if (!DEVICES.contains(text)) {
                  problems.add(
                      fwhere
                          + ": expected one of "
                          + new java.util.TreeSet<>(DEVICES)
                          + ", found "
                          + text);
                } else {
                  device = text;
                }
              }
              case "fault" -> {
                if (!FAULTS.contains(text)) {
                  problems.add(
                      fwhere
                          + ": expected one of "
                          + new java.util.TreeSet<>(FAULTS)
                          + ", found "
                          + text);
                } else {
                  fault = text;
                }
              }
              default -> problems.add(fwhere + ": unknown key; expected device or fault");
            }
          }
          if ((device == null || fault == null) && problems.size() == before) {
            problems.add(where + ": needs both device and fault");
          }
        }
        case "link" -> link = link(f, path, where, v, problems);
        default -> problems.add(where + ": unknown key; expected at, set, fault or link");
      }
    }
    if (Double.isNaN(at) && problems.size() == before) {
      problems.add(f + ":" + n.line() + ": " + path + ".at: is required (seconds of robot time)");
    }
    if (set.isEmpty() && fault == null && link == null && problems.size() == before) {
      problems.add(f + ":" + n.line() + ": " + path + ": needs set:, fault: or link:");
    }
    return problems.size() == before ? new Event(at, set, device, fault, link, n.line()) : null;
  }

  private static Link link(String f, String path, String where, Node v, List<String> problems) {
    if (!(v.value() instanceof Map<?, ?> lm) || lm.isEmpty()) {
      problems.add(
          where + ": expected {delay_ms: .., jitter_ms: .., loss: ..} or {disconnect: true}");
      return null;
    }
    int before = problems.size();
    double delay = 0;
    double jitter = 0;
    double loss = 0;
    boolean disconnect = false;
    for (Map.Entry<?, ?> le : lm.entrySet()) {
      String k = (String) le.getKey();
      Node lv = (Node) le.getValue();
      String lwhere = f + ":" + lv.line() + ": " + path + ".link." + k;
      switch (k) {
        case "delay_ms", "jitter_ms" -> {
          if (!(lv.value() instanceof Double d) || !(d >= 0 && d <= 10_000)) {
            problems.add(lwhere + ": expected milliseconds in [0, 10000], found " + lv.value());
          } else if (k.equals("delay_ms")) {
            delay = d;
          } else {
            jitter = d;
          }
        }
        case "loss" -> {
          if (!(lv.value() instanceof Double d) || !(d >= 0 && d <= 1)) {
            problems.add(lwhere + ": expected a probability in [0, 1], found " + lv.value());
          } else {
            loss = d;
          }
        }
        case "disconnect" -> {
          if (!(lv.value() instanceof Boolean b)) {
            problems.add(lwhere + ": expected true or false, found " + lv.value());
          } else {
            disconnect = b;
          }
        }
        default ->
            problems.add(
                lwhere + ": unknown key; expected delay_ms, jitter_ms, loss or disconnect");
      }
    }
    return problems.size() == before ? new Link(delay, jitter, loss, disconnect) : null;
  }

  /**
   * Applies the events of a timeline as robot time passes: {@link #advance} is called every step
   * (on the loop thread; it allocates nothing while no event is due).
   */
  public static final class Player {
    private final List<Event> events;
    private final SimulatedHardware sim;
    private final java.util.function.Consumer<Link> linkTarget;
    private int next;

    public Player(ScenarioFile file, SimulatedHardware sim) {
      this(file, sim, null);
    }

    /**
     * @param linkTarget applies link events (the HIL simulator), or null where there is no link
     */
    public Player(
        ScenarioFile file, SimulatedHardware sim, java.util.function.Consumer<Link> linkTarget) {
      this.events = file.events();
      this.sim = sim;
      this.linkTarget = linkTarget;
    }

    /** Applies every event due at {@code seconds}; returns how many. */
    public int advance(double seconds) {
      int n = 0;
      while (next < events.size() && events.get(next).atSeconds() <= seconds + 1e-9) {
        Event e = events.get(next++);
        for (Map.Entry<String, Double> s : e.set().entrySet()) {
          sim.set(s.getKey(), s.getValue());
        }
        if (e.fault() != null) {
          sim.fault(e.device(), e.fault());
        }
        if (e.link() != null && linkTarget != null) {
          linkTarget.accept(e.link());
        }
        n++;
      }
      return n;
    }
  }
}
