package org.adaptrobot.models.onnx;

import java.util.List;

/** An ONNX file that cannot be used; {@link #problems()} lists every reason found. */
public final class OnnxFormatException extends Exception {

  private final List<String> problems;

  public OnnxFormatException(String problem) {
    this(List.of(problem));
  }

  public OnnxFormatException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
