package org.adaptrobot.models.bundle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.adaptrobot.models.bundle.Manifest.GraphSpec;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.models.onnx.OnnxExport;

/**
 * Exports networks to ONNX and writes them as a bundle in one step, so the manifest's graph table,
 * the ONNX files and the hashes always agree. The trainer and the tests use it.
 */
public final class BundleExport {

  private BundleExport() {}

  /**
   * A network to export.
   *
   * @param architecture its family and sizes
   * @param parameters its weights, in {@code architecture.layout()}
   * @param adaptable tensors exported as graph inputs
   */
  public record GraphExport(
      NetworkArchitecture architecture, double[] parameters, Set<String> adaptable) {}

  /**
   * Writes {@code graphs} as {@code <role>.onnx} files with a manifest built from {@code template}
   * (whose {@code graphs} and {@code files} are replaced), then loads the result back so that a
   * bundle that would not load is never reported as written.
   */
  public static Bundle write(Path target, Manifest template, Map<String, GraphExport> graphs)
      throws IOException, BundleException {
    return write(target, template, graphs, Map.of());
  }

  /** As {@link #write(Path, Manifest, Map)}, with more files (hashed like the graphs). */
  public static Bundle write(
      Path target, Manifest template, Map<String, GraphExport> graphs, Map<String, byte[]> more)
      throws IOException, BundleException {
    Map<String, GraphSpec> specs = new LinkedHashMap<>();
    Map<String, byte[]> files = new LinkedHashMap<>(more);
    for (Map.Entry<String, GraphExport> e : graphs.entrySet()) {
      String file = e.getKey() + ".onnx";
      GraphExport g = e.getValue();
      specs.put(e.getKey(), new GraphSpec(file, g.architecture()));
      files.put(file, OnnxExport.export(g.architecture(), g.parameters(), g.adaptable()));
    }
    Manifest m =
        new Manifest(
            template.formatVersion(),
            template.name(),
            template.description(),
            template.observation(),
            template.action(),
            template.controlRateHz(),
            specs,
            template.adaptation(),
            template.provenance(),
            Map.of(),
            template.wheelSpeedLoop(),
            template.reward());
    BundleWriter.write(target, m, files);
    return Bundle.load(target);
  }
}
