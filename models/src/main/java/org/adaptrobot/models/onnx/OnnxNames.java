package org.adaptrobot.models.onnx;

/** Tensor names of exported graphs: the contract between the exporter, bundles and the runtime. */
public final class OnnxNames {

  /** Main input {@code [batch, inputSize]} of every graph. */
  public static final String INPUT = "input";

  /** Main output of MLP, context MLP and GRU graphs, {@code [batch, outputSize]}. */
  public static final String OUTPUT = "output";

  /** Mean action of a Gaussian policy, {@code [batch, actionSize]}. */
  public static final String ACTION_MEAN = "action_mean";

  /** Log standard deviation of a Gaussian policy, {@code [actionSize]}. */
  public static final String ACTION_LOG_STD = "action_log_std";

  /** Recurrent state fed to a GRU graph, {@code [batch, hidden]}. */
  public static final String HIDDEN_IN = "hidden_in";

  /** Recurrent state produced by a GRU graph, {@code [batch, hidden]}. */
  public static final String HIDDEN_OUT = "hidden_out";

  /** Name of the symbolic batch dimension. */
  public static final String BATCH = "batch";

  private OnnxNames() {}
}
