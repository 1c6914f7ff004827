package org.adaptrobot.runtime.cli;

/**
 * A subcommand contributed by a module the runtime does not depend on (the trainer's {@code robot
 * train}), found with {@link java.util.ServiceLoader} when that module is on the class path. A
 * robot that ships only the runtime simply does not have these commands.
 */
public interface CommandPlugin {

  /** A new picocli command object (a class annotated with {@code @Command}). */
  Object command();
}
