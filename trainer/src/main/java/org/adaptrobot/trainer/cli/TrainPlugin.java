package org.adaptrobot.trainer.cli;

import org.adaptrobot.runtime.cli.CommandPlugin;

/** Contributes {@code robot train} to the runtime's command line. */
public final class TrainPlugin implements CommandPlugin {
  @Override
  public Object command() {
    return new TrainCommand();
  }
}
