package org.adaptrobot.runtime.control;

import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.nn.ContextMlp;
import org.adaptrobot.models.nn.GruNetwork;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.ContextMlpArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;

/**
 * Runs the policy graph's network in plain Java from its ONNX weights: the same function as the
 * ONNX Runtime session (bundle loading checks they agree), without allocation and in about half the
 * time. A Gaussian policy acts with its mean; a GRU policy carries its hidden state.
 */
public final class JavaPolicyController implements PolicyController {

  private final NetworkArchitecture architecture;
  private final Mlp mlp;
  private final Mlp.Workspace workspace;
  private final GruNetwork gru;
  private final GruNetwork.Workspace gruWorkspace;
  private final double[] hidden;
  private final double[] hiddenBefore;
  private final HiddenStateWatch watch;
  private final int contextOffset;
  private final int contextSize;
  private final double[] joined;
  private final double[] obs;
  private final double[] act;
  private final int obsSize;
  private final int actSize;
  private volatile double[] published;
  private double[] params;

  public JavaPolicyController(Bundle.Graph graph) {
    this.architecture = graph.spec().architecture();
    this.params = graph.parameters().values().clone();
    this.published = params;
    this.obsSize = architecture.inputSize();
    this.actSize = architecture.outputSize();
    this.obs = new double[obsSize];
    this.act = new double[actSize];
    switch (architecture) {
      case MlpArchitecture m -> {
        mlp = m.build();
        gru = null;
        contextSize = 0;
      }
      case GaussianPolicyArchitecture g -> {
        mlp = g.mean().build();
        gru = null;
        contextSize = 0;
      }
      case ContextMlpArchitecture c -> {
        mlp = c.network().build();
        gru = null;
        contextSize = c.contextSize();
      }
      case GruArchitecture g -> {
        mlp = null;
        gru = g.build();
        contextSize = 0;
      }
      case NetworkArchitecture.OnnxGraphArchitecture o ->
          throw new IllegalArgumentException(
              "the Java executor does not run this graph: " + o.javaExecutor());
    }
    this.workspace = mlp == null ? null : mlp.newWorkspace();
    this.gruWorkspace = gru == null ? null : gru.newWorkspace();
    this.hidden = gru == null ? null : new double[gru.hiddenSize()];
    this.hiddenBefore = gru == null ? null : new double[gru.hiddenSize()];
    this.watch =
        architecture instanceof GruArchitecture g
            ? new HiddenStateWatch(RecurrentPolicy.RECURRENT, g.resetOn())
            : null;
    this.contextOffset =
        contextSize == 0 ? -1 : architecture.layout().slice(ContextMlp.CONTEXT).offset();
    this.joined = contextSize == 0 ? null : new double[obsSize + contextSize];
  }

  @Override
  public int observationSize() {
    return obsSize;
  }

  @Override
  public int actionSize() {
    return actSize;
  }

  @Override
  public void compute(double[] observation, double[] action) {
    double[] p = published;
    if (p != params) {
      params = p; // a step boundary: take up the newest parameters
    }
    if (gru != null) {
      if (watch.resetDue()) {
        reset();
      }
      System.arraycopy(observation, 0, obs, 0, obsSize);
      if (watch.held()) {
        // act through the held state; the new state goes to scratch and is dropped
        gru.step(params, obs, hidden, hiddenBefore, act, gruWorkspace);
        System.arraycopy(act, 0, action, 0, actSize);
        watch.heldStep();
        return;
      }
      System.arraycopy(hidden, 0, hiddenBefore, 0, hidden.length);
      gru.step(params, obs, hidden, hidden, act, gruWorkspace);
      System.arraycopy(act, 0, action, 0, actSize);
      double n = 0;
      double c = 0;
      for (int i = 0; i < hidden.length; i++) {
        double h = hidden[i];
        double dh = h - hiddenBefore[i];
        n += h * h;
        c += dh * dh;
      }
      watch.stepped(n, c);
    } else if (joined != null) {
      System.arraycopy(observation, 0, joined, 0, obsSize);
      System.arraycopy(params, contextOffset, joined, obsSize, contextSize);
      mlp.forward(params, 0, joined, 0, action, 0, workspace);
    } else {
      // For a Gaussian policy the mean network's slices come first in the vector.
      mlp.forward(params, 0, observation, 0, action, 0, workspace);
    }
  }

  @Override
  public void reset() {
    if (hidden != null) {
      java.util.Arrays.fill(hidden, 0.0);
      watch.reset();
    }
  }

  @Override
  public RecurrentPolicy recurrentState() {
    return watch;
  }

  /** The hidden state after the last step (loop thread; a copy for tests and benchmarks). */
  public double[] hiddenState() {
    return hidden == null ? new double[0] : hidden.clone();
  }

  @Override
  public void publish(double[] parameters) {
    PolicyController.checkLength(parameters, params, "policy");
    published = parameters;
  }

  @Override
  public double[] parameters() {
    return params;
  }

  @Override
  public void close() {}
}
