package org.adaptrobot.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.NetworkArchitecture;
import org.adaptrobot.runtime.control.OnnxRuntimeCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code robot bundle inspect|validate PATH}: look at and check policy bundles. */
@Command(
    name = "bundle",
    mixinStandardHelpOptions = true,
    description =
        "Inspect or validate a policy bundle (a directory or a .zip), or import an ONNX policy"
            + " exported elsewhere as one.",
    subcommands = {
      BundleCommand.Inspect.class,
      BundleCommand.Validate.class,
      BundleCommand.Import.class,
      BundleCommand.TrackingController.class
    })
public final class BundleCommand implements Runnable {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "choose 'inspect' or 'validate'");
  }

  /** Loads and checks a bundle, including an ONNX Runtime run of every graph. */
  static Bundle loadChecked(Path path) throws BundleException {
    Bundle bundle = Bundle.load(path);
    List<String> problems = OnnxRuntimeCheck.check(bundle);
    if (!problems.isEmpty()) {
      throw new BundleException(problems);
    }
    return bundle;
  }

  /** Writes {@code summary} as indented JSON to {@code file} (folders made as needed). */
  public static void writeJson(Path file, Object summary) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    JSON.writeValue(file.toFile(), summary);
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = {
        "Check a bundle completely: manifest schema and consistency, SHA-256 of every file, each"
            + " ONNX graph against its declared architecture, finite weights, and one ONNX Runtime"
            + " run per graph compared with the Java networks.",
        "Exit status 0 when valid, 1 when not (every problem is printed)."
      })
  static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "Bundle directory or .zip file.")
    Path path;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON here.")
    Path json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("bundle", path.toString());
      try {
        Bundle b = loadChecked(path);
        out.printf(
            "%s: valid bundle \"%s\" (format %s, %d graph%s, adaptation %s)%n",
            path,
            b.manifest().name(),
            b.manifest().formatVersion(),
            b.graphs().size(),
            b.graphs().size() == 1 ? "" : "s",
            b.manifest().adaptation().mode().id());
        List<String> executors = new ArrayList<>();
        for (Map.Entry<String, Bundle.Graph> g : b.graphs().entrySet()) {
          String line =
              g.getValue().spec().architecture()
                      instanceof NetworkArchitecture.OnnxGraphArchitecture o
                  ? "graph " + g.getKey() + ": ONNX Runtime only (" + o.javaExecutor() + ")"
                  : "graph " + g.getKey() + ": Java and ONNX Runtime executors (they agree)";
          out.println("  " + line);
          executors.add(line);
        }
        summary.put("executors", executors);
        summary.put("valid", true);
        summary.put("problems", List.of());
        if (json != null) {
          writeJson(json, summary);
        }
        return 0;
      } catch (BundleException e) {
        err.printf(
            "%s: invalid bundle, %d problem%s:%n",
            path, e.problems().size(), e.problems().size() == 1 ? "" : "s");
        for (String p : e.problems()) {
          err.println("  " + p);
        }
        summary.put("valid", false);
        summary.put("problems", e.problems());
        if (json != null) {
          writeJson(json, summary);
        }
        return 1;
      }
    }
  }

  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description = "Print what a bundle holds: specs, graphs, adaptation, provenance, files.")
  static final class Inspect implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "Bundle directory or .zip file.")
    Path path;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the summary as JSON here.")
    Path json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      Bundle b;
      try {
        b = Bundle.load(path);
      } catch (BundleException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.printf(
            "%s: cannot inspect an invalid bundle, %d problem%s:%n",
            path, e.problems().size(), e.problems().size() == 1 ? "" : "s");
        e.problems().forEach(p -> err.println("  " + p));
        return 1;
      }
      Manifest m = b.manifest();
      out.printf("Bundle        %s%n", path);
      out.printf("Name          %s%n", m.name());
      if (!m.description().isEmpty()) {
        out.printf("Description   %s%n", m.description());
      }
      out.printf("Format        %s%n", m.formatVersion());
      out.printf(Locale.ROOT, "Control rate  %.1f Hz%n%n", m.controlRateHz());

      out.println("Observations");
      table(out, List.of("name", "unit", "low", "high", "mean", "std"), rows(m.observation()));
      out.println();
      out.println("Actions");
      table(out, List.of("name", "unit", "low", "high", "max change/step"), rows(m.action()));
      out.println();
      if (m.wheelSpeedLoop() != null) {
        Manifest.WheelSpeedLoop w = m.wheelSpeedLoop();
        out.printf(
            Locale.ROOT,
            "Wheel-speed loop (the policy commands v, omega): wheel radius %.4f m, track %.4f m,"
                + " Kp %.4g duty per rad/s, Ki %.4g duty per rad/s/s; duties%n",
            w.wheelRadius(),
            w.trackWidth(),
            w.kp(),
            w.ki());
        table(out, List.of("name", "unit", "low", "high", "max change/step"), rows(w.duties()));
        out.println();
      }

      out.println("Graphs");
      List<List<String>> graphRows = new ArrayList<>();
      for (var e : b.graphs().entrySet()) {
        NetworkArchitecture a = e.getValue().spec().architecture();
        graphRows.add(
            List.of(
                e.getKey(),
                e.getValue().spec().file(),
                a.toString().startsWith(a.type()) ? a.toString() : a.type(),
                Integer.toString(a.inputSize()) + " -> " + a.outputSize(),
                Integer.toString(a.layout().size()),
                String.join(", ", e.getValue().info().adaptableInputs().keySet())));
      }
      table(
          out,
          List.of("role", "file", "architecture", "in -> out", "parameters", "adaptable inputs"),
          graphRows);
      out.println();

      Manifest.AdaptationSpec ad = m.adaptation();
      out.printf("Adaptation    %s%n", ad.mode().id());
      if (ad.mode() != AdaptationMode.NONE) {
        out.printf("  graph       %s%n", ad.graph());
      }
      if (ad.mode().takesGradientSteps()) {
        out.printf("  tensors     %s%n", String.join(", ", ad.adaptableTensors()));
        out.printf("  inner rates %s%n", java.util.Arrays.toString(ad.innerLearningRates()));
        out.printf("  steps       %d%n", ad.innerSteps());
        out.printf(
            "  windows     support %d, query %d transitions%n",
            ad.supportWindow(), ad.queryWindow());
        out.printf("  loss        %s%n", ad.loss());
      }
      out.println();
      Manifest.Provenance p = m.provenance();
      out.printf(
          "Provenance    %s, seed %d, code %s, created %s%n",
          p.algorithm(), p.seed(), p.codeVersion(), p.created().isEmpty() ? "-" : p.created());
      if (!p.hyperparameters().isEmpty()) {
        out.printf("  hyper       %s%n", p.hyperparameters());
      }
      if (!p.metrics().isEmpty()) {
        out.printf("  metrics     %s%n", p.metrics());
      }
      out.println();
      out.println("Files (SHA-256 verified)");
      m.files().forEach((f, h) -> out.printf("  %-24s %s%n", f, h));
      if (json != null) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("bundle", path.toString());
        summary.put("manifest", JSON.readTree(b.files().get(Manifest.FILE_NAME)));
        Map<String, Object> graphs = new LinkedHashMap<>();
        b.graphs()
            .forEach(
                (role, g) ->
                    graphs.put(
                        role,
                        Map.of(
                            "parameters", g.spec().architecture().layout().size(),
                            "data_inputs", g.info().dataInputs(),
                            "adaptable_inputs", g.info().adaptableInputs(),
                            "outputs", g.info().outputs())));
        summary.put("graphs", graphs);
        writeJson(json, summary);
      }
      return 0;
    }

    private static List<List<String>> rows(Manifest.ObservationSpec o) {
      List<List<String>> rows = new ArrayList<>();
      for (int i = 0; i < o.size(); i++) {
        rows.add(
            List.of(
                o.names().get(i),
                o.units().get(i),
                num(o.low()[i]),
                num(o.high()[i]),
                num(o.mean()[i]),
                num(o.std()[i])));
      }
      return rows;
    }

    private static List<List<String>> rows(Manifest.ActionSpec a) {
      List<List<String>> rows = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        rows.add(
            List.of(
                a.names().get(i),
                a.units().get(i),
                num(a.low()[i]),
                num(a.high()[i]),
                num(a.maxChangePerStep()[i])));
      }
      return rows;
    }

    private static String num(double v) {
      return String.format(Locale.ROOT, "%.4g", v);
    }

    private static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
      int[] width = new int[header.size()];
      for (int c = 0; c < width.length; c++) {
        width[c] = header.get(c).length();
        for (List<String> r : rows) {
          width[c] = Math.max(width[c], r.get(c).length());
        }
      }
      StringBuilder h = new StringBuilder("  ");
      for (int c = 0; c < width.length; c++) {
        h.append(String.format("%-" + width[c] + "s  ", header.get(c)));
      }
      out.println(h.toString().stripTrailing());
      for (List<String> r : rows) {
        StringBuilder line = new StringBuilder("  ");
        for (int c = 0; c < width.length; c++) {
          line.append(String.format("%-" + width[c] + "s  ", r.get(c)));
        }
        out.println(line.toString().stripTrailing());
      }
    }
  }

  @Command(
      name = "tracking-controller",
      mixinStandardHelpOptions = true,
      description =
          "Write the analytic velocity-tracking controller bundle (an incremental integral"
              + " wheel-speed controller, no training) for a robot's geometry.")
  static final class TrackingController implements Callable<Integer> {
    @Parameters(paramLabel = "OUT", description = "Bundle directory (or .zip) to write.")
    Path out;

    @Option(
        names = "--wheel-radius",
        defaultValue = "0.0325",
        description = "m (default ${DEFAULT-VALUE})")
    double wheelRadius;

    @Option(
        names = "--track-width",
        defaultValue = "0.150",
        description = "m (default ${DEFAULT-VALUE})")
    double trackWidth;

    @Option(
        names = "--rate",
        defaultValue = "100",
        description = "control rate, Hz (default ${DEFAULT-VALUE})")
    double rate;

    @Option(
        names = "--gain",
        description = "duty change per rad/s of error per step (default 0.22 / rate)")
    Double gain;

    @Option(names = "--max-duty-change", description = "rate limit per step (default 5 / rate)")
    Double maxChange;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      double k = gain != null ? gain : 0.22 / rate;
      double dmax = maxChange != null ? maxChange : Math.min(1.0, 5.0 / rate);
      org.adaptrobot.runtime.control.TrackingControllerBundle.write(
          out, wheelRadius, trackWidth, k, rate, dmax);
      spec.commandLine()
          .getOut()
          .printf(
              "%s: tracking controller for %.0f Hz written (gain %.5f, rate limit %.3f per step)%n",
              out, rate, k, dmax);
      return 0;
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "Import an ONNX policy exported elsewhere (PyTorch, Stable-Baselines3, ...) as a complete"
            + " bundle: manifest, hashes, provenance, full validation. SPEC says in a few lines"
            + " what the graph computes (see src/examples/import-spec.yaml and the README):",
        "  observation: the runtime signals that feed the graph's input, in order, from: v,"
            + " omega, v_target, omega_target, wheel_left, wheel_right, battery_volts,"
            + " battery_amps, accel_x, reward, goal_x, goal_y, prev_left, prev_right (append"
            + " @t-K for the value K steps ago)",
        "  normalisation: in_graph, or {mean: [...], std: [...]} applied before the graph",
        "  action: names [left, right] (wheel duties) or [v, omega] (body velocity, m/s and"
            + " rad/s), low, high, max_change_per_step",
        "  wheel_speed_loop (with [v, omega]): {wheel_radius: m, track_width: m, kp, ki,"
            + " duty_max_change_per_step}: a PI loop per wheel turns the command into duties"
            + " (kp 0.08, ki 1.6 and 0.1 per step when not given: tuned on the reference robot at"
            + " 50 Hz); wheel_left, wheel_right, prev_left, prev_right join the observation",
        "  control_rate_hz; optional: name, description, bounds {signal: [low, high]}, graph"
            + " {input: NAME, output: NAME} when the graph has several",
        "Any tensor names; batch fixed at 1 or symbolic. A chain of dense layers (Gemm with"
            + " either transB, or MatMul + Add; Relu, Tanh, Sigmoid; a normalisation by constants"
            + " in front) runs on both executors; any other graph ONNX Runtime runs keeps its"
            + " operators and runs on ONNX Runtime only, and the import says why.",
        "Exit status 0 when imported, 1 when refused (every problem printed, nothing written)."
      })
  static final class Import implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL.onnx", description = "The exported policy graph.")
    Path model;

    @Option(
        names = "--spec",
        required = true,
        paramLabel = "SPEC.yaml",
        description = "What the graph's input and output are (see above).")
    Path specFile;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "The bundle directory to create (must not exist or be empty).")
    Path out;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      org.adaptrobot.runtime.control.PolicyImport.Spec s;
      try {
        s = org.adaptrobot.runtime.control.PolicyImport.loadSpec(specFile);
      } catch (org.adaptrobot.drivers.hardware.ConfigException e) {
        err.printf(
            "%s: %d problem%s:%n",
            specFile, e.problems().size(), e.problems().size() == 1 ? "" : "s");
        e.problems().forEach(p -> err.println("  " + p));
        return 1;
      }
      if (!Files.isRegularFile(model)) {
        err.println("error: " + model + ": no such file");
        return 1;
      }
      try {
        var r = org.adaptrobot.runtime.control.PolicyImport.importPolicy(model, s, this.out);
        var g = r.graph();
        out.printf(
            "%s: input '%s', output '%s'%s; operators %s%n",
            model,
            g.originalInput(),
            g.originalOutput(),
            g.fixedBatch() ? " (batch fixed at 1)" : "",
            g.operators());
        if (r.javaExecutor() == null) {
          var a = g.architecture();
          out.printf(
              "executors: Java and ONNX Runtime (recognised dense layers %s, activations %s;"
                  + " equal to the graph over the input box)%n",
              java.util.Arrays.toString(a.layerSizes()),
              a.activations().stream().map(x -> x.id()).toList());
        } else {
          out.println("executor: ONNX Runtime only (" + r.javaExecutor() + ")");
        }
        var m = r.bundle().manifest();
        if (m.wheelSpeedLoop() != null) {
          var w = m.wheelSpeedLoop();
          out.printf(
              java.util.Locale.ROOT,
              "wheel-speed loop: (v, omega) -> wheel targets (r %.4f m, b %.4f m) -> PI per wheel"
                  + " (kp %.4g, ki %.4g, duty change <= %.3g per step); observation %s%n",
              w.wheelRadius(),
              w.trackWidth(),
              w.kp(),
              w.ki(),
              w.duties().maxChangePerStep()[0],
              m.observation().names());
        }
        out.printf(
            "%s: bundle \"%s\" written and validated (%d observations, %d actions, %.0f Hz)%n",
            this.out, s.name(), m.observation().size(), s.actions().size(), s.controlRateHz());
        return 0;
      } catch (BundleException e) {
        err.printf(
            "%s: cannot be imported, %d problem%s:%n",
            model, e.problems().size(), e.problems().size() == 1 ? "" : "s");
        e.problems().forEach(p -> err.println("  " + p));
        return 1;
      }
    }
  }
}
