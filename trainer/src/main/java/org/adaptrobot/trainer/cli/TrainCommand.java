package org.adaptrobot.trainer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code robot train}: meta-training jobs. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Meta-train models: the sinusoid benchmark, adaptable dynamics models, reinforcement"
            + " and meta-reinforcement learning.",
    subcommands = {SineCommand.class, DynamicsCommand.class, BllCommand.class, RlCommand.class})
public final class TrainCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: sine, dynamics, bll or rl");
  }
}
