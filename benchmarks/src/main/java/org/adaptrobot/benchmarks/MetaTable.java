package org.adaptrobot.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.adaptrobot.trainer.rl.MetaEval;

/**
 * The meta-RL tables: per row and step, mean ± 95 % CI over tasks (seeds pooled), median, seeds.
 */
final class MetaTable {

  private MetaTable() {}

  /**
   * Rows: per training seed, per task, return at steps 0..k (fewer columns: the row does not
   * adapt).
   */
  static void print(Map<String, List<double[][]>> rows, int steps) {
    System.out.println("| row | 0 steps | 1 step | 2 steps | 3 steps |");
    System.out.println("|---|---|---|---|---|");
    for (var e : rows.entrySet()) {
      StringBuilder line = new StringBuilder("| " + e.getKey() + " |");
      int cols = e.getValue().get(0)[0].length;
      for (int k = 0; k <= steps; k++) {
        if (k >= cols) {
          line.append(" (same) |");
          continue;
        }
        double[][] pooled =
            e.getValue().stream().flatMap(java.util.Arrays::stream).toArray(double[][]::new);
        double[] s = MetaEval.summary(pooled, k);
        StringBuilder perSeed = new StringBuilder();
        for (double[][] r : e.getValue()) {
          perSeed
              .append(perSeed.length() == 0 ? "" : ", ")
              .append(String.format(Locale.ROOT, "%.3g", MetaEval.summary(r, k)[0]));
        }
        line.append(
            String.format(
                Locale.ROOT, " %.3g ± %.2g, median %.3g (%s) |", s[0], s[1], s[2], perSeed));
      }
      System.out.println(line);
    }
  }

  /** 1, 2, …, n: the meta-iteration axis of a learning curve. */
  static double[] iterations(int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i + 1;
    }
    return x;
  }

  /** Adds one training seed's results to a row. */
  static void add(Map<String, List<double[][]>> rows, String name, double[][] r) {
    rows.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(r);
  }
}
