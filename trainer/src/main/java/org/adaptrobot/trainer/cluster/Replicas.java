package org.adaptrobot.trainer.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a cluster member keeps per training run it serves (the run's learner rebuilt from its
 * recipe, and whatever the jobs leave for later ones): built by the first job of the run, kept for
 * the few most recent runs; an evicted one is closed when it can be.
 */
public final class Replicas {

  private static final int RUNS = 4;

  private static final Map<String, Object> BY_RUN =
      new LinkedHashMap<>(RUNS, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
          if (size() <= RUNS) {
            return false;
          }
          if (eldest.getValue() instanceof AutoCloseable c) {
            try {
              c.close();
            } catch (Exception e) {
              System.out.printf("worker: closing run %s: %s%n", eldest.getKey(), e);
            }
          }
          return true;
        }
      };

  private Replicas() {}

  /** The replica of {@code run}, built (and announced with its recipe) by the first caller. */
  @SuppressWarnings("unchecked")
  public static <T> T of(String run, Object recipe, Supplier<T> build) {
    synchronized (BY_RUN) {
      return (T)
          BY_RUN.computeIfAbsent(
              run,
              x -> {
                System.out.printf("worker: tasks of run %s: %s%n", run, recipe);
                return build.get();
              });
    }
  }
}
