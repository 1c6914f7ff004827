package org.adaptrobot.models.bundle;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adaptrobot.models.bundle.Manifest.GraphSpec;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GaussianPolicyArchitecture;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.models.nn.ParameterVector;
import org.adaptrobot.models.onnx.OnnxFormatException;
import org.adaptrobot.models.onnx.OnnxGraphInfo;
import org.adaptrobot.models.onnx.OnnxImport;
import org.adaptrobot.models.onnx.OnnxNames;

/**
 * A policy bundle, loaded and fully checked: manifest schema and consistency, file hashes, every
 * ONNX graph parsed, its interface matching the manifest, its initializers matching the declared
 * architecture and finite. A {@code Bundle} object only exists for a bundle that passed; {@link
 * #load} otherwise throws a {@link BundleException} listing every problem.
 */
public final class Bundle {

  private final Path source;
  private final Manifest manifest;
  private final Map<String, byte[]> files;
  private final Map<String, Graph> graphs;
  private final BayesianLastLayerSpec bayesianLastLayer;

  /**
   * One checked graph.
   *
   * @param spec what the manifest says about it
   * @param model the parsed ONNX model
   * @param info its declared inputs and outputs
   * @param parameters its weights, in the architecture's layout (meta-trained values)
   */
  public record Graph(
      GraphSpec spec, OnnxMl.ModelProto model, OnnxGraphInfo info, ParameterVector parameters) {}

  private Bundle(
      Path source,
      Manifest manifest,
      Map<String, byte[]> files,
      Map<String, Graph> g,
      BayesianLastLayerSpec bayesianLastLayer) {
    this.bayesianLastLayer = bayesianLastLayer;
    this.source = source;
    this.manifest = manifest;
    this.files = Collections.unmodifiableMap(files);
    this.graphs = Collections.unmodifiableMap(g);
  }

  /** Loads and checks the bundle at {@code path} (a directory or a {@code .zip}). */
  public static Bundle load(Path path) throws BundleException {
    Map<String, byte[]> files = BundleFiles.read(path);
    byte[] manifestBytes = files.get(Manifest.FILE_NAME);
    if (manifestBytes == null) {
      throw new BundleException(
          path
              + ": "
              + Manifest.FILE_NAME
              + " is missing (found "
              + files.size()
              + " other file"
              + (files.size() == 1 ? "" : "s")
              + ")");
    }
    Manifest manifest = ManifestCodec.parse(manifestBytes);
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : manifest.files().entrySet()) {
      byte[] data = files.get(e.getKey());
      if (data == null) {
        problems.add(
            e.getKey()
                + ": listed in "
                + Manifest.FILE_NAME
                + " files but missing from the bundle");
        continue;
      }
      String actual = Sha256.hex(data);
      if (!actual.equals(e.getValue())) {
        problems.add(
            e.getKey()
                + ": SHA-256 mismatch: "
                + Manifest.FILE_NAME
                + " files.\""
                + e.getKey()
                + "\" expects "
                + e.getValue()
                + ", found "
                + actual
                + " (file changed or damaged after export)");
      }
    }
    for (String name : files.keySet()) {
      if (!name.equals(Manifest.FILE_NAME) && !manifest.files().containsKey(name)) {
        problems.add(
            name
                + ": present in the bundle but not listed in "
                + Manifest.FILE_NAME
                + " files, so its content cannot be verified");
      }
    }
    Map<String, Graph> graphs = new LinkedHashMap<>();
    for (Map.Entry<String, GraphSpec> e : manifest.graphs().entrySet()) {
      Graph g = checkGraph(e.getKey(), e.getValue(), files, manifest, problems);
      if (g != null) {
        graphs.put(e.getKey(), g);
      }
    }
    BayesianLastLayerSpec bll = null;
    if (manifest.adaptation().mode() == AdaptationMode.BAYESIAN_LAST_LAYER) {
      byte[] data = files.get(BayesianLastLayerSpec.FILE_NAME);
      GraphSpec dynamics = manifest.graphs().get(manifest.adaptation().graph());
      if (data == null) {
        problems.add(
            BayesianLastLayerSpec.FILE_NAME
                + ": mode bayesian-last-layer needs this file (the prior of the last layer),"
                + " found it missing");
      } else if (dynamics != null) {
        bll = BayesianLastLayerSpec.parse(data, dynamics.architecture(), problems);
      }
    }
    if (!problems.isEmpty()) {
      throw new BundleException(problems);
    }
    return new Bundle(path, manifest, files, graphs, bll);
  }

  private static Graph checkGraph(
      String role,
      GraphSpec spec,
      Map<String, byte[]> files,
      Manifest manifest,
      List<String> problems) {
    byte[] bytes = files.get(spec.file());
    if (bytes == null) {
      if (!manifest.files().containsKey(spec.file())) {
        problems.add(
            spec.file()
                + ": named by "
                + Manifest.FILE_NAME
                + " graphs."
                + role
                + ".file but missing from the bundle");
      }
      return null;
    }
    String file = spec.file();
    OnnxMl.ModelProto model;
    try {
      model = OnnxImport.parse(bytes, file);
    } catch (OnnxFormatException ex) {
      problems.addAll(ex.problems());
      return null;
    }
    OnnxGraphInfo info = OnnxGraphInfo.of(model);
    int before = problems.size();
    NetworkArchitecture arch = spec.architecture();
    String where = Manifest.FILE_NAME + " graphs." + role + ".architecture";
    expectInput(info, file, OnnxNames.INPUT, arch.inputSize(), where, problems);
    if (arch instanceof GruArchitecture g) {
      expectInput(info, file, OnnxNames.HIDDEN_IN, g.hiddenSize(), where, problems);
      expectOutput(info, file, OnnxNames.HIDDEN_OUT, g.hiddenSize(), where, problems);
    }
    String mainOutput =
        arch instanceof GaussianPolicyArchitecture ? OnnxNames.ACTION_MEAN : OnnxNames.OUTPUT;
    expectOutput(info, file, mainOutput, arch.outputSize(), where, problems);
    if (role.equals(manifest.adaptation().graph())) {
      List<String> tensors = manifest.adaptation().adaptableTensors();
      for (int i = 0; i < tensors.size(); i++) {
        if (!info.adaptableInputs().containsKey(tensors.get(i))) {
          problems.add(
              file
                  + ": "
                  + Manifest.FILE_NAME
                  + " adaptation.adaptable_tensors["
                  + i
                  + "] names \""
                  + tensors.get(i)
                  + "\", expected it among the graph's adaptable inputs "
                  + info.adaptableInputs().keySet()
                  + ", found it missing (export it as adaptable)");
        }
      }
    }
    ParameterVector params = null;
    try {
      params = OnnxImport.readParameters(model, arch.layout(), file);
    } catch (OnnxFormatException ex) {
      problems.addAll(ex.problems());
    }
    return problems.size() == before ? new Graph(spec, model, info, params) : null;
  }

  private static void expectInput(
      OnnxGraphInfo info, String file, String name, int size, String where, List<String> problems) {
    expect("input", info.dataInputs(), file, name, size, where, problems);
  }

  private static void expectOutput(
      OnnxGraphInfo info, String file, String name, int size, String where, List<String> problems) {
    expect("output", info.outputs(), file, name, size, where, problems);
  }

  /** A {@code [batch, size]} tensor called {@code name} among the graph's inputs or outputs. */
  private static void expect(
      String kind,
      Map<String, List<Long>> tensors,
      String file,
      String name,
      int size,
      String where,
      List<String> problems) {
    List<Long> shape = tensors.get(name);
    if (shape == null) {
      problems.add(
          file
              + ": expected a graph "
              + kind
              + " '"
              + name
              + "' [batch, "
              + size
              + "] (from "
              + where
              + "), found "
              + kind
              + "s "
              + tensors.keySet());
    } else if (shape.size() != 2 || shape.get(1) != size) {
      problems.add(
          file
              + ": "
              + kind
              + " '"
              + name
              + "' has shape "
              + dims(shape)
              + ", "
              + where
              + " expects [batch, "
              + size
              + "]");
    }
  }

  private static String dims(List<Long> shape) {
    return shape.stream().map(d -> d < 0 ? "batch" : d.toString()).toList().toString();
  }

  public Path source() {
    return source;
  }

  /** The last layer's prior and settings of a {@code bayesian-last-layer} bundle, else null. */
  public BayesianLastLayerSpec bayesianLastLayer() {
    return bayesianLastLayer;
  }

  public Manifest manifest() {
    return manifest;
  }

  /** All files by relative path (including {@code manifest.json}). */
  public Map<String, byte[]> files() {
    return files;
  }

  /** Checked graphs by role. */
  public Map<String, Graph> graphs() {
    return graphs;
  }

  /** The graph with this role; throws naming the roles there are. */
  public Graph graph(String role) {
    Graph g = graphs.get(role);
    if (g == null) {
      throw new IllegalArgumentException(
          "bundle " + source + " has no graph \"" + role + "\"; it has " + graphs.keySet());
    }
    return g;
  }
}
