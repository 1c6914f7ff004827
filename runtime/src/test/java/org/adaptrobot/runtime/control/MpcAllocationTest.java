package org.adaptrobot.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.junit.jupiter.api.Test;

/** The MPC decision runs on the control thread, so it must not allocate. */
class MpcAllocationTest {

  static ControllerFactory.Built build(
      Bundle b, boolean lockstep, MpcController.Settings planner, AgentSupervisor agents)
      throws Exception {
    return ControllerFactory.build(
        b,
        new ControllerFactory.Options(
            org.adaptrobot.runtime.config.RuntimeConfig.Executor.JAVA,
            true,
            lockstep,
            planner,
            null),
        agents,
        e -> {});
  }

  @Test
  void anMpcDecisionWithTheShippedModelAllocatesNothing() throws Exception {
    for (String name : new String[] {"diffdrive-grbal", "diffdrive-cavia"}) {
      Bundle b = Bundle.load(Path.of("../bundles", name));
      try (AgentSupervisor agents = AgentSupervisor.printing();
          ControllerFactory.Built c = build(b, true, MpcController.Settings.standard(), agents)) {
        MpcController mpc = c.mpc();
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

  @Test
  void planningEveryFourStepsAllocatesNothingOnEitherThread() throws Exception {
    Bundle b = Bundle.load(Path.of("../bundles", "diffdrive-grbal"));
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    MpcController.Settings every4 = MpcController.Settings.standard().replanningEvery(4);
    MpcController.Settings every8 = MpcController.Settings.standard().replanningEvery(8);
    // lockstep: the plans are made on the loop thread
    try (AgentSupervisor agents = AgentSupervisor.printing();
        ControllerFactory.Built c = build(b, true, every4, agents)) {
      MpcController mpc = c.mpc();
      double[] obs = new double[mpc.observationSize()];
      double[] act = new double[mpc.actionSize()];
      obs[2] = 1.0;
      for (int i = 0; i < 1_500; i++) {
        mpc.compute(obs, act);
      }
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < 400; i++) {
        mpc.compute(obs, act);
      }
      assertThat((threads.getThreadAllocatedBytes(id) - before) / 400.0)
          .as("bytes per step, plans on the loop thread")
          .isLessThan(1.0);
      // asked for at steps 0, 4, ..., 1896; each taken up 4 steps later, the last one not yet
      assertThat(mpc.plansTaken()).isEqualTo(474);
      assertThat(mpc.latePlans()).isZero();
    }
    // real time (a 500 Hz loop): the plans are made on the planner's thread
    try (AgentSupervisor agents = AgentSupervisor.printing();
        ControllerFactory.Built c = build(b, false, every8, agents)) {
      MpcController mpc = c.mpc();
      double[] obs = new double[mpc.observationSize()];
      double[] act = new double[mpc.actionSize()];
      obs[2] = 1.0;
      for (int i = 0; i < 800; i++) {
        mpc.compute(obs, act);
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
      }
      long planner = mpc.plannerThread().threadId();
      long plannerBefore = threads.getThreadAllocatedBytes(planner);
      // (both counts are read before any assertion: AssertJ allocates)
      long loopBefore = threads.getThreadAllocatedBytes(id);
      long plansBefore = mpc.plansTaken();
      for (int i = 0; i < 400; i++) {
        mpc.compute(obs, act);
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
      }
      long loopBytes = threads.getThreadAllocatedBytes(id) - loopBefore;
      long plans = mpc.plansTaken() - plansBefore;
      assertThat(plans).isPositive();
      assertThat(loopBytes / 400.0).as("bytes per step on the loop thread").isLessThan(1.0);
      assertThat((threads.getThreadAllocatedBytes(planner) - plannerBefore) / (double) plans)
          .as("bytes per plan on the planner thread")
          .isLessThan(1.0);
    }
  }
}
