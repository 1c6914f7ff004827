package org.adaptrobot.runtime.cli;

import ai.onnxruntime.OrtEnvironment;
import com.pi4j.Pi4J;
import com.pi4j.context.Context;
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
import java.util.stream.Stream;
import org.adaptrobot.drivers.doctor.Doctor;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.runtime.config.RuntimeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code robot selftest}: what an installation must be able to do before the robot moves: load ONNX
 * Runtime's native library for this machine, validate every shipped bundle (which runs each graph
 * in ONNX Runtime over its whole input box), read the robot's configuration, and on a Raspberry Pi
 * check the wiring as {@code robot doctor} does. Each step is announced before it runs, so that a
 * crash in native code (an illegal instruction in ONNX Runtime on some ARM cores) shows where it
 * happened.
 */
@Command(
    name = "selftest",
    mixinStandardHelpOptions = true,
    description = {
      "Check this installation before the robot moves: ONNX Runtime loads and runs, every bundle"
          + " validates (each graph run over its input box), the configuration reads, and on a"
          + " Raspberry Pi the configured devices answer (as robot doctor). Moves nothing.",
      "Exit status 0 when every step passed, 1 otherwise (each failure printed with its reason)."
    })
public final class SelfTestCommand implements Callable<Integer> {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "The robot's configuration (default: /etc/robot/robot.yaml when it exists, else none).")
  Path config;

  @Option(
      names = "--bundles",
      paramLabel = "DIR",
      description = "Bundles to check, one per folder (default: the installation's bundles/).")
  Path bundles;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON here.")
  Path json;

  @Option(names = "--device-tree-model", hidden = true, defaultValue = "/proc/device-tree/model")
  Path deviceTreeModel;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private final List<Map<String, Object>> steps = new ArrayList<>();
  private PrintWriter out;

  private void announce(String what) {
    out.printf("%-58s ", what + " ...");
    out.flush();
  }

  private boolean result(String step, boolean ok, String detail, long startNanos) {
    double ms = (System.nanoTime() - startNanos) * 1e-6;
    out.printf(Locale.ROOT, "%s (%s, %.0f ms)%n", ok ? "ok" : "FAILED", detail, ms);
    out.flush();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("step", step);
    s.put("ok", ok);
    s.put("detail", detail);
    s.put("ms", Math.round(ms));
    steps.add(s);
    return ok;
  }

  @Override
  public Integer call() throws IOException {
    out = spec.commandLine().getOut();
    boolean ok = true;
    String board = DoctorCommand.raspberryPiModel(deviceTreeModel);
    out.printf(
        "robot selftest: Java %s (%s) on %s %s%s%n",
        Runtime.version(),
        System.getProperty("java.vm.name"),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        board == null ? "" : ", " + board);

    long t = System.nanoTime();
    announce("ONNX Runtime: load the native library");
    try {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      ok &= result("onnxruntime", true, "version " + env.getVersion(), t);
    } catch (Throwable e) { // UnsatisfiedLinkError, a missing library for this architecture
      ok &= result("onnxruntime", false, e.getClass().getSimpleName() + ": " + e.getMessage(), t);
    }

    Path dir = bundles != null ? bundles : defaultBundles();
    List<Path> found = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      t = System.nanoTime();
      announce("bundles");
      ok &=
          result(
              "bundles",
              false,
              (dir == null ? "no installation bundles/ folder" : dir + ": no such folder")
                  + "; pass --bundles DIR",
              t);
    } else {
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(p -> Files.isRegularFile(p.resolve("manifest.json"))).sorted().forEach(found::add);
      }
      if (found.isEmpty()) {
        t = System.nanoTime();
        announce("bundles in " + dir);
        ok &= result("bundles", false, "no bundle (no folder with a manifest.json)", t);
      }
    }
    for (Path b : found) {
      t = System.nanoTime();
      announce("bundle " + b.getFileName() + ": validate, run in ONNX Runtime");
      try {
        Bundle bundle = BundleCommand.loadChecked(b);
        ok &=
            result(
                "bundle " + b.getFileName(),
                true,
                bundle.graphs().size()
                    + " graph"
                    + (bundle.graphs().size() == 1 ? "" : "s")
                    + ", mode "
                    + bundle.manifest().adaptation().mode().id(),
                t);
      } catch (BundleException e) {
        ok &= result("bundle " + b.getFileName(), false, String.join("; ", e.problems()), t);
      } catch (Throwable e) {
        ok &= result("bundle " + b.getFileName(), false, e.toString(), t);
      }
    }

    Path cfg = config;
    if (cfg == null && Files.isRegularFile(Path.of("/etc/robot/robot.yaml"))) {
      cfg = Path.of("/etc/robot/robot.yaml");
    }
    RuntimeConfig loaded = null;
    t = System.nanoTime();
    announce("configuration");
    if (cfg == null) {
      result("configuration", true, "none given and no /etc/robot/robot.yaml: skipped", t);
    } else {
      try {
        loaded = RuntimeConfig.load(cfg);
        String bundleNote = "";
        if (loaded.bundle() != null) {
          Bundle.load(loaded.bundle());
          bundleNote = ", its bundle " + loaded.bundle() + " loads";
        }
        ok &= result("configuration", true, cfg + " reads" + bundleNote, t);
      } catch (ConfigException e) {
        ok &= result("configuration", false, cfg + ": " + String.join("; ", e.problems()), t);
      } catch (BundleException e) {
        ok &=
            result("configuration", false, cfg + ": bundle: " + String.join("; ", e.problems()), t);
      }
    }

    t = System.nanoTime();
    announce("hardware (robot doctor)");
    if (board == null) {
      result("doctor", true, "not a Raspberry Pi: no I2C bus or GPIO to check, skipped", t);
    } else if (loaded == null) {
      ok &= result("doctor", false, "on a Raspberry Pi a configuration is needed (--config)", t);
    } else {
      Context pi4j = Pi4J.newAutoContext();
      try {
        List<Doctor.Row> rows = Doctor.check(pi4j, loaded.hardware());
        List<String> missing =
            rows.stream()
                .filter(
                    r ->
                        r.status() != Doctor.Status.FOUND
                            && r.status() != Doctor.Status.NOT_CHECKED)
                .map(Object::toString)
                .toList();
        ok &=
            result(
                "doctor",
                missing.isEmpty(),
                missing.isEmpty() ? rows.size() + " devices checked" : String.join("; ", missing),
                t);
      } catch (RuntimeException e) {
        ok &= result("doctor", false, e.toString(), t);
      } finally {
        pi4j.shutdown();
      }
    }
    out.println(ok ? "selftest passed" : "selftest FAILED");
    if (json != null) {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("passed", ok);
      summary.put("java", Runtime.version().toString());
      summary.put("arch", System.getProperty("os.arch"));
      summary.put("board", board);
      summary.put("steps", steps);
      BundleCommand.writeJson(json, summary);
    }
    return ok ? 0 : 1;
  }

  private static Path defaultBundles() {
    String home = System.getProperty("robot.home");
    return home == null ? null : Path.of(home, "bundles");
  }
}
