package org.adaptrobot.runtime.control;

import java.util.function.Consumer;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.runtime.adaptation.AdaptationEvent;
import org.adaptrobot.runtime.adaptation.AdaptationFeed;
import org.adaptrobot.runtime.adaptation.BayesianLastLayerFeed;
import org.adaptrobot.runtime.adaptation.ChangeDetector;
import org.adaptrobot.runtime.adaptation.LikelihoodChangeDetector;
import org.adaptrobot.runtime.adaptation.OnRobotAdaptation;
import org.adaptrobot.runtime.adaptation.PolicyAdaptation;
import org.adaptrobot.runtime.adaptation.TransitionSamples;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.config.RuntimeConfig;

/**
 * The one place that turns a bundle into what the control loop runs: the executor of its policy
 * graph (plain Java or ONNX Runtime), or model-predictive control with its dynamics model; the
 * adaptation engine where the bundle adapts on the robot (its agent, or its pass on the loop thread
 * in lockstep); and the checks that the bundle fits the loop (one control-rate tolerance) and the
 * configuration (planner and detector settings only where they apply). {@code RobotRuntime}, a
 * bundle swap, the benchmarks and the tests all build controllers here.
 */
public final class ControllerFactory {

  /** Largest relative difference between a bundle's control rate and the loop's. */
  public static final double RATE_TOLERANCE = 1e-6;

  private ControllerFactory() {}

  /**
   * How to run a bundle.
   *
   * @param executor the policy graph's executor
   * @param adapt false keeps the meta-trained parameters (the engine still watches for changes)
   * @param lockstep a lockstep simulation: the engine's pass and the planner run on the loop thread
   * @param planner MPC settings, or null: the standard ones (refused for a policy bundle)
   * @param detector change-detector settings, or null: the standard ones (refused for a bundle that
   *     does not adapt)
   */
  public record Options(
      RuntimeConfig.Executor executor,
      boolean adapt,
      boolean lockstep,
      MpcController.Settings planner,
      ChangeDetector.Settings detector,
      RuntimeConfig.PiFeedForward piFeedForward,
      double wheelRadius,
      double trackWidth) {

    public Options(
        RuntimeConfig.Executor executor,
        boolean adapt,
        boolean lockstep,
        MpcController.Settings planner,
        ChangeDetector.Settings detector) {
      this(executor, adapt, lockstep, planner, detector, null, Double.NaN, Double.NaN);
    }

    /** The options a runtime configuration gives. */
    public static Options of(RuntimeConfig config, boolean adapt, boolean lockstep) {
      return new Options(
          config.runtime().executor(),
          adapt,
          lockstep,
          config.planner(),
          config.detector(),
          config.piFeedForward(),
          config.hardware().wheelRadiusMetres(),
          config.hardware().trackWidthMetres());
    }

    /** Java executor, standard planner and detector. */
    public static Options standard(boolean adapt, boolean lockstep) {
      return new Options(RuntimeConfig.Executor.JAVA, adapt, lockstep, null, null);
    }
  }

  /**
   * What a bundle runs as.
   *
   * @param controller what the loop calls every step
   * @param mpc the same controller when it plans with a dynamics model, else null
   * @param adaptation the feed and engine when the bundle adapts on the robot, else null
   */
  public record Built(PolicyController controller, MpcController mpc, OnRobotAdaptation adaptation)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        if (adaptation != null) {
          adaptation.close();
        }
      } finally {
        controller.close();
      }
    }
  }

  /**
   * Builds the controller (and engine) for a bundle.
   *
   * @param agents runs the engine's and planner's agents in real time
   * @param events adaptation decisions
   * @throws BundleException naming what does not fit, with the bundle's path
   */
  public static Built build(
      Bundle bundle, Options o, AgentSupervisor agents, Consumer<AdaptationEvent> events)
      throws BundleException {
    Manifest m = bundle.manifest();
    if (o.planner() != null && !plansWithDynamics(m)) {
      throw new BundleException(
          bundle.source()
              + ": the configuration has planner settings, but this bundle runs its policy graph"
              + " (mode "
              + m.adaptation().mode().id()
              + "); only a model-based bundle plans with MPC. Remove the planner section.");
    }
    if (o.piFeedForward() != null && m.adaptation().mode() != AdaptationMode.BAYESIAN_LAST_LAYER) {
      throw new BundleException(
          bundle.source()
              + ": the configuration asks for PI with feed-forward (pi_feedforward), which takes"
              + " its feed-forward from a bayesian-last-layer dynamics model; this bundle's mode is "
              + m.adaptation().mode().id()
              + ". Remove the pi_feedforward section.");
    }
    if (o.detector() != null && !adaptsOnRobot(m)) {
      throw new BundleException(
          bundle.source()
              + ": the configuration has change-detector settings, but this bundle does not adapt"
              + " on the robot (mode "
              + m.adaptation().mode().id()
              + "). Remove the detector section.");
    }
    ChangeDetector.Settings detector = o.detector() == null ? standardDetector(m) : o.detector();
    try {
      if (m.adaptation().mode() == AdaptationMode.BAYESIAN_LAST_LAYER) {
        MpcController.Settings planner =
            o.planner() == null ? MpcController.Settings.standard() : o.planner();
        Bundle.Graph g = bundle.graph(m.adaptation().graph());
        if (!(dynamicsModel(g) instanceof Mlp net)) {
          throw new IllegalArgumentException("the dynamics graph must be an mlp");
        }
        RuntimeConfig.PiFeedForward pi = o.piFeedForward();
        MpcController mpc = pi == null ? mpc(bundle, planner) : null;
        PolicyController controller =
            pi == null
                ? mpc
                : new PiFeedForwardController(
                    net,
                    g.parameters().values(),
                    m.observation().names(),
                    m.observation().mean(),
                    m.observation().std(),
                    o.wheelRadius(),
                    o.trackWidth(),
                    pi.kp(),
                    pi.ki(),
                    m.controlRateHz());
        BayesianLastLayerFeed feed =
            new BayesianLastLayerFeed(
                controller,
                net,
                g.parameters().values(),
                bundle.bayesianLastLayer(),
                heldComponents(m.observation()),
                org.adaptrobot.models.bayes.KStepErrorStatistic.watched(
                    m.observation().names(), bundle.bayesianLastLayer().monitored()),
                m.observation().size(),
                m.action().size(),
                detector,
                o.adapt(),
                events);
        if (!o.lockstep()) {
          if (mpc != null) {
            mpc.startPlanner(
                Math.max(1, (long) (250.0 * planner.replanEvery() / m.controlRateHz())), agents);
          }
          agents.start(feed.relay(), new org.agrona.concurrent.SleepingMillisIdleStrategy(5));
        } else {
          feed.relayOnLoop(true);
        }
        return new Built(controller, mpc, feed);
      }
      if (plansWithDynamics(m)) {
        MpcController.Settings planner =
            o.planner() == null ? MpcController.Settings.standard() : o.planner();
        MpcController mpc = mpc(bundle, planner);
        Bundle.Graph g = bundle.graph(Manifest.DYNAMICS);
        AdaptationFeed.Parts parts =
            AdaptationFeed.parts(
                m,
                dynamicsModel(g),
                g.parameters().values().clone(),
                TransitionSamples.dynamics(heldComponents(m.observation()), m.action().size()),
                mpc,
                o.adapt(),
                detector,
                events);
        if (!o.lockstep()) {
          // poll at a quarter of the replanning interval; requests also wake the planner at once
          mpc.startPlanner(
              Math.max(1, (long) (250.0 * planner.replanEvery() / m.controlRateHz())), agents);
        }
        AdaptationFeed feed =
            new AdaptationFeed(
                parts.ring(),
                parts.engine(),
                o.lockstep(),
                parts.period(),
                m.controlRateHz(),
                agents);
        return new Built(mpc, mpc, feed);
      }
      PolicyController controller = policyController(bundle, o.executor());
      if (m.wheelSpeedLoop() != null) {
        controller = new WheelSpeedLoopController(controller, m);
      }
      if (!PolicyAdaptation.applies(m)) {
        return new Built(controller, null, null);
      }
      if (org.adaptrobot.runtime.adaptation.PolicyGradientFeed.applies(m)) {
        try {
          var parts =
              org.adaptrobot.runtime.adaptation.PolicyGradientFeed.of(
                  bundle,
                  controller,
                  org.adaptrobot.runtime.adaptation.PolicyGradientFeed.settings(m),
                  o.adapt(),
                  o.lockstep(),
                  detector,
                  agents,
                  events);
          return new Built(parts.controller(), null, parts.feed());
        } catch (RuntimeException e) {
          controller.close();
          throw e;
        }
      }
      try {
        AdaptationFeed feed =
            PolicyAdaptation.of(
                bundle, controller, o.adapt(), o.lockstep(), detector, agents, events);
        return new Built(controller, null, feed);
      } catch (RuntimeException e) {
        controller.close();
        throw e;
      }
    } catch (IllegalArgumentException e) {
      throw new BundleException(bundle.source() + ": " + e.getMessage());
    }
  }

  /**
   * The change detector's standard settings for a bundle: the likelihood detector's for a
   * bayesian-last-layer bundle, the error-level detector's for a policy-gradient bundle, the
   * adaptation engine's for the others.
   */
  public static ChangeDetector.Settings standardDetector(Manifest m) {
    if (org.adaptrobot.runtime.adaptation.PolicyGradientFeed.applies(m)) {
      return org.adaptrobot.runtime.adaptation.ErrorLevelDetector.standard();
    }
    return m.adaptation().mode() == AdaptationMode.BAYESIAN_LAST_LAYER
        ? LikelihoodChangeDetector.standardSettings()
        : ChangeDetector.Settings.standard();
  }

  /**
   * The executor of a policy graph: the one asked for, except that a graph only ONNX Runtime runs
   * (an imported {@code onnx_graph}) always runs there.
   */
  public static PolicyController executor(Bundle.Graph graph, RuntimeConfig.Executor executor) {
    return executor == RuntimeConfig.Executor.JAVA
            && !(graph.spec().architecture() instanceof NetworkArchitecture.OnnxGraphArchitecture)
        ? new JavaPolicyController(graph)
        : new OnnxPolicyController(graph);
  }

  /**
   * The controller of a bundle's policy graph: its executor, and for mode latent that executor
   * inside the {@link LatentPolicyController} with the encoder graph on the same executor.
   */
  public static PolicyController policyController(Bundle bundle, RuntimeConfig.Executor executor) {
    Manifest m = bundle.manifest();
    PolicyController policy = executor(bundle.graph(Manifest.POLICY), executor);
    if (m.adaptation().mode() != AdaptationMode.LATENT) {
      return policy;
    }
    PolicyController encoder = null;
    try {
      encoder = executor(bundle.graph(m.adaptation().graph()), executor);
      return new LatentPolicyController(
          policy, encoder, m.adaptation().latent(), m.observation().size());
    } catch (RuntimeException e) {
      policy.close();
      if (encoder != null) {
        encoder.close();
      }
      throw e;
    }
  }

  /** MPC on a model-based bundle's dynamics model (its planner not started). */
  public static MpcController mpc(Bundle bundle, MpcController.Settings settings) {
    Manifest m = bundle.manifest();
    Bundle.Graph g = bundle.graph(Manifest.DYNAMICS);
    Manifest.ObservationSpec o = m.observation();
    Manifest.ActionSpec a = m.action();
    return new MpcController(
        dynamicsModel(g),
        g.parameters().values().clone(),
        o.names(),
        o.mean(),
        o.std(),
        a.low(),
        a.high(),
        a.maxChangePerStep(),
        settings);
  }

  /**
   * Null when the bundle is made for the loop's rate, else the problem (naming both rates). A
   * policy works only at the rate it was made for.
   */
  public static String rateProblem(Manifest m, double loopHz) {
    double bundleHz = m.controlRateHz();
    if (Math.abs(bundleHz - loopHz) <= RATE_TOLERANCE * bundleHz) {
      return null;
    }
    return "manifest.json control_rate_hz is "
        + bundleHz
        + " Hz, the loop runs at "
        + loopHz
        + " Hz; a policy only works at the rate it was made for";
  }

  /**
   * True for bundles the runtime drives by MPC with their dynamics model: mode model-based, and
   * mode context-gradient on a {@code dynamics} graph (the CAVIA variant: only the context adapts).
   */
  public static boolean plansWithDynamics(Manifest m) {
    return m.adaptation().plansWithDynamics();
  }

  /** True for bundles that adapt on the robot (a dynamics model, or the policy graph). */
  public static boolean adaptsOnRobot(Manifest m) {
    return plansWithDynamics(m) || PolicyAdaptation.applies(m);
  }

  /**
   * The network of a bundle's dynamics graph: an MLP (mode model-based, every declared tensor
   * adapts) or a context MLP (mode context-gradient: only the context vector adapts, from zero).
   *
   * @throws IllegalArgumentException for any other architecture
   */
  public static DifferentiableModel dynamicsModel(Bundle.Graph g) {
    return switch (g.spec().architecture()) {
      case NetworkArchitecture.MlpArchitecture a -> a.build();
      case NetworkArchitecture.ContextMlpArchitecture a -> a.build();
      default ->
          throw new IllegalArgumentException(
              "the dynamics graph must be an mlp or a context_mlp, found "
                  + g.spec().architecture().type());
    };
  }

  /**
   * The observation components the robot does not cause: set-points {@code <x>_target} of an
   * observed {@code <x>}. Their change is defined as zero (the dynamics model's contract).
   */
  public static boolean[] heldComponents(Manifest.ObservationSpec o) {
    boolean[] held = new boolean[o.size()];
    for (int i : TransitionSamples.setPoints(o.names())[0]) {
      held[i] = true;
    }
    return held;
  }
}
