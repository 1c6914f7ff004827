package org.adaptrobot.runtime.control;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.ParameterSlice;
import org.adaptrobot.models.nn.ParameterVector;
import org.adaptrobot.models.onnx.OnnxImport;
import org.adaptrobot.models.onnx.OnnxNames;
import org.adaptrobot.models.onnx.ReferenceOutputs;

/**
 * The part of bundle validation that needs ONNX Runtime: each graph must load into a session with
 * the inputs the manifest implies, and must compute what its declared architecture computes
 * (checked on a few deterministic inputs against the Java networks). A graph whose initializers
 * look right but whose operators differ fails here.
 */
public final class OnnxRuntimeCheck {

  /** Largest accepted |ORT − Java| / max(1, |Java|); float32 rounding stays far below it. */
  public static final double TOLERANCE = 1e-4;

  private static final int BATCH = 3;

  private OnnxRuntimeCheck() {}

  /** Problems found, each naming the graph file; empty when every graph passed. */
  public static List<String> check(Bundle bundle) {
    List<String> problems = new ArrayList<>();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (Map.Entry<String, Bundle.Graph> e : bundle.graphs().entrySet()) {
      checkGraph(env, e.getValue(), problems);
    }
    return problems;
  }

  private static void checkGraph(OrtEnvironment env, Bundle.Graph graph, List<String> problems) {
    String file = graph.spec().file();
    NetworkArchitecture arch = graph.spec().architecture();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(OnnxImport.forSession(graph.model()), options)) {
      Set<String> expected = new HashSet<>(graph.info().dataInputs().keySet());
      expected.addAll(graph.info().adaptableInputs().keySet());
      if (!session.getInputNames().equals(expected)) {
        problems.add(
            file
                + ": ONNX Runtime sees inputs "
                + session.getInputNames()
                + ", expected "
                + expected);
        return;
      }
      double[] input = pattern(BATCH * arch.inputSize(), 0.37);
      double[] hidden =
          arch instanceof GruArchitecture g ? pattern(BATCH * g.hiddenSize(), 0.21) : null;
      ParameterVector params = graph.parameters();
      Map<String, OnnxTensor> feeds = new HashMap<>();
      try {
        feeds.put(OnnxNames.INPUT, tensor(env, input, BATCH, arch.inputSize()));
        if (hidden != null) {
          feeds.put(OnnxNames.HIDDEN_IN, tensor(env, hidden, BATCH, hidden.length / BATCH));
        }
        for (String name : graph.info().adaptableInputs().keySet()) {
          ParameterSlice s = params.layout().slice(name);
          long[] shape = java.util.Arrays.stream(s.shape()).asLongStream().toArray();
          feeds.put(name, tensor(env, params.get(name), shape));
        }
        Map<String, double[]> reference =
            ReferenceOutputs.compute(arch, params.values(), input, hidden, BATCH);
        try (OrtSession.Result result = session.run(feeds)) {
          for (Map.Entry<String, double[]> want : reference.entrySet()) {
            var got = result.get(want.getKey());
            if (got.isEmpty()) {
              problems.add(file + ": ONNX Runtime produced no output '" + want.getKey() + "'");
              continue;
            }
            compare(file, want.getKey(), floats(got.get()), want.getValue(), problems);
          }
        }
      } finally {
        feeds.values().forEach(OnnxTensor::close);
      }
    } catch (OrtException ex) {
      problems.add(file + ": ONNX Runtime cannot run the graph (" + ex.getMessage() + ")");
    }
  }

  private static void compare(
      String file, String output, double[] got, double[] want, List<String> problems) {
    if (got.length != want.length) {
      problems.add(
          file
              + ": output '"
              + output
              + "' has "
              + got.length
              + " values, the architecture gives "
              + want.length);
      return;
    }
    for (int i = 0; i < got.length; i++) {
      double err = Math.abs(got[i] - want[i]) / Math.max(1.0, Math.abs(want[i]));
      if (!(err <= TOLERANCE)) {
        problems.add(
            file
                + ": output '"
                + output
                + "'["
                + i
                + "] is "
                + got[i]
                + " in ONNX Runtime, the declared architecture computes "
                + want[i]
                + " (the graph does not implement its manifest architecture)");
        return;
      }
    }
  }

  /** Deterministic, varied values in about [−1.5, 1.5]. */
  private static double[] pattern(int n, double phase) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (1.5 * Math.sin(1.3 * i + phase));
    }
    return v;
  }

  private static OnnxTensor tensor(OrtEnvironment env, double[] values, long... shape)
      throws OrtException {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return OnnxTensor.createTensor(env, FloatBuffer.wrap(f), shape);
  }

  private static double[] floats(OnnxValue value) {
    FloatBuffer fb = ((OnnxTensor) value).getFloatBuffer();
    double[] d = new double[fb.remaining()];
    for (int i = 0; i < d.length; i++) {
      d[i] = fb.get(i);
    }
    return d;
  }
}
