package org.adaptrobot.trainer.tasks;

import java.util.SplittableRandom;

/**
 * Sinusoid regression as in the MAML and CAVIA papers: a task is y = A·sin(x − φ) with amplitude A
 * ~ U[0.1, 5] and phase φ ~ U[0, π]; inputs x ~ U[−5, 5].
 */
public final class SinusoidTasks {

  public static final double MIN_AMPLITUDE = 0.1;
  public static final double MAX_AMPLITUDE = 5.0;
  public static final double MAX_PHASE = Math.PI;
  public static final double X_RANGE = 5.0;

  private SinusoidTasks() {}

  /** One task. */
  public record Task(double amplitude, double phase) {
    public double y(double x) {
      return amplitude * Math.sin(x - phase);
    }
  }

  public static Task sample(SplittableRandom r) {
    return new Task(
        MIN_AMPLITUDE + (MAX_AMPLITUDE - MIN_AMPLITUDE) * r.nextDouble(),
        MAX_PHASE * r.nextDouble());
  }

  /** Fills {@code k} random points of a task into x and y. */
  public static void points(Task t, SplittableRandom r, int k, double[] x, double[] y) {
    for (int i = 0; i < k; i++) {
      x[i] = -X_RANGE + 2 * X_RANGE * r.nextDouble();
      y[i] = t.y(x[i]);
    }
  }

  /** {@code n} evenly spaced inputs over [−5, 5]. */
  public static double[] grid(int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = -X_RANGE + 2 * X_RANGE * i / (n - 1);
    }
    return x;
  }
}
