package org.adaptrobot.runtime.adaptation;

import java.util.Arrays;
import java.util.function.Consumer;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.control.ExploringController;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.safety.SafetyLayer;
import org.adaptrobot.runtime.telemetry.AdaptationControl;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Connects the control loop to a {@link PolicyGradientEngine}: after every step it records the
 * normalised observation, the controller's action (noise included, before the safety layer), the
 * bundle's reward, the plan the step ran under and whether it counts, into a {@link RolloutRing}
 * (no allocation, no lock). In real time the engine runs as an agent of the runtime's {@link
 * AgentSupervisor}; in a lockstep simulation the feed runs the engine's pass on the loop thread
 * every {@link #PERIOD} steps, so a run is reproducible.
 */
public final class PolicyGradientFeed implements OnRobotAdaptation {

  /** Steps between the engine's passes in lockstep. */
  public static final int PERIOD = 10;

  /** Seed of the exploration noise's stream. */
  public static final long NOISE_SEED = 0x5EEDL;

  private final RolloutRing ring;
  private final PolicyGradientEngine engine;
  private final ExploringController controller;
  private final double[] obs;
  private final double[] act;
  private final boolean lockstep;
  private final AgentSupervisor agents;
  private final AgentRunner runner;
  private volatile ControlLoop.StepListener next;

  private PolicyGradientFeed(
      RolloutRing ring,
      PolicyGradientEngine engine,
      ExploringController controller,
      boolean lockstep,
      double controlRateHz,
      AgentSupervisor agents) {
    this.ring = ring;
    this.engine = engine;
    this.controller = controller;
    this.obs = new double[ring.observationSize()];
    this.act = new double[ring.actionSize()];
    this.lockstep = lockstep;
    this.agents = agents;
    this.runner =
        lockstep
            ? null
            : agents.start(
                engine,
                new SleepingMillisIdleStrategy(
                    Math.max(1, (long) (1000.0 * PERIOD / controlRateHz / 2))));
  }

  /** True for bundles that adapt their policy graph by policy-gradient steps from the reward. */
  public static boolean applies(Manifest m) {
    return PolicyAdaptation.applies(m) && "policy_gradient".equals(m.adaptation().loss());
  }

  /** The settings a manifest gives: T = query window, N = support window / T. */
  public static PolicyGradientEngine.Settings settings(Manifest m) {
    Manifest.AdaptationSpec a = m.adaptation();
    int t = a.queryWindow();
    if (t < 2 || a.supportWindow() % t != 0 || a.supportWindow() / t < 2) {
      throw new IllegalArgumentException(
          "adaptation with the policy_gradient loss: query_window is the rollout's steps and"
              + " support_window the transitions of an inner step (rollouts × steps); expected a"
              + " query window >= 2 that divides the support window at least twice, found"
              + " support_window "
              + a.supportWindow()
              + ", query_window "
              + t);
    }
    return new PolicyGradientEngine.Settings(
        t, a.supportWindow() / t, 3, 1.0, 1.0, PolicyGradientEngine.Trigger.ON_CHANGE);
  }

  /** The controller to run in the loop and the feed that adapts it. */
  public record Parts(ExploringController controller, PolicyGradientFeed feed) {}

  /**
   * Builds the exploring controller around {@code inner} (the policy graph's controller) and the
   * feed with its engine.
   *
   * @throws IllegalArgumentException when the policy graph is not a Gaussian policy, the bundle has
   *     no reward spec, or the windows do not describe rollouts
   */
  public static Parts of(
      Bundle bundle,
      PolicyController inner,
      PolicyGradientEngine.Settings settings,
      boolean adapt,
      boolean lockstep,
      ChangeDetector.Settings detector,
      AgentSupervisor agents,
      Consumer<AdaptationEvent> events) {
    Manifest m = bundle.manifest();
    if (!applies(m)) {
      throw new IllegalArgumentException(
          "the bundle does not adapt its policy graph with the policy_gradient loss");
    }
    if (m.reward() == null) {
      throw new IllegalArgumentException(
          "adaptation with the policy_gradient loss needs the manifest's reward_spec: the robot"
              + " adapts to the reward the policy was trained for");
    }
    Bundle.Graph g = bundle.graph(Manifest.POLICY);
    if (!(g.spec().architecture() instanceof NetworkArchitecture.GaussianPolicyArchitecture a)) {
      throw new IllegalArgumentException(
          "adaptation with the policy_gradient loss needs a gaussian_mlp policy graph (the"
              + " robot explores with its log_std), found "
              + g.spec().architecture().getClass().getSimpleName());
    }
    GaussianPolicy policy = a.build();
    double[] theta = g.parameters().values().clone();
    Manifest.AdaptationSpec spec = m.adaptation();
    double[] alpha = new double[theta.length];
    for (int k = 0; k < spec.adaptableTensors().size(); k++) {
      var slice = policy.layout().slice(spec.adaptableTensors().get(k));
      Arrays.fill(alpha, slice.offset(), slice.end(), spec.innerLearningRate(k));
    }
    int steps = settings.rolloutSteps() + 1;
    int capacity = Integer.highestOneBit(Math.max(64, 8 * steps - 1)) * 2;
    RolloutRing ring = new RolloutRing(capacity, policy.inputSize(), policy.actionSize());
    ExploringController controller =
        new ExploringController(
            inner, policy.layout().slice(GaussianPolicy.LOG_STD).offset(), NOISE_SEED);
    PolicyGradientEngine engine =
        new PolicyGradientEngine(
            ring, policy, theta, alpha, settings, controller, detector, events);
    if (!adapt) {
      engine.enabled(false);
    }
    return new Parts(
        controller,
        new PolicyGradientFeed(ring, engine, controller, lockstep, m.controlRateHz(), agents));
  }

  public PolicyGradientEngine engine() {
    return engine;
  }

  public RolloutRing ring() {
    return ring;
  }

  @Override
  public AdaptationControl control() {
    return engine;
  }

  @Override
  public void then(ControlLoop.StepListener listener) {
    this.next = listener;
  }

  @Override
  public void afterStep(ControlLoop loop, long nowNanos) {
    boolean ran = loop.controllerRan();
    int flags = 0;
    if (ran && loop.lastVerdict() != SafetyLayer.Verdict.REPLACED_NON_FINITE) {
      flags = RolloutRing.VALID | (controller.lastExplored() ? RolloutRing.EXPLORED : 0);
    }
    loop.observation(obs);
    loop.rawAction(act);
    ring.write(obs, act, loop.lastReward(), controller.lastVersion(), flags);
    if (lockstep && loop.steps() % PERIOD == 0) {
      engine.poll();
    }
    ControlLoop.StepListener n = next;
    if (n != null) {
      n.afterStep(loop, nowNanos);
    }
  }

  @Override
  public void close() {
    if (runner != null) {
      agents.stop(runner);
    }
  }
}
