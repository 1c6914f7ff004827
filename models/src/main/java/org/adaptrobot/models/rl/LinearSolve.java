package org.adaptrobot.models.rl;

/** Dense linear solves without allocation. */
public final class LinearSolve {

  private LinearSolve() {}

  /**
   * Solves m·x = b by Gaussian elimination with partial pivoting, overwriting {@code m} (n × n, row
   * major) and {@code b}; false when m is singular or the solution is not finite.
   */
  public static boolean solve(double[] m, double[] b, double[] x, int n) {
    for (int c = 0; c < n; c++) {
      int p = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) {
          p = r;
        }
      }
      if (!(Math.abs(m[p * n + c]) > 1e-300)) {
        return false;
      }
      if (p != c) {
        for (int k = 0; k < n; k++) {
          double t = m[c * n + k];
          m[c * n + k] = m[p * n + k];
          m[p * n + k] = t;
        }
        double t = b[c];
        b[c] = b[p];
        b[p] = t;
      }
      for (int r = c + 1; r < n; r++) {
        double factor = m[r * n + c] / m[c * n + c];
        for (int k = c; k < n; k++) {
          m[r * n + k] -= factor * m[c * n + k];
        }
        b[r] -= factor * b[c];
      }
    }
    for (int r = n - 1; r >= 0; r--) {
      double sum = b[r];
      for (int k = r + 1; k < n; k++) {
        sum -= m[r * n + k] * x[k];
      }
      x[r] = sum / m[r * n + r];
      if (!Double.isFinite(x[r])) {
        return false;
      }
    }
    return true;
  }
}
