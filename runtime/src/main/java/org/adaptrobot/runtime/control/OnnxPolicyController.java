package org.adaptrobot.runtime.control;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.ParameterSlice;
import org.adaptrobot.models.onnx.OnnxImport;
import org.adaptrobot.models.onnx.OnnxNames;

/**
 * Runs the policy graph in an ONNX Runtime session created once. Inputs, adaptable tensors and
 * outputs live in direct buffers made at start and reused: the observation is written into the
 * input buffer, outputs land in pinned tensors. Adapted parameters are copied into the adaptable
 * input buffers at the start of the step after their publication. (ONNX Runtime's Java binding
 * allocates a few hundred bytes of bookkeeping per {@code run}; {@link JavaPolicyController} does
 * not.)
 */
public final class OnnxPolicyController implements PolicyController {

  private final OrtSession session;
  private final List<OnnxTensor> tensors = new ArrayList<>();
  private final Map<String, OnnxTensor> inputs = new HashMap<>();
  private final Map<String, OnnxValue> outputs = new HashMap<>();
  private final FloatBuffer input;
  private final FloatBuffer output;
  private final FloatBuffer hiddenIn;
  private final FloatBuffer hiddenOut;
  private final HiddenStateWatch watch;
  private final List<FloatBuffer> adaptableBuffers = new ArrayList<>();
  private final List<ParameterSlice> adaptableSlices = new ArrayList<>();
  private final int obsSize;
  private final int actSize;
  private volatile double[] published;
  private double[] params;

  public OnnxPolicyController(Bundle.Graph graph) {
    NetworkArchitecture arch = graph.spec().architecture();
    obsSize = arch.inputSize();
    actSize = arch.outputSize();
    params = graph.parameters().values().clone();
    published = params;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try {
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      session = env.createSession(OnnxImport.forSession(graph.model()), options);
      input = buffer(obsSize);
      inputs.put(OnnxNames.INPUT, tensor(env, input, 1, obsSize));
      output = buffer(actSize);
      String mainOutput =
          arch instanceof GaussianPolicyArchitecture ? OnnxNames.ACTION_MEAN : OnnxNames.OUTPUT;
      outputs.put(mainOutput, tensor(env, output, 1, actSize));
      if (arch instanceof GruArchitecture g) {
        hiddenIn = buffer(g.hiddenSize());
        hiddenOut = buffer(g.hiddenSize());
        inputs.put(OnnxNames.HIDDEN_IN, tensor(env, hiddenIn, 1, g.hiddenSize()));
        outputs.put(OnnxNames.HIDDEN_OUT, tensor(env, hiddenOut, 1, g.hiddenSize()));
        watch = new HiddenStateWatch(RecurrentPolicy.RECURRENT, g.resetOn());
      } else {
        hiddenIn = null;
        hiddenOut = null;
        watch = null;
      }
      for (String name : graph.info().adaptableInputs().keySet()) {
        ParameterSlice s = arch.layout().slice(name);
        FloatBuffer b = buffer(s.size());
        adaptableBuffers.add(b);
        adaptableSlices.add(s);
        inputs.put(
            name, tensor(env, b, java.util.Arrays.stream(s.shape()).asLongStream().toArray()));
      }
      loadAdaptable(params);
    } catch (OrtException e) {
      close();
      throw new IllegalStateException(
          graph.spec().file() + ": ONNX Runtime session failed: " + e.getMessage(), e);
    }
  }

  private static FloatBuffer buffer(int n) {
    return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private OnnxTensor tensor(OrtEnvironment env, FloatBuffer b, long... shape) throws OrtException {
    OnnxTensor t = OnnxTensor.createTensor(env, b, shape);
    tensors.add(t);
    return t;
  }

  private void loadAdaptable(double[] p) {
    for (int k = 0; k < adaptableSlices.size(); k++) {
      ParameterSlice s = adaptableSlices.get(k);
      FloatBuffer b = adaptableBuffers.get(k);
      for (int i = 0; i < s.size(); i++) {
        b.put(i, (float) p[s.offset() + i]);
      }
    }
  }

  @Override
  public int observationSize() {
    return obsSize;
  }

  @Override
  public int actionSize() {
    return actSize;
  }

  @SuppressWarnings("try") // the result is only closed: the outputs land in pinned buffers
  @Override
  public void compute(double[] observation, double[] action) {
    double[] p = published;
    if (p != params) {
      params = p;
      loadAdaptable(p);
    }
    if (watch != null && watch.resetDue()) {
      reset();
    }
    for (int i = 0; i < obsSize; i++) {
      input.put(i, (float) observation[i]);
    }
    try (OrtSession.Result ignored = session.run(inputs, outputs)) {
      for (int i = 0; i < actSize; i++) {
        action[i] = output.get(i);
      }
    } catch (OrtException e) {
      throw new IllegalStateException(
          "ONNX Runtime failed to run the policy: " + e.getMessage(), e);
    }
    if (hiddenIn != null && watch.held()) {
      watch.heldStep(); // the held state stays the input
    } else if (hiddenIn != null) {
      double n = 0;
      double c = 0;
      for (int i = 0; i < hiddenIn.capacity(); i++) {
        double h = hiddenOut.get(i);
        double dh = h - hiddenIn.get(i);
        n += h * h;
        c += dh * dh;
        hiddenIn.put(i, hiddenOut.get(i));
      }
      watch.stepped(n, c);
    }
  }

  @Override
  public void reset() {
    if (hiddenIn != null) {
      for (int i = 0; i < hiddenIn.capacity(); i++) {
        hiddenIn.put(i, 0f);
      }
      watch.reset();
    }
  }

  @Override
  public RecurrentPolicy recurrentState() {
    return watch;
  }

  /** The hidden state after the last step (loop thread; a copy for tests and benchmarks). */
  public double[] hiddenState() {
    double[] h = new double[hiddenIn == null ? 0 : hiddenIn.capacity()];
    for (int i = 0; i < h.length; i++) {
      h[i] = hiddenIn.get(i);
    }
    return h;
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
  public void close() {
    for (OnnxTensor t : tensors) {
      t.close();
    }
    if (session != null) {
      try {
        session.close();
      } catch (OrtException e) {
        // closing a session that failed: nothing more to release
      }
    }
  }
}
