package org.adaptrobot.models.bundle;

import java.util.List;

/**
 * A bundle that cannot be used. {@link #problems()} lists every problem found, each naming the
 * file, the field, what was expected and what was found.
 */
public final class BundleException extends Exception {

  private final List<String> problems;

  public BundleException(String problem) {
    this(List.of(problem));
  }

  public BundleException(List<String> problems) {
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
