package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.adaptrobot.models.bundle.Bundle;
import org.junit.jupiter.api.Test;

/** The MPC decision runs on the control thread, so it must not allocate. */
class MpcAllocationTest {

  @Test
  void anMpcDecisionWithTheShippedModelAllocatesNothing() throws Exception {
    for (String name : new String[] {"diffdrive-grbal", "diffdrive-cavia"}) {
      Bundle b = Bundle.load(Path.of("../bundles", name));
      try (ModelBasedController c =
          ModelBasedController.of(b, true, true, MpcController.Settings.standard(), e -> {})) {
        MpcController mpc = c.controller();
        double[] obs = new double[mpc.observationSize()];
        double[] act = new double[mpc.actionSize()];
        obs[2] = 1.0; // a forward set-point (normalised)
        for (int i = 0; i < 1_500; i++) {
          mpc.compute(obs, act);
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 300; i++) {
          mpc.compute(obs, act);
        }
        double perCall = (threads.getThreadAllocatedBytes(id) - before) / 300.0;
        assertThat(perCall).as("%s: bytes per MPC decision", name).isLessThan(1.0);
      }
    }
  }
}
