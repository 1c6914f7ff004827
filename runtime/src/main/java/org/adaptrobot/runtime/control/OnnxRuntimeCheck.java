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
import java.util.SplittableRandom;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.ParameterSlice;
import org.adaptrobot.models.nn.ParameterVector;
import org.adaptrobot.models.onnx.OnnxImport;
import org.adaptrobot.models.onnx.OnnxNames;
import org.adaptrobot.models.onnx.ReferenceOutputs;

/**
 * The part of bundle validation that needs ONNX Runtime: each graph must load into a session with
 * the inputs the manifest implies, and must compute what its declared architecture computes — the
 * network the Java executor runs and the adaptation engine differentiates. The two are compared
 * over the whole input box the runtime can feed: for a policy graph the normalised observation box
 * of the manifest (each component between its normalised bounds), for a dynamics graph that box
 * with the action bounds; at every corner (all of them up to {@value #MAX_CORNER_DIMENSIONS}
 * dimensions, {@value #RANDOM_CORNERS} random ones beyond), at the centre of every face, at the
 * centre, at {@value #RANDOM_POINTS} random points inside, and, for components whose bound is
 * infinite (the pipeline does not clip them), at 3, 10 and 100 standard deviations. A graph that
 * hides an operator the architecture does not have (a {@code Clip} in front of the first layer, a
 * different activation) fails here, naming the input where the two disagree and by how much.
 */
public final class OnnxRuntimeCheck {

  /** Largest accepted |ORT − Java| / max(1, |Java|); float32 rounding stays far below it. */
  public static final double TOLERANCE = 1e-4;

  /** Every corner is checked up to this many input dimensions. */
  public static final int MAX_CORNER_DIMENSIONS = 12;

  /** Random corners checked above {@link #MAX_CORNER_DIMENSIONS}. */
  public static final int RANDOM_CORNERS = 1024;

  /** Random points inside the box. */
  public static final int RANDOM_POINTS = 1000;

  /** Inputs per ONNX Runtime run. */
  private static final int BATCH = 256;

  /** Half-width of the box, in standard deviations, where the manifest gives no finite bound. */
  private static final double UNBOUNDED_HALF_WIDTH = 3;

  private OnnxRuntimeCheck() {}

  /** Problems found, each naming the graph file; empty when every graph passed. */
  public static List<String> check(Bundle bundle) {
    List<String> problems = new ArrayList<>();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (Map.Entry<String, Bundle.Graph> e : bundle.graphs().entrySet()) {
      checkGraph(env, e.getKey(), e.getValue(), bundle.manifest(), problems);
    }
    return problems;
  }

  /** A labelled set of points in the graph's input space, {@code [n, inputSize]}. */
  record Probe(String what, double[] points, int count) {}

  /** The box a graph's input can take: per component low and high, and whether it is unbounded. */
  record Box(double[] low, double[] high, boolean[] unbounded, List<String> names) {}

  /** The input box of a graph in its role, in the units it is fed (normalised observations). */
  static Box box(String role, NetworkArchitecture arch, Manifest m) {
    int n = arch.inputSize();
    double[] low = new double[n];
    double[] high = new double[n];
    boolean[] unbounded = new boolean[n];
    List<String> names = new ArrayList<>();
    Manifest.ObservationSpec o = m.observation();
    Manifest.ActionSpec a = m.action();
    int obs = o.size();
    boolean policyLike = n == obs;
    boolean dynamicsLike = n == obs + a.size();
    for (int i = 0; i < n; i++) {
      if ((policyLike || dynamicsLike) && i < obs) {
        double lo = (o.low()[i] - o.mean()[i]) / o.std()[i];
        double hi = (o.high()[i] - o.mean()[i]) / o.std()[i];
        unbounded[i] = !Double.isFinite(lo) || !Double.isFinite(hi);
        low[i] = Double.isFinite(lo) ? lo : -UNBOUNDED_HALF_WIDTH;
        high[i] = Double.isFinite(hi) ? hi : UNBOUNDED_HALF_WIDTH;
        names.add(o.names().get(i) + " (normalised)");
      } else if (dynamicsLike) {
        int j = i - obs;
        low[i] = a.low()[j];
        high[i] = a.high()[j];
        names.add("action " + a.names().get(j));
      } else {
        // a role whose input the runtime does not build from the specs: a generous box
        low[i] = -UNBOUNDED_HALF_WIDTH;
        high[i] = UNBOUNDED_HALF_WIDTH;
        unbounded[i] = true;
        names.add("input[" + i + "]");
      }
    }
    return new Box(low, high, unbounded, names);
  }

  /** Corners, face centres, the centre, random points and far points of the box. */
  static List<Probe> probes(Box b) {
    int n = b.low().length;
    List<Probe> probes = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(20261129);
    // corners
    boolean all = n <= MAX_CORNER_DIMENSIONS;
    int corners = all ? 1 << n : RANDOM_CORNERS;
    double[] c = new double[corners * n];
    for (int k = 0; k < corners; k++) {
      for (int i = 0; i < n; i++) {
        boolean up = all ? ((k >> i) & 1) == 1 : r.nextBoolean();
        c[k * n + i] = up ? b.high()[i] : b.low()[i];
      }
    }
    probes.add(
        new Probe(
            all ? "a corner of the input box" : "a random corner of the input box", c, corners));
    // the centre and the centre of every face
    double[] f = new double[(2 * n + 1) * n];
    for (int k = 0; k < 2 * n + 1; k++) {
      for (int i = 0; i < n; i++) {
        f[k * n + i] = 0.5 * (b.low()[i] + b.high()[i]);
      }
      if (k < 2 * n) {
        int i = k / 2;
        f[k * n + i] = k % 2 == 0 ? b.low()[i] : b.high()[i];
      }
    }
    probes.add(new Probe("a face centre of the input box", f, 2 * n + 1));
    // random points inside
    double[] u = new double[RANDOM_POINTS * n];
    for (int k = 0; k < RANDOM_POINTS; k++) {
      for (int i = 0; i < n; i++) {
        u[k * n + i] = b.low()[i] + r.nextDouble() * (b.high()[i] - b.low()[i]);
      }
    }
    probes.add(new Probe("a random point inside the input box", u, RANDOM_POINTS));
    // components the pipeline passes unclipped: far out, one at a time
    List<double[]> far = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!b.unbounded()[i]) {
        continue;
      }
      for (double z : new double[] {-100, -10, -3, 3, 10, 100}) {
        double[] p = new double[n];
        for (int j = 0; j < n; j++) {
          p[j] = 0.5 * (b.low()[j] + b.high()[j]);
        }
        p[i] = z;
        far.add(p);
      }
    }
    if (!far.isEmpty()) {
      double[] p = new double[far.size() * n];
      for (int k = 0; k < far.size(); k++) {
        System.arraycopy(far.get(k), 0, p, k * n, n);
      }
      probes.add(new Probe("a point far out along an unbounded component", p, far.size()));
    }
    return probes;
  }

  /**
   * Checks one graph in its role: problems, each naming the graph file; empty when it passed. An
   * {@code onnx_graph} (ONNX Runtime only) has no Java network to compare with: it must load, and
   * give a finite output of the declared size everywhere in the box.
   */
  public static List<String> check(String role, Bundle.Graph graph, Manifest m) {
    List<String> problems = new ArrayList<>();
    checkGraph(OrtEnvironment.getEnvironment(), role, graph, m, problems);
    return problems;
  }

  /**
   * Session options with one intra-op and one inter-op thread, as the control loop's own sessions
   * use: a default session starts a thread pool pinned to every core, which fails (and logs an
   * error per session) where the process may not use some cores, as under the service's {@code
   * CPUAffinity}.
   */
  static OrtSession.SessionOptions singleThreaded() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      return options;
    } catch (OrtException | RuntimeException e) {
      options.close();
      throw e;
    }
  }

  private static void checkGraph(
      OrtEnvironment env, String role, Bundle.Graph graph, Manifest m, List<String> problems) {
    String file = graph.spec().file();
    NetworkArchitecture arch = graph.spec().architecture();
    try (OrtSession.SessionOptions options = singleThreaded();
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
      Box box = box(role, arch, m);
      int n = arch.inputSize();
      // a graph exported with its batch fixed at 1 (torch.onnx.export's default) gets one input
      // per run, as the runtime feeds it
      java.util.List<Long> inShape = graph.info().dataInputs().get(OnnxNames.INPUT);
      int maxBatch = inShape != null && !inShape.isEmpty() && inShape.get(0) == 1 ? 1 : BATCH;
      SplittableRandom hiddenRandom = new SplittableRandom(7);
      for (Probe probe : probes(box)) {
        for (int start = 0; start < probe.count(); start += maxBatch) {
          int batch = Math.min(maxBatch, probe.count() - start);
          double[] input =
              java.util.Arrays.copyOfRange(probe.points(), start * n, (start + batch) * n);
          double[] hidden = null;
          if (arch instanceof GruArchitecture g) {
            hidden = new double[batch * g.hiddenSize()];
            for (int i = 0; i < hidden.length; i++) {
              hidden[i] = 2 * hiddenRandom.nextDouble() - 1; // a GRU's state lies in (-1, 1)
            }
          }
          String problem =
              arch instanceof NetworkArchitecture.OnnxGraphArchitecture
                  ? finiteBatch(env, session, arch, input, batch, probe, box)
                  : compareBatch(env, session, graph, arch, input, hidden, batch, probe, box);
          if (problem != null) {
            problems.add(file + ": " + problem);
            return;
          }
        }
      }
    } catch (OrtException ex) {
      problems.add(file + ": ONNX Runtime cannot run the graph (" + ex.getMessage() + ")");
    }
  }

  /** Null when ONNX Runtime and the Java network agree on the batch, else the disagreement. */
  private static String compareBatch(
      OrtEnvironment env,
      OrtSession session,
      Bundle.Graph graph,
      NetworkArchitecture arch,
      double[] input,
      double[] hidden,
      int batch,
      Probe probe,
      Box box)
      throws OrtException {
    ParameterVector params = graph.parameters();
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put(OnnxNames.INPUT, tensor(env, input, batch, arch.inputSize()));
      if (hidden != null) {
        feeds.put(OnnxNames.HIDDEN_IN, tensor(env, hidden, batch, hidden.length / batch));
      }
      for (String name : graph.info().adaptableInputs().keySet()) {
        ParameterSlice s = params.layout().slice(name);
        long[] shape = java.util.Arrays.stream(s.shape()).asLongStream().toArray();
        feeds.put(name, tensor(env, params.get(name), shape));
      }
      Map<String, double[]> reference =
          ReferenceOutputs.compute(arch, params.values(), input, hidden, batch);
      try (OrtSession.Result result = session.run(feeds)) {
        for (Map.Entry<String, double[]> want : reference.entrySet()) {
          var got = result.get(want.getKey());
          if (got.isEmpty()) {
            return "ONNX Runtime produced no output '" + want.getKey() + "'";
          }
          double[] g = floats(got.get());
          double[] w = want.getValue();
          if (g.length != w.length) {
            return "output '"
                + want.getKey()
                + "' has "
                + g.length
                + " values, the architecture gives "
                + w.length;
          }
          int perRow = w.length / (w.length % batch == 0 ? batch : 1);
          for (int i = 0; i < g.length; i++) {
            double err = Math.abs(g[i] - w[i]) / Math.max(1.0, Math.abs(w[i]));
            if (!(err <= TOLERANCE)) {
              int row = perRow == w.length ? 0 : i / perRow;
              return "output '"
                  + want.getKey()
                  + "'["
                  + (i % perRow)
                  + "] is "
                  + (float) g[i]
                  + " in ONNX Runtime but "
                  + (float) w[i]
                  + " in the declared architecture (difference "
                  + String.format(java.util.Locale.ROOT, "%.3g", Math.abs(g[i] - w[i]))
                  + ", tolerance "
                  + TOLERANCE
                  + ") at "
                  + probe.what()
                  + ", input "
                  + describe(input, row, arch.inputSize(), box)
                  + ": the graph does not implement its manifest architecture";
            }
          }
        }
      }
      return null;
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  /** Null when ONNX Runtime gives finite outputs of the declared size, else what it gave. */
  private static String finiteBatch(
      OrtEnvironment env,
      OrtSession session,
      NetworkArchitecture arch,
      double[] input,
      int batch,
      Probe probe,
      Box box)
      throws OrtException {
    try (OnnxTensor in = tensor(env, input, batch, arch.inputSize());
        OrtSession.Result result = session.run(Map.of(OnnxNames.INPUT, in))) {
      var got = result.get(OnnxNames.OUTPUT);
      if (got.isEmpty()) {
        return "ONNX Runtime produced no output '" + OnnxNames.OUTPUT + "'";
      }
      double[] g = floats(got.get());
      int per = arch.outputSize();
      if (g.length != batch * per) {
        return "output '"
            + OnnxNames.OUTPUT
            + "' has "
            + g.length
            + " values for "
            + batch
            + " input"
            + (batch == 1 ? "" : "s")
            + ", expected "
            + per
            + " per input";
      }
      for (int i = 0; i < g.length; i++) {
        if (!Double.isFinite(g[i])) {
          return "output '"
              + OnnxNames.OUTPUT
              + "'["
              + (i % per)
              + "] is "
              + g[i]
              + " at "
              + probe.what()
              + ", input "
              + describe(input, i / per, arch.inputSize(), box);
        }
      }
      return null;
    }
  }

  private static String describe(double[] input, int row, int n, Box box) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append(", ");
      }
      b.append(box.names().get(i))
          .append(" = ")
          .append(String.format(java.util.Locale.ROOT, "%.4g", input[row * n + i]));
    }
    return b.append('}').toString();
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
