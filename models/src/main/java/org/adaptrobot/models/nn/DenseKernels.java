package org.adaptrobot.models.nn;

/**
 * The three dense products of a fully connected layer, register-tiled 4 × 4 so that each load feeds
 * two multiply-adds. Weights are {@code W [in, out]} row-major at an offset; activations are {@code
 * [batch, size]} row-major. C2 does not vectorise the naive loops (the arrays may alias), so
 * blocking is what makes them fast. Nothing here allocates.
 */
final class DenseKernels {

  private DenseKernels() {}

  /** Y[s, j] = b[j] + Σ_i X[s, i] · W[i, j]. */
  static void forward(
      double[] x, int batch, int in, double[] p, int w, int b, int out, double[] y) {
    int s = 0;
    for (; s + 3 < batch; s += 4) {
      int x0 = s * in;
      int x1 = x0 + in;
      int x2 = x1 + in;
      int x3 = x2 + in;
      int j = 0;
      for (; j + 3 < out; j += 4) {
        double b0 = p[b + j];
        double b1 = p[b + j + 1];
        double b2 = p[b + j + 2];
        double b3 = p[b + j + 3];
        double y00 = b0, y01 = b1, y02 = b2, y03 = b3;
        double y10 = b0, y11 = b1, y12 = b2, y13 = b3;
        double y20 = b0, y21 = b1, y22 = b2, y23 = b3;
        double y30 = b0, y31 = b1, y32 = b2, y33 = b3;
        for (int i = 0; i < in; i++) {
          int q = w + i * out + j;
          double w0 = p[q];
          double w1 = p[q + 1];
          double w2 = p[q + 2];
          double w3 = p[q + 3];
          double a0 = x[x0 + i];
          double a1 = x[x1 + i];
          double a2 = x[x2 + i];
          double a3 = x[x3 + i];
          y00 += a0 * w0;
          y01 += a0 * w1;
          y02 += a0 * w2;
          y03 += a0 * w3;
          y10 += a1 * w0;
          y11 += a1 * w1;
          y12 += a1 * w2;
          y13 += a1 * w3;
          y20 += a2 * w0;
          y21 += a2 * w1;
          y22 += a2 * w2;
          y23 += a2 * w3;
          y30 += a3 * w0;
          y31 += a3 * w1;
          y32 += a3 * w2;
          y33 += a3 * w3;
        }
        int o0 = s * out + j;
        int o1 = o0 + out;
        int o2 = o1 + out;
        int o3 = o2 + out;
        y[o0] = y00;
        y[o0 + 1] = y01;
        y[o0 + 2] = y02;
        y[o0 + 3] = y03;
        y[o1] = y10;
        y[o1 + 1] = y11;
        y[o1 + 2] = y12;
        y[o1 + 3] = y13;
        y[o2] = y20;
        y[o2 + 1] = y21;
        y[o2 + 2] = y22;
        y[o2 + 3] = y23;
        y[o3] = y30;
        y[o3 + 1] = y31;
        y[o3 + 2] = y32;
        y[o3 + 3] = y33;
      }
      for (; j < out; j++) {
        for (int r = 0; r < 4; r++) {
          int xr = (s + r) * in;
          double acc = p[b + j];
          for (int i = 0; i < in; i++) {
            acc += x[xr + i] * p[w + i * out + j];
          }
          y[(s + r) * out + j] = acc;
        }
      }
    }
    for (; s < batch; s++) {
      forwardOne(x, s * in, in, p, w, b, out, y, s * out);
    }
  }

  /** Y[s, j] += Σ_i X[s, i] · W[i, j] (no bias), rows of X that are all zero cost little. */
  static void multiplyAdd(double[] x, int batch, int in, double[] p, int w, int out, double[] y) {
    for (int s = 0; s < batch; s++) {
      int xs = s * in;
      int ys = s * out;
      for (int i = 0; i < in; i++) {
        double a = x[xs + i];
        if (a == 0.0) {
          continue;
        }
        int row = w + i * out;
        for (int j = 0; j < out; j++) {
          y[ys + j] += a * p[row + j];
        }
      }
    }
  }

  /** One sample: y[yOff + j] = b[j] + Σ_i x[xOff + i] · W[i, j], eight outputs at a time. */
  static void forwardOne(
      double[] x, int xOff, int in, double[] p, int w, int b, int out, double[] y, int yOff) {
    int j = 0;
    for (; j + 7 < out; j += 8) {
      double y0 = p[b + j], y1 = p[b + j + 1], y2 = p[b + j + 2], y3 = p[b + j + 3];
      double y4 = p[b + j + 4], y5 = p[b + j + 5], y6 = p[b + j + 6], y7 = p[b + j + 7];
      for (int i = 0; i < in; i++) {
        double a = x[xOff + i];
        int q = w + i * out + j;
        y0 += a * p[q];
        y1 += a * p[q + 1];
        y2 += a * p[q + 2];
        y3 += a * p[q + 3];
        y4 += a * p[q + 4];
        y5 += a * p[q + 5];
        y6 += a * p[q + 6];
        y7 += a * p[q + 7];
      }
      y[yOff + j] = y0;
      y[yOff + j + 1] = y1;
      y[yOff + j + 2] = y2;
      y[yOff + j + 3] = y3;
      y[yOff + j + 4] = y4;
      y[yOff + j + 5] = y5;
      y[yOff + j + 6] = y6;
      y[yOff + j + 7] = y7;
    }
    for (; j < out; j++) {
      double acc = p[b + j];
      for (int i = 0; i < in; i++) {
        acc += x[xOff + i] * p[w + i * out + j];
      }
      y[yOff + j] = acc;
    }
  }

  /** G[i, j] += Σ_s X[s, i] · D[s, j], with G at offset g in {@code [in, out]} layout. */
  static void accumulateOuter(
      double[] x, double[] d, int batch, int in, int out, double[] target, int g) {
    int i = 0;
    for (; i + 3 < in; i += 4) {
      int j = 0;
      for (; j + 3 < out; j += 4) {
        double g00 = 0, g01 = 0, g02 = 0, g03 = 0;
        double g10 = 0, g11 = 0, g12 = 0, g13 = 0;
        double g20 = 0, g21 = 0, g22 = 0, g23 = 0;
        double g30 = 0, g31 = 0, g32 = 0, g33 = 0;
        for (int s = 0; s < batch; s++) {
          int xs = s * in + i;
          int ds = s * out + j;
          double a0 = x[xs];
          double a1 = x[xs + 1];
          double a2 = x[xs + 2];
          double a3 = x[xs + 3];
          double d0 = d[ds];
          double d1 = d[ds + 1];
          double d2 = d[ds + 2];
          double d3 = d[ds + 3];
          g00 += a0 * d0;
          g01 += a0 * d1;
          g02 += a0 * d2;
          g03 += a0 * d3;
          g10 += a1 * d0;
          g11 += a1 * d1;
          g12 += a1 * d2;
          g13 += a1 * d3;
          g20 += a2 * d0;
          g21 += a2 * d1;
          g22 += a2 * d2;
          g23 += a2 * d3;
          g30 += a3 * d0;
          g31 += a3 * d1;
          g32 += a3 * d2;
          g33 += a3 * d3;
        }
        int r0 = g + i * out + j;
        int r1 = r0 + out;
        int r2 = r1 + out;
        int r3 = r2 + out;
        target[r0] += g00;
        target[r0 + 1] += g01;
        target[r0 + 2] += g02;
        target[r0 + 3] += g03;
        target[r1] += g10;
        target[r1 + 1] += g11;
        target[r1 + 2] += g12;
        target[r1 + 3] += g13;
        target[r2] += g20;
        target[r2 + 1] += g21;
        target[r2 + 2] += g22;
        target[r2 + 3] += g23;
        target[r3] += g30;
        target[r3 + 1] += g31;
        target[r3 + 2] += g32;
        target[r3 + 3] += g33;
      }
      for (; j < out; j++) {
        for (int r = 0; r < 4; r++) {
          double acc = 0;
          for (int s = 0; s < batch; s++) {
            acc += x[s * in + i + r] * d[s * out + j];
          }
          target[g + (i + r) * out + j] += acc;
        }
      }
    }
    for (; i < in; i++) {
      for (int j = 0; j < out; j++) {
        double acc = 0;
        for (int s = 0; s < batch; s++) {
          acc += x[s * in + i] * d[s * out + j];
        }
        target[g + i * out + j] += acc;
      }
    }
  }

  /** Y[s, i] (+)= Σ_j D[s, j] · W[i, j]: the product with Wᵀ, W at offset w. */
  static void multiplyTransposed(
      double[] d, int batch, int out, double[] p, int w, int in, double[] y, boolean add) {
    int s = 0;
    for (; s + 3 < batch; s += 4) {
      int d0 = s * out;
      int d1 = d0 + out;
      int d2 = d1 + out;
      int d3 = d2 + out;
      int i = 0;
      for (; i + 3 < in; i += 4) {
        double y00 = 0, y01 = 0, y02 = 0, y03 = 0;
        double y10 = 0, y11 = 0, y12 = 0, y13 = 0;
        double y20 = 0, y21 = 0, y22 = 0, y23 = 0;
        double y30 = 0, y31 = 0, y32 = 0, y33 = 0;
        int w0 = w + i * out;
        int w1 = w0 + out;
        int w2 = w1 + out;
        int w3 = w2 + out;
        for (int j = 0; j < out; j++) {
          double a0 = d[d0 + j];
          double a1 = d[d1 + j];
          double a2 = d[d2 + j];
          double a3 = d[d3 + j];
          double v0 = p[w0 + j];
          double v1 = p[w1 + j];
          double v2 = p[w2 + j];
          double v3 = p[w3 + j];
          y00 += a0 * v0;
          y01 += a0 * v1;
          y02 += a0 * v2;
          y03 += a0 * v3;
          y10 += a1 * v0;
          y11 += a1 * v1;
          y12 += a1 * v2;
          y13 += a1 * v3;
          y20 += a2 * v0;
          y21 += a2 * v1;
          y22 += a2 * v2;
          y23 += a2 * v3;
          y30 += a3 * v0;
          y31 += a3 * v1;
          y32 += a3 * v2;
          y33 += a3 * v3;
        }
        store4(y, s * in + i, y00, y01, y02, y03, add);
        store4(y, (s + 1) * in + i, y10, y11, y12, y13, add);
        store4(y, (s + 2) * in + i, y20, y21, y22, y23, add);
        store4(y, (s + 3) * in + i, y30, y31, y32, y33, add);
      }
      for (; i < in; i++) {
        for (int r = 0; r < 4; r++) {
          double acc = 0;
          int dr = (s + r) * out;
          for (int j = 0; j < out; j++) {
            acc += d[dr + j] * p[w + i * out + j];
          }
          int k = (s + r) * in + i;
          y[k] = add ? y[k] + acc : acc;
        }
      }
    }
    for (; s < batch; s++) {
      int ds = s * out;
      for (int i = 0; i < in; i++) {
        double acc = 0;
        int row = w + i * out;
        for (int j = 0; j < out; j++) {
          acc += d[ds + j] * p[row + j];
        }
        int k = s * in + i;
        y[k] = add ? y[k] + acc : acc;
      }
    }
  }

  private static void store4(
      double[] y, int k, double v0, double v1, double v2, double v3, boolean add) {
    if (add) {
      y[k] += v0;
      y[k + 1] += v1;
      y[k + 2] += v2;
      y[k + 3] += v3;
    } else {
      y[k] = v0;
      y[k + 1] = v1;
      y[k + 2] = v2;
      y[k + 3] = v3;
    }
  }
}
