package org.adaptrobot.models.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A recurrent network: a GRU cell followed by an MLP head on the new hidden state, as used by
 * recurrent (RL²-style) policies whose hidden state carries the inferred task.
 *
 * <p>The cell follows the ONNX/PyTorch convention with the reset gate applied after the hidden
 * matrix product ({@code linear_before_reset = 1}):
 *
 * <pre>
 *   r  = σ(x·W_ir + b_ir + h·W_hr + b_hr)
 *   z  = σ(x·W_iz + b_iz + h·W_hz + b_hz)
 *   n  = tanh(x·W_in + b_in + r ⊙ (h·W_hn + b_hn))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *   y  = head(h')
 * </pre>
 *
 * Weights are {@code gru.weight_ih [input, 3H]} and {@code gru.weight_hh [H, 3H]} with gate columns
 * in the order r, z, n; biases {@code gru.bias_ih}, {@code gru.bias_hh} of size 3H. The head's
 * slices are prefixed {@code head.}. Gradients through time (BPTT) are exact.
 */
public final class GruNetwork {

  public static final String WEIGHT_IH = "gru.weight_ih";
  public static final String WEIGHT_HH = "gru.weight_hh";
  public static final String BIAS_IH = "gru.bias_ih";
  public static final String BIAS_HH = "gru.bias_hh";

  private final int inputSize;
  private final int hiddenSize;
  private final Mlp head;
  private final ParameterLayout layout;
  private final int wih;
  private final int whh;
  private final int bih;
  private final int bhh;
  private final int headOffset;

  /**
   * @param inputSize size of x
   * @param hiddenSize size of h
   * @param head network on h'; its input size must equal {@code hiddenSize} and its slice names
   *     must start with {@code head.}
   */
  public GruNetwork(int inputSize, int hiddenSize, Mlp head) {
    if (inputSize <= 0 || hiddenSize <= 0) {
      throw new IllegalArgumentException(
          "GRU sizes must be positive: input " + inputSize + ", hidden " + hiddenSize);
    }
    if (head.inputSize() != hiddenSize) {
      throw new IllegalArgumentException(
          "GRU head input size " + head.inputSize() + " must equal hidden size " + hiddenSize);
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.head = head;
    this.layout =
        ParameterLayout.builder()
            .add(WEIGHT_IH, inputSize, 3 * hiddenSize)
            .add(WEIGHT_HH, hiddenSize, 3 * hiddenSize)
            .add(BIAS_IH, 3 * hiddenSize)
            .add(BIAS_HH, 3 * hiddenSize)
            .addAll(head.layout())
            .build();
    this.wih = layout.slice(WEIGHT_IH).offset();
    this.whh = layout.slice(WEIGHT_HH).offset();
    this.bih = layout.slice(BIAS_IH).offset();
    this.bhh = layout.slice(BIAS_HH).offset();
    this.headOffset = layout.slice(head.weightName(0)).offset();
  }

  /** A head MLP with the {@code head.} prefix this class expects. */
  public static Mlp head(int hiddenSize, int[] hidden, int output, Activation act, Activation out) {
    int[] sizes = new int[hidden.length + 2];
    sizes[0] = hiddenSize;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = output;
    Activation[] acts = new Activation[sizes.length - 1];
    Arrays.fill(acts, act);
    acts[acts.length - 1] = out;
    return new Mlp(sizes, acts, "head.");
  }

  public ParameterLayout layout() {
    return layout;
  }

  public int inputSize() {
    return inputSize;
  }

  public int hiddenSize() {
    return hiddenSize;
  }

  public int outputSize() {
    return head.outputSize();
  }

  public Mlp headNetwork() {
    return head;
  }

  /** Uniform(±1/√H) for the cell as in common GRU implementations; the head as {@link Mlp}. */
  public void initialise(double[] params, SplittableRandom random) {
    double k = 1.0 / Math.sqrt(hiddenSize);
    for (int i = 0; i < headOffset; i++) {
      params[i] = (2.0 * random.nextDouble() - 1.0) * k;
    }
    head.initialise(params, headOffset, random);
  }

  // ---------------------------------------------------------------- single step, no allocation

  /** Scratch space for {@link #step}. */
  public static final class Workspace {
    final double[] gi;
    final double[] gh;
    final Mlp.Workspace head;

    Workspace(int hidden, Mlp head) {
      gi = new double[3 * hidden];
      gh = new double[3 * hidden];
      this.head = head.newWorkspace();
    }
  }

  public Workspace newWorkspace() {
    return new Workspace(hiddenSize, head);
  }

  /**
   * One time step for one sample: reads x and h, writes h' and y. {@code hiddenOut} may be the same
   * array as {@code hiddenIn}. Allocates nothing.
   */
  public void step(
      double[] params,
      double[] x,
      double[] hiddenIn,
      double[] hiddenOut,
      double[] y,
      Workspace ws) {
    int hs = hiddenSize;
    cellStep(params, x, 0, hiddenIn, 0, ws.gi, ws.gh);
    for (int j = 0; j < hs; j++) {
      double r = Activation.sigmoid(ws.gi[j] + ws.gh[j]);
      double z = Activation.sigmoid(ws.gi[hs + j] + ws.gh[hs + j]);
      double n = Math.tanh(ws.gi[2 * hs + j] + r * ws.gh[2 * hs + j]);
      hiddenOut[j] = (1.0 - z) * n + z * hiddenIn[j];
    }
    head.forward(params, headOffset, hiddenOut, 0, y, 0, ws.head);
  }

  /** gi = x·W_ih + b_ih and gh = h·W_hh + b_hh for one sample. */
  private void cellStep(
      double[] p, double[] x, int xOff, double[] h, int hOff, double[] gi, double[] gh) {
    int g = 3 * hiddenSize;
    System.arraycopy(p, bih, gi, 0, g);
    for (int i = 0; i < inputSize; i++) {
      double xi = x[xOff + i];
      int row = wih + i * g;
      for (int j = 0; j < g; j++) {
        gi[j] += xi * p[row + j];
      }
    }
    System.arraycopy(p, bhh, gh, 0, g);
    for (int i = 0; i < hiddenSize; i++) {
      double hi = h[hOff + i];
      int row = whh + i * g;
      for (int j = 0; j < g; j++) {
        gh[j] += hi * p[row + j];
      }
    }
  }

  // ---------------------------------------------------------------- sequences and BPTT

  /** Everything a sequence forward pass keeps for backpropagation through time. */
  public static final class SequenceTape {
    final int maxSteps;
    final int maxBatch;
    final double[][] input; // x_t [B, in]
    final double[][] hidden; // h_t [B, H], t = 0..T (h_0 is the initial state)
    final double[][] reset;
    final double[][] update;
    final double[][] candidate;
    final double[][] hiddenLinear; // h_{t-1}·W_hn + b_hn
    final Mlp.Tape[] heads;
    final double[] gi;
    final double[] gh;
    final double[] gradHidden;
    final double[] gradHeadInput;
    final double[] gradGates;
    final double[] gradHiddenGates;
    int steps;
    int batch;

    SequenceTape(GruNetwork net, int maxSteps, int maxBatch) {
      int h = net.hiddenSize;
      this.maxSteps = maxSteps;
      this.maxBatch = maxBatch;
      input = new double[maxSteps][maxBatch * net.inputSize];
      hidden = new double[maxSteps + 1][maxBatch * h];
      reset = new double[maxSteps][maxBatch * h];
      update = new double[maxSteps][maxBatch * h];
      candidate = new double[maxSteps][maxBatch * h];
      hiddenLinear = new double[maxSteps][maxBatch * h];
      heads = new Mlp.Tape[maxSteps];
      for (int t = 0; t < maxSteps; t++) {
        heads[t] = net.head.newTape(maxBatch);
      }
      gi = new double[3 * h];
      gh = new double[3 * h];
      gradHidden = new double[maxBatch * h];
      gradHeadInput = new double[maxBatch * h];
      gradGates = new double[3 * h];
      gradHiddenGates = new double[3 * h];
    }

    /** Hidden state after the last step, {@code [batch, H]}. */
    public double[] finalHidden() {
      return hidden[steps];
    }

    /** Head output at step t, {@code [batch, output]}. */
    public double[] output(int t) {
      return heads[t].act[heads[t].act.length - 1];
    }
  }

  public SequenceTape newSequenceTape(int maxSteps, int maxBatch) {
    return new SequenceTape(this, maxSteps, maxBatch);
  }

  /**
   * Runs {@code steps} steps for a batch.
   *
   * @param inputs {@code inputs[t]} is {@code [batch, inputSize]}
   * @param initialHidden {@code [batch, H]}, or null for zeros
   */
  public void forward(
      double[] params,
      double[][] inputs,
      double[] initialHidden,
      int steps,
      int batch,
      SequenceTape tape) {
    if (steps > tape.maxSteps || batch > tape.maxBatch) {
      throw new IllegalArgumentException(
          "sequence of "
              + steps
              + " steps x "
              + batch
              + " does not fit a tape of "
              + tape.maxSteps
              + " x "
              + tape.maxBatch);
    }
    tape.steps = steps;
    tape.batch = batch;
    int hs = hiddenSize;
    if (initialHidden == null) {
      Arrays.fill(tape.hidden[0], 0.0);
    } else {
      System.arraycopy(initialHidden, 0, tape.hidden[0], 0, batch * hs);
    }
    for (int t = 0; t < steps; t++) {
      System.arraycopy(inputs[t], 0, tape.input[t], 0, batch * inputSize);
      double[] hPrev = tape.hidden[t];
      double[] hNext = tape.hidden[t + 1];
      for (int b = 0; b < batch; b++) {
        cellStep(params, tape.input[t], b * inputSize, hPrev, b * hs, tape.gi, tape.gh);
        for (int j = 0; j < hs; j++) {
          int k = b * hs + j;
          double r = Activation.sigmoid(tape.gi[j] + tape.gh[j]);
          double z = Activation.sigmoid(tape.gi[hs + j] + tape.gh[hs + j]);
          double hl = tape.gh[2 * hs + j];
          double n = Math.tanh(tape.gi[2 * hs + j] + r * hl);
          tape.reset[t][k] = r;
          tape.update[t][k] = z;
          tape.candidate[t][k] = n;
          tape.hiddenLinear[t][k] = hl;
          hNext[k] = (1.0 - z) * n + z * hPrev[k];
        }
      }
      head.forward(params, headOffset, hNext, batch, tape.heads[t]);
    }
  }

  /**
   * Backpropagation through time after {@link #forward}: adds dL/dθ to {@code gradParams}; writes
   * dL/dx_t into {@code gradInputs[t]} and dL/dh_0 into {@code gradInitialHidden} when those are
   * not null.
   *
   * @param gradOutputs {@code gradOutputs[t]} = dL/dy_t {@code [batch, output]}, or null when step
   *     t's output does not enter the loss
   * @param gradFinalHidden dL/dh_T, or null
   */
  public void backward(
      double[] params,
      SequenceTape tape,
      double[][] gradOutputs,
      double[] gradFinalHidden,
      double[] gradParams,
      double[][] gradInputs,
      double[] gradInitialHidden) {
    int hs = hiddenSize;
    int g = 3 * hs;
    int batch = tape.batch;
    double[] gradH = tape.gradHidden;
    if (gradFinalHidden == null) {
      Arrays.fill(gradH, 0, batch * hs, 0.0);
    } else {
      System.arraycopy(gradFinalHidden, 0, gradH, 0, batch * hs);
    }
    for (int t = tape.steps - 1; t >= 0; t--) {
      if (gradOutputs != null && gradOutputs[t] != null) {
        head.backward(
            params,
            headOffset,
            tape.heads[t],
            gradOutputs[t],
            gradParams,
            headOffset,
            tape.gradHeadInput);
        for (int k = 0; k < batch * hs; k++) {
          gradH[k] += tape.gradHeadInput[k];
        }
      }
      double[] hPrev = tape.hidden[t];
      double[] x = tape.input[t];
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < hs; j++) {
          int k = b * hs + j;
          double r = tape.reset[t][k];
          double z = tape.update[t][k];
          double n = tape.candidate[t][k];
          double gh = gradH[k];
          double dn = gh * (1.0 - z);
          double dz = gh * (hPrev[k] - n);
          double dan = dn * (1.0 - n * n);
          double dr = dan * tape.hiddenLinear[t][k];
          double dar = dr * r * (1.0 - r);
          double daz = dz * z * (1.0 - z);
          tape.gradGates[j] = dar;
          tape.gradGates[hs + j] = daz;
          tape.gradGates[2 * hs + j] = dan;
          tape.gradHiddenGates[j] = dar;
          tape.gradHiddenGates[hs + j] = daz;
          tape.gradHiddenGates[2 * hs + j] = dan * r;
          // direct path h' = ... + z ⊙ h
          gradH[k] = gh * z;
        }
        // input side
        int xo = b * inputSize;
        for (int i = 0; i < inputSize; i++) {
          double xi = x[xo + i];
          int row = wih + i * g;
          double sum = 0.0;
          for (int j = 0; j < g; j++) {
            gradParams[row + j] += xi * tape.gradGates[j];
            sum += tape.gradGates[j] * params[row + j];
          }
          if (gradInputs != null) {
            gradInputs[t][xo + i] = sum;
          }
        }
        for (int j = 0; j < g; j++) {
          gradParams[bih + j] += tape.gradGates[j];
          gradParams[bhh + j] += tape.gradHiddenGates[j];
        }
        // hidden side
        int ho = b * hs;
        for (int i = 0; i < hs; i++) {
          double hi = hPrev[ho + i];
          int row = whh + i * g;
          double sum = 0.0;
          for (int j = 0; j < g; j++) {
            gradParams[row + j] += hi * tape.gradHiddenGates[j];
            sum += tape.gradHiddenGates[j] * params[row + j];
          }
          gradH[ho + i] += sum;
        }
      }
    }
    if (gradInitialHidden != null) {
      System.arraycopy(gradH, 0, gradInitialHidden, 0, batch * hs);
    }
  }
}
