package org.adaptrobot.runtime.adaptation;

import java.util.function.Consumer;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.adaptrobot.runtime.control.PolicyController;

/**
 * On-robot adaptation of a policy bundle: mode {@code gradient} (k steps on the tensors the
 * manifest declares adaptable) and mode {@code context-gradient} on the policy graph (only the
 * context vector). The engine adapts a differentiable copy of the policy graph on hindsight samples
 * ({@link TransitionSamples#hindsight}) with the manifest's loss, and hands accepted parameters to
 * the controller that runs the graph (ONNX Runtime or plain Java) through {@link
 * PolicyController#publish}.
 */
public final class PolicyAdaptation {

  private PolicyAdaptation() {}

  /** True for the bundles whose policy graph adapts by gradient steps on the robot. */
  public static boolean applies(Manifest m) {
    AdaptationMode mode = m.adaptation().mode();
    return (mode == AdaptationMode.GRADIENT || mode == AdaptationMode.CONTEXT_GRADIENT)
        && Manifest.POLICY.equals(m.adaptation().graph());
  }

  /**
   * Builds the feed and its engine for a policy bundle.
   *
   * @param controller the controller running the bundle's policy graph
   * @param adapt false runs the meta-trained parameters unchanged (the engine still watches)
   * @param lockstep run the engine on the loop thread every pass (reproducible simulation)
   * @param detector change-detector settings
   * @param agents runs the engine's agent in real time
   * @throws IllegalArgumentException when the bundle does not adapt its policy graph, the graph is
   *     recurrent, the observation has no set-points, or the loss is not supported
   */
  public static AdaptationFeed of(
      Bundle bundle,
      PolicyController controller,
      boolean adapt,
      boolean lockstep,
      ChangeDetector.Settings detector,
      AgentSupervisor agents,
      Consumer<AdaptationEvent> events) {
    Manifest m = bundle.manifest();
    if (!applies(m)) {
      throw new IllegalArgumentException(
          "the bundle does not adapt its policy graph (adaptation.mode "
              + m.adaptation().mode().id()
              + ", graph "
              + m.adaptation().graph()
              + ")");
    }
    Bundle.Graph g = bundle.graph(Manifest.POLICY);
    DifferentiableModel net = policyNetwork(g);
    Manifest.ObservationSpec o = m.observation();
    TransitionSamples samples =
        TransitionSamples.hindsight(o.names(), o.mean(), o.std(), m.action().size());
    AdaptationFeed.Parts parts =
        AdaptationFeed.parts(
            m, net, g.parameters().values().clone(), samples, controller, adapt, detector, events);
    return new AdaptationFeed(
        parts.ring(), parts.engine(), lockstep, parts.period(), m.controlRateHz(), agents);
  }

  /**
   * A differentiable copy of a policy graph: an MLP, a Gaussian policy (output [μ, log σ]) or a
   * context MLP.
   *
   * @throws IllegalArgumentException for a recurrent graph, whose hidden state makes one-step
   *     samples meaningless
   */
  public static DifferentiableModel policyNetwork(Bundle.Graph g) {
    return switch (g.spec().architecture()) {
      case NetworkArchitecture.MlpArchitecture a -> a.build();
      case NetworkArchitecture.GaussianPolicyArchitecture a -> a.build();
      case NetworkArchitecture.ContextMlpArchitecture a -> a.build();
      case NetworkArchitecture.GruArchitecture a ->
          throw new IllegalArgumentException(
              "gradient adaptation on the robot needs a feed-forward policy graph (mlp,"
                  + " gaussian_mlp or context_mlp), found gru; a recurrent policy adapts in its"
                  + " hidden state (mode recurrent)");
      case NetworkArchitecture.OnnxGraphArchitecture a ->
          throw new IllegalArgumentException(
              "gradient adaptation on the robot needs the Java network of the policy graph, but"
                  + " it is an onnx_graph that runs on ONNX Runtime only ("
                  + a.javaExecutor()
                  + ")");
    };
  }
}
