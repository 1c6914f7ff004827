package org.adaptrobot.cluster;

import org.adaptrobot.runtime.cli.CommandPlugin;

/** Contributes {@code robot worker} to the command line. */
public final class WorkerPlugin implements CommandPlugin {
  @Override
  public Object command() {
    return new WorkerCommand();
  }
}
