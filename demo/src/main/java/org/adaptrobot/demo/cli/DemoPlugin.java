package org.adaptrobot.demo.cli;

import org.adaptrobot.runtime.cli.CommandPlugin;

/** Adds {@code robot demo} to the launcher when the demo module is on the class path. */
public final class DemoPlugin implements CommandPlugin {
  @Override
  public Object command() {
    return new DemoCommand();
  }
}
