package org.adaptrobot.runtime.observation;

import java.util.ArrayList;
import java.util.List;
import org.adaptrobot.models.bundle.Manifest.ActionSpec;
import org.adaptrobot.models.bundle.Manifest.ObservationSpec;
import org.adaptrobot.runtime.targets.Targets;

/**
 * Builds the policy's input from the robot state as the bundle's manifest describes it: each named
 * observation comes from a signal, optionally delayed ({@code v@t-2} is the forward speed two steps
 * ago: history stacking), is clipped to its physical bounds and normalised with the manifest's mean
 * and standard deviation. Signals: {@code v, omega, v_target, omega_target, wheel_left,
 * wheel_right, battery_volts, battery_amps, accel_x, prev_<action>} for each action name, {@code
 * reward} (the tracking reward of the last step), {@code goal_x, goal_y} (waypoint in the body
 * frame). Everything is resolved when the pipeline is built; {@link #build} allocates nothing.
 */
public final class ObservationPipeline {

  /** A name that does not correspond to any signal. */
  public static final class UnknownSignalException extends IllegalArgumentException {
    public UnknownSignalException(String message) {
      super(message);
    }
  }

  private static final String[] BASE = {
    "v",
    "omega",
    "v_target",
    "omega_target",
    "wheel_left",
    "wheel_right",
    "battery_volts",
    "battery_amps",
    "accel_x",
    "reward",
    "goal_x",
    "goal_y"
  };

  private final int size;
  private static final int EXTRA_ACTION = 0;
  private static final int EXTRA_REWARD = 1;
  private static final int EXTRA_DONE = 2;
  private final int[] extras;
  private final int extraWidth;
  private final int[] signal;
  private final int[] lag;
  private final double[] low;
  private final double[] high;
  private final double[] mean;
  private final double[] invStd;
  private final int signalCount;
  private final int historyLength;
  private final double[] history; // [historyLength][signalCount], ring
  private int head;
  private int filled;
  private final double[] current;
  private final org.adaptrobot.models.bundle.RewardSpec.Evaluator reward;
  private final double[] prevPrev;

  /**
   * @throws UnknownSignalException naming every observation name that is not a signal
   */
  public ObservationPipeline(ObservationSpec spec, ActionSpec actions) {
    this(spec, actions, org.adaptrobot.models.bundle.RewardSpec.standard());
  }

  /**
   * @param reward the reward the {@code reward} signal reports (the bundle's reward spec)
   */
  public ObservationPipeline(
      ObservationSpec spec, ActionSpec actions, org.adaptrobot.models.bundle.RewardSpec reward) {
    this(spec, actions, reward, List.of());
  }

  /**
   * The pipeline a bundle's policy graph reads: its observation, followed by the extra inputs of a
   * recurrent policy (RL²) where it has them.
   */
  public static ObservationPipeline forPolicy(org.adaptrobot.models.bundle.Manifest m) {
    var graph = m.graphs().get(org.adaptrobot.models.bundle.Manifest.POLICY);
    List<String> extras =
        graph != null
                && graph.architecture()
                    instanceof org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture g
            ? g.extraInputs()
            : List.of();
    return new ObservationPipeline(m.observation(), m.actuators(), m.rewardOrStandard(), extras);
  }

  /**
   * @param extraInputs a recurrent policy's inputs after the observation ({@link
   *     org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture#EXTRA_INPUTS}): the action
   *     applied in the last step, the reward of the last action, and the episode-done flag (always
   *     0: a robot drives one continuous episode). On the first build after {@link #reset} the
   *     previous action and reward read 0, as at the start of a trial in training.
   */
  public ObservationPipeline(
      ObservationSpec spec,
      ActionSpec actions,
      org.adaptrobot.models.bundle.RewardSpec reward,
      List<String> extraInputs) {
    List<String> names = new ArrayList<>(List.of(BASE));
    for (String a : actions.names()) {
      names.add("prev_" + a);
    }
    signalCount = names.size();
    size = spec.size();
    extras = new int[extraInputs.size()];
    int width = 0;
    for (int i = 0; i < extras.length; i++) {
      String e = extraInputs.get(i);
      extras[i] =
          switch (e) {
            case org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture.PREVIOUS_ACTION ->
                EXTRA_ACTION;
            case org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture.PREVIOUS_REWARD ->
                EXTRA_REWARD;
            case org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture.EPISODE_DONE ->
                EXTRA_DONE;
            default -> throw new IllegalArgumentException("unknown extra input \"" + e + "\"");
          };
      width += extras[i] == EXTRA_ACTION ? actions.names().size() : 1;
    }
    extraWidth = width;
    signal = new int[size];
    lag = new int[size];
    List<String> unknown = new ArrayList<>();
    int maxLag = 0;
    for (int i = 0; i < size; i++) {
      String n = spec.names().get(i);
      int at = n.indexOf("@t-");
      String base = at < 0 ? n : n.substring(0, at);
      int l = 0;
      if (at >= 0) {
        try {
          l = Integer.parseInt(n.substring(at + 3));
        } catch (NumberFormatException e) {
          l = -1;
        }
      }
      int s = names.indexOf(base);
      if (s < 0 || l < 0 || l > 1000) {
        unknown.add(n);
      }
      signal[i] = s;
      lag[i] = l;
      maxLag = Math.max(maxLag, l);
    }
    if (!unknown.isEmpty()) {
      throw new UnknownSignalException(
          "manifest.json observation_spec.names "
              + unknown
              + " are not signals this runtime provides; known: "
              + names
              + " (optionally with @t-<steps> for history)");
    }
    this.reward = reward.bind(names);
    this.prevPrev = new double[actions.names().size()];
    historyLength = maxLag + 1;
    history = new double[historyLength * signalCount];
    current = new double[signalCount];
    low = spec.low();
    high = spec.high();
    mean = spec.mean();
    invStd = new double[size];
    double[] std = spec.std();
    for (int i = 0; i < size; i++) {
      invStd[i] = 1.0 / std[i];
    }
  }

  /** Values per observation: the observation spec's, then the extra inputs'. */
  public int size() {
    return size + extraWidth;
  }

  /** Forgets the history (a new episode). */
  public void reset() {
    filled = 0;
    head = 0;
    java.util.Arrays.fill(prevPrev, 0.0);
  }

  /** The reward of the last action, computed in the last {@link #build} (reward spec). */
  public double reward() {
    return current[9];
  }

  /**
   * The named signals' values of the last build, physical units (index as {@link #signalNames}).
   */
  public void signals(double[] out) {
    System.arraycopy(current, 0, out, 0, current.length);
  }

  /** The names of the signals (the base signals, then prev_ per action). */
  public static List<String> signalNames(ActionSpec actions) {
    List<String> names = new ArrayList<>(List.of(BASE));
    for (String a : actions.names()) {
      names.add("prev_" + a);
    }
    return names;
  }

  /**
   * Writes the normalised observation for this step into {@code out}.
   *
   * @param previousAction the action applied in the last step
   */
  public void build(
      RobotState s,
      Targets.Velocity target,
      Targets.Waypoint waypoint,
      double[] previousAction,
      double[] out) {
    current[0] = s.forwardSpeed;
    current[1] = s.yawRate;
    current[2] = target.forwardSpeed();
    current[3] = target.yawRate();
    current[4] = s.wheelLeft;
    current[5] = s.wheelRight;
    current[6] = s.batteryVolts;
    current[7] = s.batteryAmps;
    current[8] = s.accelX;
    if (waypoint != null) {
      double dx = waypoint.x() - s.x;
      double dy = waypoint.y() - s.y;
      double c = Math.cos(s.heading);
      double sn = Math.sin(s.heading);
      current[10] = c * dx + sn * dy;
      current[11] = -sn * dx + c * dy;
    } else {
      current[10] = 0;
      current[11] = 0;
    }
    for (int k = 0; k < previousAction.length; k++) {
      current[BASE.length + k] = previousAction[k];
    }
    // the reward of the last action, as the bundle was trained with it (reward spec)
    current[9] = reward.reward(current, previousAction, prevPrev);
    System.arraycopy(previousAction, 0, prevPrev, 0, prevPrev.length);
    boolean first = filled == 0; // the first build since reset: a trial's start
    // push into the ring; before the history is full, older steps repeat the oldest known
    head = (head + 1) % historyLength;
    System.arraycopy(current, 0, history, head * signalCount, signalCount);
    if (filled < historyLength) {
      filled++;
    }
    for (int i = 0; i < size; i++) {
      int l = Math.min(lag[i], filled - 1);
      int row = Math.floorMod(head - l, historyLength);
      double v = history[row * signalCount + signal[i]];
      if (!(v >= low[i])) {
        v = Double.isNaN(v) ? mean[i] : low[i]; // a missing sensor reads as the mean
      } else if (v > high[i]) {
        v = high[i];
      }
      out[i] = (v - mean[i]) * invStd[i];
    }
    int k = size;
    for (int e : extras) {
      switch (e) {
        case EXTRA_ACTION -> {
          for (double a : previousAction) {
            out[k++] = first ? 0 : a;
          }
        }
        case EXTRA_REWARD -> out[k++] = first ? 0 : current[9];
        default -> out[k++] = 0; // no episode ends on a robot
      }
    }
  }
}
