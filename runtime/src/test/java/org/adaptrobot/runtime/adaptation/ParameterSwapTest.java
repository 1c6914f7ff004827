package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.control.JavaPolicyController;
import org.adaptrobot.runtime.control.OnnxPolicyController;
import org.adaptrobot.runtime.control.PolicyController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameters published by another thread while the loop computes reach the controller whole, at a
 * step boundary, and never older after newer: the adaptation thread publishes vectors whose every
 * entry is k (k = 1, 2, ...), the policy is linear (y = w·o + b), so with o = (1, 1) a step that
 * used one vector gives exactly 3k, and a step that mixed two vectors gives something else.
 */
class ParameterSwapTest {

  @TempDir Path dir;

  @Test
  void parametersPublishedDuringStepsAreTakenUpWholeAndInOrder() throws Exception {
    Bundle bundle = PolicyAdaptationTest.inverseBundle(dir.resolve("linear"), "mse");
    Bundle.Graph graph = bundle.graph(Manifest.POLICY);
    for (PolicyController c :
        new PolicyController[] {new JavaPolicyController(graph), new OnnxPolicyController(graph)}) {
      try (c) {
        int size = c.parameters().length;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong last = new AtomicLong();
        Thread engine =
            new Thread(
                () -> {
                  for (long k = 1; !stop.get(); k++) {
                    double[] p = new double[size];
                    java.util.Arrays.fill(p, k);
                    c.publish(p);
                    last.set(k);
                    if (k % 64 == 0) {
                      LockSupport.parkNanos(20_000);
                    }
                  }
                });
        engine.start();
        while (last.get() == 0) {
          Thread.onSpinWait(); // from here on only published vectors can be seen
        }
        double[] obs = {1, 1};
        double[] u = new double[1];
        long previous = 0;
        long distinct = 0;
        long deadline = System.nanoTime() + 700_000_000L;
        long steps = 0;
        while (System.nanoTime() < deadline) {
          c.compute(obs, u);
          steps++;
          double k = u[0] / 3;
          assertThat(k)
              .as("%s, step %d: one whole parameter vector", c.getClass().getSimpleName(), steps)
              .isEqualTo(Math.rint(k));
          long kk = (long) k;
          assertThat(kk).as("never older after newer").isGreaterThanOrEqualTo(previous);
          if (kk != previous) {
            distinct++;
          }
          previous = kk;
        }
        stop.set(true);
        engine.join();
        assertThat(distinct).as("parameter vectors taken up while stepping").isGreaterThan(100);
        c.compute(obs, u);
        assertThat(u[0])
            .as("after the publisher stops, the next step runs its last")
            .isEqualTo(3.0 * last.get());
        assertThat(c.parameters()[0]).isEqualTo((double) last.get());
      }
    }
  }
}
