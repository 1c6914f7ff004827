package org.adaptrobot.models.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A fully connected network {@code a_{l+1} = f_l(a_l · W_l + b_l)}. Weights are stored {@code [in,
 * out]} row-major (the ONNX MatMul layout) so the forward pass is a sequence of axpy updates over
 * contiguous memory, which the JIT vectorises.
 *
 * <p>Slices are named {@code <prefix>layers.<l>.weight} and {@code <prefix>layers.<l>.bias}.
 * Internal methods take a parameter offset so that composite models can embed an MLP in a larger
 * vector.
 */
public final class Mlp implements DifferentiableModel {

  private final int[] sizes;
  private final Activation[] activations;
  private final String prefix;
  private final int[] weightOffset;
  private final int[] biasOffset;
  private final ParameterLayout layout;
  private final int maxWidth;

  /**
   * @param layerSizes input size, hidden sizes..., output size (at least two entries)
   * @param activations one per layer ({@code layerSizes.length - 1} entries)
   */
  public Mlp(int[] layerSizes, Activation[] activations) {
    this(layerSizes, activations, "");
  }

  public Mlp(int[] layerSizes, Activation[] activations, String prefix) {
    if (layerSizes.length < 2) {
      throw new IllegalArgumentException(
          "an MLP needs at least an input and an output size, got " + Arrays.toString(layerSizes));
    }
    if (activations.length != layerSizes.length - 1) {
      throw new IllegalArgumentException(
          "an MLP with layer sizes "
              + Arrays.toString(layerSizes)
              + " needs "
              + (layerSizes.length - 1)
              + " activations, got "
              + activations.length);
    }
    this.sizes = layerSizes.clone();
    this.activations = activations.clone();
    this.prefix = prefix;
    int layers = sizes.length - 1;
    this.weightOffset = new int[layers];
    this.biasOffset = new int[layers];
    ParameterLayout.Builder b = ParameterLayout.builder();
    int offset = 0;
    int width = 0;
    for (int l = 0; l < layers; l++) {
      if (sizes[l] <= 0 || sizes[l + 1] <= 0) {
        throw new IllegalArgumentException(
            "MLP layer sizes must be positive: " + Arrays.toString(layerSizes));
      }
      b.add(weightName(l), sizes[l], sizes[l + 1]);
      weightOffset[l] = offset;
      offset += sizes[l] * sizes[l + 1];
      b.add(biasName(l), sizes[l + 1]);
      biasOffset[l] = offset;
      offset += sizes[l + 1];
    }
    for (int s : sizes) {
      width = Math.max(width, s);
    }
    this.layout = b.build();
    this.maxWidth = width;
  }

  /** An MLP whose hidden layers share one activation. */
  public static Mlp of(int input, int[] hidden, int output, Activation hiddenAct, Activation out) {
    int[] sizes = new int[hidden.length + 2];
    sizes[0] = input;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = output;
    Activation[] acts = new Activation[sizes.length - 1];
    Arrays.fill(acts, hiddenAct);
    acts[acts.length - 1] = out;
    return new Mlp(sizes, acts);
  }

  public String weightName(int layer) {
    return prefix + "layers." + layer + ".weight";
  }

  public String biasName(int layer) {
    return prefix + "layers." + layer + ".bias";
  }

  public int[] layerSizes() {
    return sizes.clone();
  }

  public Activation[] activations() {
    return activations.clone();
  }

  public int layerCount() {
    return activations.length;
  }

  @Override
  public ParameterLayout layout() {
    return layout;
  }

  @Override
  public int inputSize() {
    return sizes[0];
  }

  @Override
  public int outputSize() {
    return sizes[sizes.length - 1];
  }

  /** Glorot-uniform weights for tanh/sigmoid/identity layers, He-uniform for ReLU; zero biases. */
  @Override
  public void initialise(double[] params, SplittableRandom random) {
    initialise(params, 0, random);
  }

  void initialise(double[] params, int off, SplittableRandom random) {
    for (int l = 0; l < activations.length; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      double limit =
          activations[l] == Activation.RELU ? Math.sqrt(6.0 / in) : Math.sqrt(6.0 / (in + out));
      int w = off + weightOffset[l];
      for (int k = 0; k < in * out; k++) {
        params[w + k] = (2.0 * random.nextDouble() - 1.0) * limit;
      }
      Arrays.fill(params, off + biasOffset[l], off + biasOffset[l] + out, 0.0);
    }
  }

  // ---------------------------------------------------------------- single sample, no allocation

  /** Scratch space for {@link #forward(double[], int, double[], int, double[], int, Workspace)}. */
  public static final class Workspace {
    final double[] ping;
    final double[] pong;

    Workspace(int width) {
      ping = new double[width];
      pong = new double[width];
    }
  }

  public Workspace newWorkspace() {
    return new Workspace(maxWidth);
  }

  /**
   * One sample, for inference: reads {@code x[xOff .. xOff + inputSize())}, writes {@code y[yOff ..
   * yOff + outputSize())}. Allocates nothing. tanh and sigmoid are the interpolated forms of {@link
   * Activation#applyInferenceInPlace} (within 2e-8 of the batched, differentiable pass).
   */
  public void forward(
      double[] params, int paramOffset, double[] x, int xOff, double[] y, int yOff, Workspace ws) {
    double[] src = x;
    int srcOff = xOff;
    int layers = activations.length;
    for (int l = 0; l < layers; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      double[] dst;
      int dstOff;
      if (l == layers - 1) {
        dst = y;
        dstOff = yOff;
      } else {
        dst = (l & 1) == 0 ? ws.ping : ws.pong;
        dstOff = 0;
      }
      DenseKernels.forwardOne(
          src,
          srcOff,
          in,
          params,
          paramOffset + weightOffset[l],
          paramOffset + biasOffset[l],
          out,
          dst,
          dstOff);
      activations[l].applyInferenceInPlace(dst, dstOff, dstOff + out);
      src = dst;
      srcOff = dstOff;
    }
  }

  // ---------------------------------------------------------------- batched passes

  /** Activations, deltas and their directional derivatives for one batch. */
  public static final class Tape implements ModelTape {
    final int maxBatch;
    final double[][] act; // a_l, l = 0..L
    final double[][] grad; // dL/da_l
    final double[][] deltaZ; // dL/dz_l, l = 1..L
    final double[][] rAct; // R{a_l}
    final double[][] rZ; // R{z_l}
    final double[][] rGrad; // R{dL/da_l}
    final double[][] rDeltaZ; // R{dL/dz_l}

    Tape(int[] sizes, int maxBatch) {
      this.maxBatch = maxBatch;
      int n = sizes.length;
      act = new double[n][];
      grad = new double[n][];
      deltaZ = new double[n][];
      rAct = new double[n][];
      rZ = new double[n][];
      rGrad = new double[n][];
      rDeltaZ = new double[n][];
      for (int l = 0; l < n; l++) {
        int len = sizes[l] * maxBatch;
        act[l] = new double[len];
        grad[l] = new double[len];
        deltaZ[l] = new double[len];
        rAct[l] = new double[len];
        rZ[l] = new double[len];
        rGrad[l] = new double[len];
        rDeltaZ[l] = new double[len];
      }
    }

    @Override
    public int maxBatch() {
      return maxBatch;
    }

    int batch;

    /** The input of the last forward pass. */
    public double[] input() {
      return act[0];
    }
  }

  @Override
  public Tape newTape(int maxBatch) {
    if (maxBatch <= 0) {
      throw new IllegalArgumentException("maxBatch must be positive, got " + maxBatch);
    }
    return new Tape(sizes, maxBatch);
  }

  private Tape tape(ModelTape t, int batch) {
    if (!(t instanceof Tape tape)) {
      throw new IllegalArgumentException("tape was not made by this MLP: " + t);
    }
    if (tape.act[0].length != sizes[0] * tape.maxBatch
        || tape.act.length != sizes.length
        || tape.act[tape.act.length - 1].length != outputSize() * tape.maxBatch) {
      throw new IllegalArgumentException("tape was made for an MLP of other sizes");
    }
    if (batch > tape.maxBatch || batch < 0) {
      throw new IllegalArgumentException(
          "batch " + batch + " does not fit a tape of at most " + tape.maxBatch);
    }
    return tape;
  }

  @Override
  public double[] forward(double[] params, double[] input, int batch, ModelTape t) {
    return forward(params, 0, input, batch, t);
  }

  double[] forward(double[] p, int off, double[] input, int batch, ModelTape t) {
    return forward(p, off, input, batch, t, false);
  }

  @Override
  public double[] forwardInference(double[] params, double[] input, int batch, ModelTape t) {
    return forward(params, 0, input, batch, t, true);
  }

  private double[] forward(
      double[] p, int off, double[] input, int batch, ModelTape t, boolean inference) {
    Tape tape = tape(t, batch);
    tape.batch = batch;
    System.arraycopy(input, 0, tape.act[0], 0, batch * sizes[0]);
    forwardFromTapeInput(p, off, tape, inference);
    return tape.act[sizes.length - 1];
  }

  /**
   * Forward pass on whatever is already in the tape's input array; {@code inference} uses the
   * interpolated activations (no backward pass may follow).
   */
  void forwardFromTapeInput(double[] p, int off, Tape tape, boolean inference) {
    int batch = tape.batch;
    for (int l = 0; l < activations.length; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      double[] src = tape.act[l];
      double[] dst = tape.act[l + 1];
      DenseKernels.forward(src, batch, in, p, off + weightOffset[l], off + biasOffset[l], out, dst);
      if (inference) {
        activations[l].applyInferenceInPlace(dst, 0, batch * out);
      } else {
        activations[l].applyInPlace(dst, 0, batch * out);
      }
    }
  }

  Tape checkedTape(ModelTape t) {
    Tape tape = tape(t, 0);
    return tape;
  }

  @Override
  public void backward(
      double[] params, ModelTape t, double[] gradOutput, double[] gradParams, double[] gradInput) {
    backward(params, 0, t, gradOutput, gradParams, 0, gradInput);
  }

  void backward(
      double[] p,
      int off,
      ModelTape t,
      double[] gradOutput,
      double[] gradParams,
      int gradOff,
      double[] gradInput) {
    Tape tape = checkedTape(t);
    int batch = tape.batch;
    int last = sizes.length - 1;
    System.arraycopy(gradOutput, 0, tape.grad[last], 0, batch * sizes[last]);
    for (int l = activations.length - 1; l >= 0; l--) {
      int in = sizes[l];
      int out = sizes[l + 1];
      double[] a = tape.act[l + 1];
      double[] g = tape.grad[l + 1];
      double[] dz = tape.deltaZ[l + 1];
      Activation f = activations[l];
      for (int k = 0; k < batch * out; k++) {
        dz[k] = g[k] * f.derivativeFromOutput(a[k]);
      }
      if (gradParams != null) {
        DenseKernels.accumulateOuter(
            tape.act[l], dz, batch, in, out, gradParams, gradOff + weightOffset[l]);
        accumulateColumnSums(dz, batch, out, gradParams, gradOff + biasOffset[l]);
      }
      if (l > 0 || gradInput != null) {
        double[] target = l > 0 ? tape.grad[l] : gradInput;
        DenseKernels.multiplyTransposed(
            dz, batch, out, p, off + weightOffset[l], in, target, false);
      }
    }
  }

  /** target[b + j] += Σ_s d[s,j]. */
  private static void accumulateColumnSums(double[] d, int batch, int out, double[] target, int b) {
    for (int s = 0; s < batch; s++) {
      int ds = s * out;
      for (int j = 0; j < out; j++) {
        target[b + j] += d[ds + j];
      }
    }
  }

  @Override
  public double[] forwardDirection(
      double[] params, double[] directionParams, double[] directionInput, ModelTape t) {
    return forwardDirection(params, 0, directionParams, 0, directionInput, t);
  }

  double[] forwardDirection(
      double[] p, int off, double[] v, int vOff, double[] directionInput, ModelTape t) {
    Tape tape = checkedTape(t);
    int batch = tape.batch;
    if (directionInput == null) {
      Arrays.fill(tape.rAct[0], 0, batch * sizes[0], 0.0);
    } else {
      System.arraycopy(directionInput, 0, tape.rAct[0], 0, batch * sizes[0]);
    }
    forwardDirectionFromTapeInput(p, off, v, vOff, tape);
    return tape.rAct[sizes.length - 1];
  }

  void forwardDirectionFromTapeInput(double[] p, int off, double[] v, int vOff, Tape tape) {
    int batch = tape.batch;
    for (int l = 0; l < activations.length; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      double[] x = tape.act[l];
      double[] rx = tape.rAct[l];
      double[] rz = tape.rZ[l + 1];
      // R{z} = x·V_W + V_b + R{x}·W
      DenseKernels.forward(x, batch, in, v, vOff + weightOffset[l], vOff + biasOffset[l], out, rz);
      DenseKernels.multiplyAdd(rx, batch, in, p, off + weightOffset[l], out, rz);
      double[] a = tape.act[l + 1];
      double[] ra = tape.rAct[l + 1];
      Activation f = activations[l];
      for (int k = 0; k < batch * out; k++) {
        ra[k] = f.derivativeFromOutput(a[k]) * rz[k];
      }
    }
  }

  @Override
  public void backwardDirection(
      double[] params,
      double[] directionParams,
      ModelTape t,
      double[] gradOutput,
      double[] rGradOutput,
      double[] hvParams,
      double[] rGradInput) {
    backwardDirection(
        params, 0, directionParams, 0, t, gradOutput, rGradOutput, hvParams, 0, rGradInput);
  }

  void backwardDirection(
      double[] p,
      int off,
      double[] v,
      int vOff,
      ModelTape t,
      double[] gradOutput,
      double[] rGradOutput,
      double[] hv,
      int hvOff,
      double[] rGradInput) {
    Tape tape = checkedTape(t);
    // Recompute the ordinary deltas so callers need not keep a matching backward() call around.
    backward(p, off, tape, gradOutput, null, 0, null);
    int batch = tape.batch;
    int last = sizes.length - 1;
    System.arraycopy(rGradOutput, 0, tape.rGrad[last], 0, batch * sizes[last]);
    for (int l = activations.length - 1; l >= 0; l--) {
      int in = sizes[l];
      int out = sizes[l + 1];
      double[] a = tape.act[l + 1];
      double[] g = tape.grad[l + 1];
      double[] rg = tape.rGrad[l + 1];
      double[] rz = tape.rZ[l + 1];
      double[] dz = tape.deltaZ[l + 1];
      double[] rdz = tape.rDeltaZ[l + 1];
      Activation f = activations[l];
      for (int k = 0; k < batch * out; k++) {
        rdz[k] =
            f.secondDerivativeFromOutput(a[k]) * rz[k] * g[k]
                + f.derivativeFromOutput(a[k]) * rg[k];
      }
      // R{gW} = R{x}ᵀ δz + xᵀ R{δz};  R{gb} = Σ R{δz}
      DenseKernels.accumulateOuter(tape.rAct[l], dz, batch, in, out, hv, hvOff + weightOffset[l]);
      DenseKernels.accumulateOuter(tape.act[l], rdz, batch, in, out, hv, hvOff + weightOffset[l]);
      accumulateColumnSums(rdz, batch, out, hv, hvOff + biasOffset[l]);
      if (l > 0 || rGradInput != null) {
        // R{dL/dx} = R{δz}·Wᵀ + δz·V_Wᵀ
        double[] target = l > 0 ? tape.rGrad[l] : rGradInput;
        DenseKernels.multiplyTransposed(
            rdz, batch, out, p, off + weightOffset[l], in, target, false);
        DenseKernels.multiplyTransposed(
            dz, batch, out, v, vOff + weightOffset[l], in, target, true);
      }
    }
  }

  /** The output array of the last forward pass on {@code tape}. */
  public double[] output(ModelTape tape) {
    return checkedTape(tape).act[sizes.length - 1];
  }
}
