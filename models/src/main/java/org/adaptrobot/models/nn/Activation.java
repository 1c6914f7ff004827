package org.adaptrobot.models.nn;

/**
 * Element-wise activation functions with their first and second derivatives, expressed through the
 * activation's output {@code a = f(z)} so backward passes need not keep pre-activations.
 */
public enum Activation {
  IDENTITY("identity", null),
  TANH("tanh", "Tanh"),
  RELU("relu", "Relu"),
  SIGMOID("sigmoid", "Sigmoid");

  private final String id;
  private final String onnxOp;

  Activation(String id, String onnxOp) {
    this.id = id;
    this.onnxOp = onnxOp;
  }

  /** The name used in manifests. */
  public String id() {
    return id;
  }

  /** The ONNX operator, or null for identity. */
  public String onnxOp() {
    return onnxOp;
  }

  /** Parses a manifest name, naming the accepted ones when it is unknown. */
  public static Activation fromId(String id) {
    for (Activation a : values()) {
      if (a.id.equals(id)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown activation '" + id + "'; expected one of identity, tanh, relu, sigmoid");
  }

  public double apply(double z) {
    return switch (this) {
      case IDENTITY -> z;
      case TANH -> Math.tanh(z);
      case RELU -> z > 0 ? z : 0.0;
      case SIGMOID -> sigmoid(z);
    };
  }

  /** f'(z) written as a function of a = f(z). */
  public double derivativeFromOutput(double a) {
    return switch (this) {
      case IDENTITY -> 1.0;
      case TANH -> 1.0 - a * a;
      case RELU -> a > 0 ? 1.0 : 0.0;
      case SIGMOID -> a * (1.0 - a);
    };
  }

  /** f''(z) written as a function of a = f(z). */
  public double secondDerivativeFromOutput(double a) {
    return switch (this) {
      case IDENTITY, RELU -> 0.0;
      case TANH -> -2.0 * a * (1.0 - a * a);
      case SIGMOID -> a * (1.0 - a) * (1.0 - 2.0 * a);
    };
  }

  /** Applies the activation in place to {@code v[from .. to)}. */
  public void applyInPlace(double[] v, int from, int to) {
    switch (this) {
      case IDENTITY -> {}
      case TANH -> {
        for (int i = from; i < to; i++) {
          v[i] = Math.tanh(v[i]);
        }
      }
      case RELU -> {
        for (int i = from; i < to; i++) {
          v[i] = v[i] > 0 ? v[i] : 0.0;
        }
      }
      case SIGMOID -> {
        for (int i = from; i < to; i++) {
          v[i] = sigmoid(v[i]);
        }
      }
    }
  }

  /**
   * Applies the activation in place for inference: identical to {@link #applyInPlace} except that
   * tanh and sigmoid use an interpolated form accurate to 2e-8 (see {@code FastTanh}), below
   * float32 resolution. Used by allocation-free single-sample forward passes on the robot.
   */
  public void applyInferenceInPlace(double[] v, int from, int to) {
    switch (this) {
      case TANH -> {
        for (int i = from; i < to; i++) {
          v[i] = FastTanh.tanh(v[i]);
        }
      }
      case SIGMOID -> {
        for (int i = from; i < to; i++) {
          v[i] = FastTanh.sigmoid(v[i]);
        }
      }
      default -> applyInPlace(v, from, to);
    }
  }

  static double sigmoid(double z) {
    if (z >= 0) {
      return 1.0 / (1.0 + Math.exp(-z));
    }
    double e = Math.exp(z);
    return e / (1.0 + e);
  }
}
