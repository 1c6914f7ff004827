package org.adaptrobot.models.nn;

import java.util.Arrays;
import java.util.List;

/**
 * What a bundle's manifest says about one graph, enough to rebuild a differentiable Java copy from
 * the graph's initializers. One record per network family; {@link #type()} is the manifest's {@code
 * architecture.type}.
 */
public sealed interface NetworkArchitecture
    permits NetworkArchitecture.MlpArchitecture,
        NetworkArchitecture.GaussianPolicyArchitecture,
        NetworkArchitecture.ContextMlpArchitecture,
        NetworkArchitecture.GruArchitecture,
        NetworkArchitecture.OnnxGraphArchitecture {

  /**
   * Manifest name of the family: {@code mlp}, {@code gaussian_mlp}, {@code context_mlp}, {@code
   * gru}, {@code onnx_graph}.
   */
  String type();

  /** The flat parameter layout; its slice names are the graph's initializer names. */
  ParameterLayout layout();

  /** Size of one sample's main input (observation, or state and action for a dynamics model). */
  int inputSize();

  /** Size of one sample's main output (action, action mean, or predicted state change). */
  int outputSize();

  /**
   * A plain MLP.
   *
   * @param layerSizes input, hidden..., output
   * @param activations one per layer
   */
  record MlpArchitecture(int[] layerSizes, List<Activation> activations)
      implements NetworkArchitecture {
    public MlpArchitecture {
      layerSizes = layerSizes.clone();
      activations = List.copyOf(activations);
    }

    public static MlpArchitecture of(Mlp mlp) {
      return new MlpArchitecture(mlp.layerSizes(), Arrays.asList(mlp.activations()));
    }

    public Mlp build() {
      return new Mlp(layerSizes, activations.toArray(Activation[]::new));
    }

    @Override
    public int[] layerSizes() {
      return layerSizes.clone();
    }

    @Override
    public String type() {
      return "mlp";
    }

    @Override
    public ParameterLayout layout() {
      return build().layout();
    }

    @Override
    public int inputSize() {
      return layerSizes[0];
    }

    @Override
    public int outputSize() {
      return layerSizes[layerSizes.length - 1];
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof MlpArchitecture m
          && Arrays.equals(m.layerSizes, layerSizes)
          && m.activations.equals(activations);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(layerSizes) * 31 + activations.hashCode();
    }

    @Override
    public String toString() {
      return "mlp" + Arrays.toString(layerSizes) + activations;
    }
  }

  /** A Gaussian policy: an MLP for the mean and a state-independent {@code log_std}. */
  record GaussianPolicyArchitecture(MlpArchitecture mean) implements NetworkArchitecture {
    public GaussianPolicy build() {
      return new GaussianPolicy(mean.build(), 0.0);
    }

    @Override
    public String type() {
      return "gaussian_mlp";
    }

    @Override
    public ParameterLayout layout() {
      return build().layout();
    }

    @Override
    public int inputSize() {
      return mean.inputSize();
    }

    @Override
    public int outputSize() {
      return mean.outputSize();
    }
  }

  /**
   * An MLP on {@code [x, context]} with the context vector as an adaptable tensor; {@code
   * network.layerSizes()[0]} is the input size plus the context size.
   */
  record ContextMlpArchitecture(MlpArchitecture network, int contextSize)
      implements NetworkArchitecture {
    public ContextMlp build() {
      return new ContextMlp(network.build(), contextSize);
    }

    @Override
    public String type() {
      return "context_mlp";
    }

    @Override
    public ParameterLayout layout() {
      return build().layout();
    }

    @Override
    public int inputSize() {
      return network.inputSize() - contextSize;
    }

    @Override
    public int outputSize() {
      return network.outputSize();
    }
  }

  /**
   * A GRU cell with an MLP head on the new hidden state (see {@link GruNetwork}). As a recurrent
   * policy (RL²) its input is the observation followed by the {@code extraInputs} in their order:
   * {@value #PREVIOUS_ACTION} (the action applied in the last step, one value per action), {@value
   * #PREVIOUS_REWARD} (the reward of the last action as the bundle's reward spec defines it) and
   * {@value #EPISODE_DONE} (1 when the last step ended an episode; always 0 on a robot, which
   * drives one continuous episode). The hidden state returns to zero on the {@code resetOn} events
   * among {@link #RESET_EVENTS}.
   */
  record GruArchitecture(
      int inputSize,
      int hiddenSize,
      MlpArchitecture head,
      List<String> extraInputs,
      List<String> resetOn)
      implements NetworkArchitecture {

    public static final String PREVIOUS_ACTION = "previous_action";
    public static final String PREVIOUS_REWARD = "previous_reward";
    public static final String EPISODE_DONE = "episode_done";

    /** The extra inputs a recurrent policy may take. */
    public static final List<String> EXTRA_INPUTS =
        List.of(PREVIOUS_ACTION, PREVIOUS_REWARD, EPISODE_DONE);

    /** When the runtime may reset the hidden state: loop activation, e-stop, remote command. */
    public static final List<String> RESET_EVENTS = List.of("activation", "e_stop", "command");

    public GruArchitecture {
      extraInputs = List.copyOf(extraInputs);
      resetOn = List.copyOf(resetOn);
    }

    /** A GRU whose input is the observation only, reset on every event. */
    public GruArchitecture(int inputSize, int hiddenSize, MlpArchitecture head) {
      this(inputSize, hiddenSize, head, List.of(), RESET_EVENTS);
    }

    /** How many input values the extra inputs take for {@code actionSize} actions. */
    public int extraWidth(int actionSize) {
      int w = 0;
      for (String e : extraInputs) {
        w += e.equals(PREVIOUS_ACTION) ? actionSize : 1;
      }
      return w;
    }

    /** Whether the hidden state resets on this event (one of {@link #RESET_EVENTS}). */
    public boolean resetsOn(String event) {
      return resetOn.contains(event);
    }

    public GruNetwork build() {
      return new GruNetwork(
          inputSize,
          hiddenSize,
          new Mlp(head.layerSizes(), head.activations().toArray(Activation[]::new), "head."));
    }

    @Override
    public String type() {
      return "gru";
    }

    @Override
    public ParameterLayout layout() {
      return build().layout();
    }

    @Override
    public int outputSize() {
      return head.outputSize();
    }
  }

  /**
   * A graph this project did not build and whose structure the Java executor does not recognise
   * (any operators ONNX Runtime runs): it maps a {@code [batch, inputSize]} input to a {@code
   * [batch, outputSize]} output and runs on ONNX Runtime only. It has no parameters the runtime
   * knows, so no adaptation mode applies to it.
   *
   * @param javaExecutor why the Java executor does not run it (shown by validation)
   */
  record OnnxGraphArchitecture(int inputSize, int outputSize, String javaExecutor)
      implements NetworkArchitecture {
    public OnnxGraphArchitecture {
      if (inputSize < 1 || outputSize < 1) {
        throw new IllegalArgumentException(
            "an ONNX graph needs at least one input and one output value, got "
                + inputSize
                + " and "
                + outputSize);
      }
      javaExecutor = javaExecutor == null ? "" : javaExecutor;
    }

    @Override
    public String type() {
      return "onnx_graph";
    }

    @Override
    public ParameterLayout layout() {
      return ParameterLayout.builder().build();
    }
  }
}
