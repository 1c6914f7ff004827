package org.adaptrobot.models.bayes;

/**
 * The small dense linear algebra of Bayesian linear regression, on row-major arrays, allocating
 * nothing: Cholesky factorisation of a symmetric positive-definite matrix and the triangular solves
 * that use it.
 */
final class DenseLinearAlgebra {

  private DenseLinearAlgebra() {}

  /**
   * Writes the lower Cholesky factor L of the n×n matrix {@code a} (A = L Lᵀ) into {@code l} (upper
   * part zeroed). Returns false when A is not positive definite (a pivot ≤ 0 or not finite).
   */
  static boolean cholesky(double[] a, int n, double[] l) {
    for (int i = 0; i < n; i++) {
      int ri = i * n;
      for (int j = 0; j <= i; j++) {
        int rj = j * n;
        double s = a[ri + j];
        for (int k = 0; k < j; k++) {
          s -= l[ri + k] * l[rj + k];
        }
        if (i == j) {
          if (!(s > 0) || Double.isInfinite(s)) {
            return false;
          }
          l[ri + i] = Math.sqrt(s);
        } else {
          l[ri + j] = s / l[rj + j];
        }
      }
      for (int j = i + 1; j < n; j++) {
        l[ri + j] = 0;
      }
    }
    return true;
  }

  /** Solves L z = b in place ({@code b} becomes z), L lower triangular n×n. */
  static void forwardSubstitute(double[] l, int n, double[] b, int off) {
    for (int i = 0; i < n; i++) {
      int ri = i * n;
      double s = b[off + i];
      for (int k = 0; k < i; k++) {
        s -= l[ri + k] * b[off + k];
      }
      b[off + i] = s / l[ri + i];
    }
  }

  /** Solves Lᵀ x = b in place, L lower triangular n×n. */
  static void backSubstitute(double[] l, int n, double[] b, int off) {
    for (int i = n - 1; i >= 0; i--) {
      double s = b[off + i];
      for (int k = i + 1; k < n; k++) {
        s -= l[k * n + i] * b[off + k];
      }
      b[off + i] = s / l[i * n + i];
    }
  }

  /**
   * Solves A X = B for the n×c matrix X (row-major, like B), A = L Lᵀ, column by column through
   * {@code column} (n scratch values). {@code x} may be {@code b}.
   */
  static void solve(double[] l, int n, double[] b, int c, double[] x, double[] column) {
    for (int j = 0; j < c; j++) {
      for (int i = 0; i < n; i++) {
        column[i] = b[i * c + j];
      }
      forwardSubstitute(l, n, column, 0);
      backSubstitute(l, n, column, 0);
      for (int i = 0; i < n; i++) {
        x[i * c + j] = column[i];
      }
    }
  }

  /** The inverse of A = L Lᵀ into {@code inverse} (n×n), through {@code column} scratch. */
  static void inverse(double[] l, int n, double[] inverse, double[] column) {
    for (int j = 0; j < n; j++) {
      java.util.Arrays.fill(column, 0, n, 0.0);
      column[j] = 1;
      forwardSubstitute(l, n, column, 0);
      backSubstitute(l, n, column, 0);
      for (int i = 0; i < n; i++) {
        inverse[i * n + j] = column[i];
      }
    }
  }
}
