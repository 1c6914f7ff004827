package org.adaptrobot.models.bundle;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adaptrobot.models.nn.NetworkArchitecture;

/**
 * The contents of a bundle's {@code manifest.json}: everything the runtime needs to run and adapt a
 * meta-trained controller, and where it came from. Parse and write it with {@link ManifestCodec};
 * the JSON schema is {@code manifest.schema.json} next to this class.
 *
 * @param formatVersion {@code MAJOR.MINOR}; readers reject an unknown major version
 * @param name short identifier of the bundle
 * @param description free text, may be empty
 * @param observation what the controller sees
 * @param action what it commands
 * @param controlRateHz rate the controller was trained for, hertz
 * @param graphs ONNX graphs by role ({@code policy} is required; {@code dynamics}, {@code encoder}
 *     are optional)
 * @param adaptation how the controller adapts on the robot
 * @param provenance how the bundle was made
 * @param files SHA-256 (lower-case hex) of every other file in the bundle, by relative path
 * @param wheelSpeedLoop null when the policy commands the wheel duties itself; otherwise the policy
 *     commands the body velocity (v, ω) and this loop turns it into duties
 * @param reward the reward the bundle was trained with, or null ({@link RewardSpec#standard()})
 */
public record Manifest(
    String formatVersion,
    String name,
    String description,
    ObservationSpec observation,
    ActionSpec action,
    double controlRateHz,
    Map<String, GraphSpec> graphs,
    AdaptationSpec adaptation,
    Provenance provenance,
    Map<String, String> files,
    WheelSpeedLoop wheelSpeedLoop,
    RewardSpec reward) {

  public static final String FILE_NAME = "manifest.json";
  public static final int FORMAT_MAJOR = 1;
  public static final String FORMAT_VERSION = "1.0";
  public static final String POLICY = "policy";
  public static final String DYNAMICS = "dynamics";
  public static final String ENCODER = "encoder";

  /** The actuators' names for a two-wheel robot: the wheel duties. */
  public static final List<String> WHEEL_DUTIES = List.of("left", "right");

  /** The body-velocity command of a policy under a {@link WheelSpeedLoop}. */
  public static final List<String> BODY_VELOCITY = List.of("v", "omega");

  public Manifest {
    graphs = Collections.unmodifiableMap(new LinkedHashMap<>(graphs));
    files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
  }

  /** A manifest with the standard reward. */
  public Manifest(
      String formatVersion,
      String name,
      String description,
      ObservationSpec observation,
      ActionSpec action,
      double controlRateHz,
      Map<String, GraphSpec> graphs,
      AdaptationSpec adaptation,
      Provenance provenance,
      Map<String, String> files,
      WheelSpeedLoop wheelSpeedLoop) {
    this(
        formatVersion,
        name,
        description,
        observation,
        action,
        controlRateHz,
        graphs,
        adaptation,
        provenance,
        files,
        wheelSpeedLoop,
        null);
  }

  /** The reward to compute on the robot: the bundle's, or the standard one. */
  public RewardSpec rewardOrStandard() {
    return reward == null ? RewardSpec.standard() : reward;
  }

  /** A manifest whose policy commands the actuators directly. */
  public Manifest(
      String formatVersion,
      String name,
      String description,
      ObservationSpec observation,
      ActionSpec action,
      double controlRateHz,
      Map<String, GraphSpec> graphs,
      AdaptationSpec adaptation,
      Provenance provenance,
      Map<String, String> files) {
    this(
        formatVersion,
        name,
        description,
        observation,
        action,
        controlRateHz,
        graphs,
        adaptation,
        provenance,
        files,
        null);
  }

  /**
   * What reaches the actuators, and what the safety layer bounds and the {@code prev_*}
   * observations report: the action itself, or the wheel duties of the wheel-speed loop.
   */
  public ActionSpec actuators() {
    return wheelSpeedLoop == null ? action : wheelSpeedLoop.duties();
  }

  /** The same manifest with another file table. */
  public Manifest withFiles(Map<String, String> newFiles) {
    return new Manifest(
        formatVersion,
        name,
        description,
        observation,
        action,
        controlRateHz,
        graphs,
        adaptation,
        provenance,
        newFiles,
        wheelSpeedLoop,
        reward);
  }

  /**
   * Observation specification. All arrays have one entry per name.
   *
   * @param names observation components, in input order
   * @param units SI unit of each component (for example {@code m/s}, {@code rad}, {@code V})
   * @param low lower physical bound
   * @param high upper physical bound
   * @param mean normalisation mean subtracted before the policy
   * @param std normalisation standard deviation (positive) divided by before the policy
   */
  public record ObservationSpec(
      List<String> names,
      List<String> units,
      double[] low,
      double[] high,
      double[] mean,
      double[] std) {
    public ObservationSpec {
      names = List.copyOf(names);
      units = List.copyOf(units);
      low = low.clone();
      high = high.clone();
      mean = mean.clone();
      std = std.clone();
    }

    public int size() {
      return names.size();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ObservationSpec s
          && s.names.equals(names)
          && s.units.equals(units)
          && Arrays.equals(s.low, low)
          && Arrays.equals(s.high, high)
          && Arrays.equals(s.mean, mean)
          && Arrays.equals(s.std, std);
    }

    @Override
    public int hashCode() {
      return names.hashCode();
    }
  }

  /**
   * Action specification. All arrays have one entry per name.
   *
   * @param names action components, in output order
   * @param units SI unit of each component
   * @param low lower bound the safety layer enforces
   * @param high upper bound the safety layer enforces
   * @param maxChangePerStep largest change between consecutive control steps (positive)
   */
  public record ActionSpec(
      List<String> names,
      List<String> units,
      double[] low,
      double[] high,
      double[] maxChangePerStep) {
    public ActionSpec {
      names = List.copyOf(names);
      units = List.copyOf(units);
      low = low.clone();
      high = high.clone();
      maxChangePerStep = maxChangePerStep.clone();
    }

    public int size() {
      return names.size();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ActionSpec s
          && s.names.equals(names)
          && s.units.equals(units)
          && Arrays.equals(s.low, low)
          && Arrays.equals(s.high, high)
          && Arrays.equals(s.maxChangePerStep, maxChangePerStep);
    }

    @Override
    public int hashCode() {
      return names.hashCode();
    }
  }

  /**
   * One ONNX graph of the bundle.
   *
   * @param file relative path of the {@code .onnx} file
   * @param architecture how to rebuild a differentiable copy from its initializers
   */
  public record GraphSpec(String file, NetworkArchitecture architecture) {}

  /**
   * How the controller adapts.
   *
   * @param mode the adaptation mechanism
   * @param graph role of the graph that adapts (null for {@code none})
   * @param adaptableTensors parameter tensors that change (exported as graph inputs)
   * @param innerLearningRates one rate for all tensors, or one per tensor (α; per-parameter
   *     Meta-SGD rates are stored as a tensor in the graph instead)
   * @param innerSteps gradient steps per adaptation
   * @param supportWindow most recent transitions adapted on (M)
   * @param queryWindow transitions held out to accept or reject an update (K)
   * @param loss {@code mse}, {@code gaussian_nll} or {@code policy_gradient}
   * @param latent mode {@code latent}: how the encoder graph is fed; null otherwise
   */
  public record AdaptationSpec(
      AdaptationMode mode,
      String graph,
      List<String> adaptableTensors,
      double[] innerLearningRates,
      int innerSteps,
      int supportWindow,
      int queryWindow,
      String loss,
      LatentSpec latent) {
    public AdaptationSpec {
      adaptableTensors = List.copyOf(adaptableTensors);
      innerLearningRates = innerLearningRates.clone();
    }

    /** Any mode but {@code latent}. */
    public AdaptationSpec(
        AdaptationMode mode,
        String graph,
        List<String> adaptableTensors,
        double[] innerLearningRates,
        int innerSteps,
        int supportWindow,
        int queryWindow,
        String loss) {
      this(
          mode,
          graph,
          adaptableTensors,
          innerLearningRates,
          innerSteps,
          supportWindow,
          queryWindow,
          loss,
          null);
    }

    /** Mode {@code latent} with its encoder graph. */
    public static AdaptationSpec latent(LatentSpec latent) {
      return new AdaptationSpec(
          AdaptationMode.LATENT, ENCODER, List.of(), new double[0], 0, 0, 0, null, latent);
    }

    /** No adaptation. */
    public static AdaptationSpec none() {
      return new AdaptationSpec(AdaptationMode.NONE, null, List.of(), new double[0], 0, 0, 0, null);
    }

    /**
     * True for the bundles whose controller is MPC with their dynamics model (and which need no
     * policy graph): modes model-based and bayesian-last-layer, and context-gradient on the {@code
     * dynamics} graph (the CAVIA variant: only the context adapts).
     */
    public boolean plansWithDynamics() {
      return mode == AdaptationMode.MODEL_BASED
          || mode == AdaptationMode.BAYESIAN_LAST_LAYER
          || (mode == AdaptationMode.CONTEXT_GRADIENT && DYNAMICS.equals(graph));
    }

    /** The inner learning rate of the i-th adaptable tensor. */
    public double innerLearningRate(int tensor) {
      return innerLearningRates.length == 1 ? innerLearningRates[0] : innerLearningRates[tensor];
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AdaptationSpec a
          && a.mode == mode
          && java.util.Objects.equals(a.graph, graph)
          && a.adaptableTensors.equals(adaptableTensors)
          && Arrays.equals(a.innerLearningRates, innerLearningRates)
          && a.innerSteps == innerSteps
          && a.supportWindow == supportWindow
          && a.queryWindow == queryWindow
          && java.util.Objects.equals(a.loss, loss)
          && java.util.Objects.equals(a.latent, latent);
    }

    @Override
    public int hashCode() {
      return mode.hashCode() * 31 + adaptableTensors.hashCode();
    }
  }

  /**
   * Mode {@code latent}: how the encoder graph turns what the robot saw into the latent the policy
   * reads after the normalised observation. Two encodings:
   *
   * <ul>
   *   <li>{@code window} (RMA-style): the encoder graph maps the last {@code window} normalised
   *       observations (oldest first; zeros before the first after a reset) to a latent of {@code
   *       size} values, re-encoded every {@code updateEvery} steps;
   *   <li>{@code factors} (PEARL-style): the encoder graph maps one transition — two consecutive
   *       normalised observations, the earlier first (the observation carries the previous action)
   *       — to a Gaussian factor, {@code size} means then {@code size} raw variances (softplus,
   *       floored at {@link org.adaptrobot.models.bayes.GaussianPosterior#MIN_VARIANCE}); the
   *       posterior is the product of the last {@code window} factors, updated in closed form each
   *       step, and the latent is its mean, taken every {@code updateEvery} steps (the unit prior
   *       before the first factor).
   * </ul>
   *
   * The window, or the posterior, starts afresh on the {@code resetOn} events among {@link
   * #RESET_EVENTS}.
   */
  public record LatentSpec(
      int window, int updateEvery, int size, List<String> resetOn, String encoding) {

    /** When the runtime may restart the window: loop activation, e-stop, remote command. */
    public static final List<String> RESET_EVENTS = List.of("activation", "e_stop", "command");

    /** {@link #encoding}: the encoder reads a window of observations. */
    public static final String WINDOW = "window";

    /** {@link #encoding}: the encoder gives one Gaussian factor per transition. */
    public static final String FACTORS = "factors";

    public LatentSpec {
      resetOn = List.copyOf(resetOn);
      if (window < 1 || updateEvery < 1 || size < 1) {
        throw new IllegalArgumentException(
            "a latent needs window, update_every and size >= 1, got "
                + window
                + ", "
                + updateEvery
                + ", "
                + size);
      }
      if (!WINDOW.equals(encoding) && !FACTORS.equals(encoding)) {
        throw new IllegalArgumentException(
            "a latent's encoding is window or factors, got " + encoding);
      }
    }

    /** The window encoding (RMA-style). */
    public LatentSpec(int window, int updateEvery, int size, List<String> resetOn) {
      this(window, updateEvery, size, resetOn, WINDOW);
    }

    /** Whether the encoder gives Gaussian factors per transition (PEARL-style). */
    public boolean factors() {
      return FACTORS.equals(encoding);
    }

    /** The encoder graph's input size for observations of size o. */
    public int encoderInput(int o) {
      return factors() ? 2 * o : window * o;
    }

    /** The encoder graph's output size. */
    public int encoderOutput() {
      return factors() ? 2 * size : size;
    }

    /** Whether the window restarts on this event (one of {@link #RESET_EVENTS}). */
    public boolean resetsOn(String event) {
      return resetOn.contains(event);
    }
  }

  /**
   * A PI wheel-speed loop under a policy that commands the body velocity: the policy's (v, ω),
   * bounded and rate-limited by the action specification, become wheel targets through the robot's
   * kinematics, ω*_L = (v − ω·b/2)/r and ω*_R = (v + ω·b/2)/r, and each wheel's duty moves by the
   * velocity-form PI law u_k = u_{k−1} + K_p·(e_k − e_{k−1}) + K_i·T·e_k with e = ω* − ω (u_{k−1}
   * the duty actually applied, so a saturated wheel winds up nothing). The observation must include
   * {@code wheel_left}, {@code wheel_right}, {@code prev_left} and {@code prev_right}.
   *
   * @param wheelRadius r, metres
   * @param trackWidth b, metres
   * @param kp K_p, duty per (rad/s) of wheel-speed error
   * @param ki K_i, duty per (rad/s · s)
   * @param duties the wheel duties the safety layer bounds and rate-limits
   */
  public record WheelSpeedLoop(
      double wheelRadius, double trackWidth, double kp, double ki, ActionSpec duties) {}

  /**
   * Training provenance, after Tribuo's: enough to reproduce the bundle.
   *
   * @param algorithm trainer algorithm (for example {@code maml}, {@code analytic})
   * @param hyperparameters the algorithm's settings by name (numbers, strings, booleans)
   * @param seed master random seed
   * @param codeVersion version (and commit, when known) of the code that trained it
   * @param metrics evaluation figures by name
   * @param created ISO-8601 UTC time of export
   */
  public record Provenance(
      String algorithm,
      Map<String, Object> hyperparameters,
      long seed,
      String codeVersion,
      Map<String, Double> metrics,
      String created) {
    public Provenance {
      hyperparameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
      metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }
  }
}
