package org.adaptrobot.runtime.cli;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.adaptrobot.drivers.doctor.Doctor;
import org.adaptrobot.drivers.hardware.ConfigException;
import org.adaptrobot.drivers.hardware.HardwareDescription;
import org.adaptrobot.drivers.hardware.RobotHardware;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code robot doctor}: checks the robot's wiring against its hardware description, moving nothing.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "On a Raspberry Pi: list who answers on the I2C bus and check each configured device's"
          + " identity, moving nothing. Elsewhere: check the configuration file and say that there"
          + " is no hardware to look at.",
      "Exit status 0 when every checkable device was found, 1 otherwise."
    })
public final class DoctorCommand implements Callable<Integer> {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Robot hardware description (YAML); for example src/examples/diffbot-hardware.yaml.")
  Path config;

  @Option(
      names = "--bus",
      paramLabel = "N",
      defaultValue = "1",
      description = "I2C bus to list when no configuration is given (default: ${DEFAULT-VALUE}).")
  int bus;

  @Option(names = "--device-tree-model", hidden = true, defaultValue = "/proc/device-tree/model")
  Path deviceTreeModel;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The board model the kernel reports, or null when this is not a Raspberry Pi. */
  static String raspberryPiModel(Path deviceTreeModel) {
    try {
      String model =
          new String(Files.readAllBytes(deviceTreeModel), StandardCharsets.US_ASCII)
              .replace("\0", "")
              .trim();
      return model.contains("Raspberry Pi") ? model : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RobotHardware hw = null;
    if (config != null) {
      try {
        hw = HardwareDescription.load(config);
        out.printf(
            "%s: hardware description is valid (%d I2C devices, %s and %s motors)%n",
            config, hw.i2cDevices().size(), hw.left().driver().id, hw.right().driver().id);
      } catch (ConfigException e) {
        err.printf(
            "%s: %d problem%s:%n",
            config, e.problems().size(), e.problems().size() == 1 ? "" : "s");
        e.problems().forEach(p -> err.println("  " + p));
        return 1;
      }
    }
    String model = raspberryPiModel(deviceTreeModel);
    if (model == null) {
      err.printf(
          "This machine is not a Raspberry Pi (%s does not name one): there is no I2C bus"
              + " or GPIO here to check.%nRun 'robot doctor --config FILE' on the robot.%n",
          deviceTreeModel);
      return 1;
    }
    out.println("Board: " + model);
    Context pi4j = Pi4J.newAutoContext();
    try {
      if (hw == null) {
        List<Integer> found = Doctor.scanBus(pi4j, bus);
        out.printf(
            "I2C bus %d: %s%n",
            bus,
            found.isEmpty()
                ? "no device answers"
                : found.stream().map(a -> String.format("0x%02X", a)).toList());
        return 0;
      }
      for (int b :
          hw.i2cDevices().stream().mapToInt(RobotHardware.I2cDevice::bus).distinct().toArray()) {
        out.printf(
            "I2C bus %d answers at: %s%n",
            b, Doctor.scanBus(pi4j, b).stream().map(a -> String.format("0x%02X", a)).toList());
      }
      List<Doctor.Row> rows = Doctor.check(pi4j, hw);
      out.println();
      out.print(Doctor.table(rows));
      boolean ok =
          rows.stream()
              .allMatch(
                  r ->
                      r.status() == Doctor.Status.FOUND || r.status() == Doctor.Status.NOT_CHECKED);
      return ok ? 0 : 1;
    } finally {
      pi4j.shutdown();
    }
  }
}
