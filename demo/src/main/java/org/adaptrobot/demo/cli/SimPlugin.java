package org.adaptrobot.demo.cli;

import org.adaptrobot.runtime.cli.CommandPlugin;

/** Adds {@code robot sim} (the hardware-in-the-loop simulator) to the launcher. */
public final class SimPlugin implements CommandPlugin {
  @Override
  public Object command() {
    return new SimCommand();
  }
}
