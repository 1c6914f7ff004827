package org.adaptrobot.models.onnx;

import java.util.LinkedHashMap;
import java.util.Map;
import org.adaptrobot.models.nn.ContextMlp;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.GruNetwork;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.ContextMlpArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.MlpArchitecture;
import org.adaptrobot.models.nn.ParameterSlice;

/**
 * What an exported graph must output, computed by the Java networks: the reference against which
 * ONNX Runtime's results are checked when a bundle is validated or a graph is tested. Not for the
 * control loop (it allocates).
 */
public final class ReferenceOutputs {

  private ReferenceOutputs() {}

  /**
   * Outputs by ONNX output name for a batch.
   *
   * @param input {@code [batch, inputSize]}
   * @param hidden {@code [batch, hiddenSize]} for a GRU, else ignored
   */
  public static Map<String, double[]> compute(
      NetworkArchitecture architecture,
      double[] params,
      double[] input,
      double[] hidden,
      int batch) {
    Map<String, double[]> out = new LinkedHashMap<>();
    switch (architecture) {
      case MlpArchitecture m -> {
        Mlp mlp = m.build();
        out.put(OnnxNames.OUTPUT, mlp.forward(params, input, batch, mlp.newTape(batch)).clone());
      }
      case GaussianPolicyArchitecture g -> {
        GaussianPolicy policy = g.build();
        double[] y = policy.forward(params, input, batch, policy.newTape(batch));
        int d = policy.actionSize();
        double[] mean = new double[batch * d];
        for (int b = 0; b < batch; b++) {
          System.arraycopy(y, b * 2 * d, mean, b * d, d);
        }
        out.put(OnnxNames.ACTION_MEAN, mean);
        ParameterSlice s = policy.layout().slice(GaussianPolicy.LOG_STD);
        out.put(
            OnnxNames.ACTION_LOG_STD, java.util.Arrays.copyOfRange(params, s.offset(), s.end()));
      }
      case ContextMlpArchitecture c -> {
        ContextMlp net = c.build();
        out.put(OnnxNames.OUTPUT, net.forward(params, input, batch, net.newTape(batch)).clone());
      }
      case GruArchitecture g -> {
        GruNetwork net = g.build();
        GruNetwork.SequenceTape tape = net.newSequenceTape(1, batch);
        net.forward(params, new double[][] {input}, hidden, 1, batch, tape);
        out.put(OnnxNames.OUTPUT, tape.output(0).clone());
        out.put(OnnxNames.HIDDEN_OUT, tape.finalHidden().clone());
      }
      case NetworkArchitecture.OnnxGraphArchitecture o ->
          throw new IllegalArgumentException(
              "an onnx_graph has no Java network to compute reference outputs with");
    }
    return out;
  }
}
