package org.adaptrobot.drivers.hardware;

import java.util.List;

/** A configuration file with problems; {@link #problems()} lists each with its path in the file. */
public final class ConfigException extends Exception {

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(
        problems.size() == 1
            ? problems.get(0)
            : problems.size() + " problems:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
