package org.adaptrobot.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code robot} command line: one launcher, subcommands for each job. Every subcommand has
 * {@code --help} and exits non-zero on failure with a message a person can act on.
 */
@Command(
    name = "robot",
    mixinStandardHelpOptions = true,
    versionProvider = RobotCommand.Version.class,
    description = "Adaptive controller runtime for Raspberry Pi robots.",
    subcommands = {
      RunCommand.class,
      MonitorCommand.class,
      BundleCommand.class,
      DoctorCommand.class,
      SelfTestCommand.class,
      ReplayCommand.class
    })
public final class RobotCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** Builds the command line with the project's error handling. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new RobotCommand());
    for (CommandPlugin plugin : java.util.ServiceLoader.load(CommandPlugin.class)) {
      cl.addSubcommand(plugin.command());
    }
    cl.addSubcommand(new CommandLine.HelpCommand()); // last in the list
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          cmd.getErr().println(cmd.getColorScheme().errorText("error: " + ex.getMessage()));
          return 1;
        });
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** Version from the jar manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = RobotCommand.class.getPackage().getImplementationVersion();
      return new String[] {"robot " + (v == null ? "development build" : v)};
    }
  }
}
