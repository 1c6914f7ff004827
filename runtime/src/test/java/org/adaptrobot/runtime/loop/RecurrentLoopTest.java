package org.adaptrobot.runtime.loop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.nn.NetworkArchitecture.GruArchitecture;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.JavaPolicyController;
import org.adaptrobot.runtime.control.OnnxPolicyController;
import org.adaptrobot.runtime.control.RecurrentControl;
import org.adaptrobot.runtime.control.RecurrentPolicy;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mode recurrent on the SIL robot with the shipped RL² bundle: the extra inputs the loop feeds the
 * GRU, the hidden state's resets (exactly on activation, e-stop and command), holding it, no
 * allocation per step, and ONNX Runtime against the Java network over a long closed-loop run.
 */
class RecurrentLoopTest {

  static final Path SHIPPED = Path.of("../bundles/diffdrive-rl2");

  @TempDir Path dir;

  private LoopFixture fixture(Bundle b, RuntimeConfig.Executor executor) throws Exception {
    return LoopFixture.of(dir, b, executor);
  }

  @Test
  void theShippedBundleIsARecurrentPolicyWithItsExtraInputs() throws Exception {
    Bundle b = Bundle.load(SHIPPED);
    assertThat(b.manifest().adaptation().mode().id()).isEqualTo("recurrent");
    GruArchitecture g = (GruArchitecture) b.manifest().graphs().get(Manifest.POLICY).architecture();
    assertThat(g.extraInputs()).isEqualTo(GruArchitecture.EXTRA_INPUTS);
    assertThat(g.inputSize()).isEqualTo(b.manifest().observation().size() + 2 + 1 + 1);
  }

  @Test
  void theLoopFeedsThePreviousActionTheRewardAndNoEpisodeEnd() throws Exception {
    try (LoopFixture f = fixture(Bundle.load(SHIPPED), RuntimeConfig.Executor.JAVA)) {
      int o = f.bundle.manifest().observation().size();
      assertThat(f.loop.policyInputSize()).isEqualTo(o + 4);
      double[] in = new double[o + 4];
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.5);
      f.loop.run(1);
      f.loop.observation(in);
      // the first step after activation starts a trial: previous action and reward read 0
      assertThat(Arrays.copyOfRange(in, o, o + 4)).containsExactly(0, 0, 0, 0);
      double[] applied = new double[2];
      for (int i = 0; i < 50; i++) {
        f.loop.appliedAction(applied);
        f.loop.run(1);
        f.loop.observation(in);
        assertThat(in[o]).isEqualTo(applied[0]);
        assertThat(in[o + 1]).isEqualTo(applied[1]);
        assertThat(in[o + 2]).isEqualTo(f.loop.lastReward());
        assertThat(in[o + 3]).isZero();
      }
      assertThat(f.loop.lastReward()).isNegative();
    }
  }

  @Test
  void theHiddenStateResetsExactlyOnActivationEStopAndCommand() throws Exception {
    try (LoopFixture f = fixture(Bundle.load(SHIPPED), RuntimeConfig.Executor.JAVA)) {
      RecurrentPolicy r = f.loop.recurrent();
      assertThat(r).isNotNull();
      long r0 = r.resets();
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(2);
      assertThat(r.resets()).as("activation").isEqualTo(r0 + 1);
      assertThat(r.hiddenNorm()).isPositive();
      // no reset on a command timeout, a sensor fault, new set-points or deactivation
      f.loop.targets().velocity(0.2, 0.3); // not repeated: times out after 0.5 s
      f.run(1);
      f.sim.fault("imu", "io_error"); // a sensor fault deactivates the loop
      f.loop.run(1);
      f.sim.fault("imu", "none");
      f.loop.targets().hold(0.2, -0.5);
      f.run(1);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(r.resets()).as("nothing but the three events resets").isEqualTo(r0 + 1);
      f.loop.requestActivate();
      f.run(1);
      assertThat(r.resets()).as("activation").isEqualTo(r0 + 2);
      r0++;
      // the command: taken up at the next step
      new RecurrentControl(r).reset();
      assertThat(r.resets()).isEqualTo(r0 + 1);
      f.loop.run(1);
      assertThat(r.resets()).as("command").isEqualTo(r0 + 2);
      f.run(1);
      // e-stop: reset when it latches; the activation after it resets again
      f.loop.requestEStop("test");
      f.loop.run(1);
      assertThat(f.loop.lifecycle().eStopLatched()).isTrue();
      assertThat(r.resets()).as("e-stop").isEqualTo(r0 + 3);
      f.run(1);
      f.loop.requestResetEStop();
      f.loop.run(1);
      f.loop.requestDeactivate("test");
      f.loop.run(1);
      assertThat(r.resets()).as("e-stop reset and deactivation do not").isEqualTo(r0 + 3);
      f.loop.requestActivate();
      f.loop.run(1);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(r.resets()).as("activation").isEqualTo(r0 + 4);
    }
  }

  @Test
  void aBundleThatResetsOnlyOnActivationKeepsItsStateThroughAnEStopAndRefusesTheCommand()
      throws Exception {
    Path copy = dir.resolve("activation-only");
    Files.createDirectories(copy);
    Files.copy(SHIPPED.resolve("policy.onnx"), copy.resolve("policy.onnx"));
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = (ObjectNode) json.readTree(SHIPPED.resolve("manifest.json").toFile());
    ObjectNode arch = (ObjectNode) m.path("graphs").path("policy").path("architecture");
    ArrayNode resets = arch.putArray("reset_on");
    resets.add("activation");
    json.writeValue(copy.resolve("manifest.json").toFile(), m);
    try (LoopFixture f = fixture(Bundle.load(copy), RuntimeConfig.Executor.JAVA)) {
      RecurrentPolicy r = f.loop.recurrent();
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(1);
      assertThat(r.resets()).isEqualTo(1);
      f.loop.requestEStop("test");
      f.run(0.5);
      assertThat(r.resets()).as("no reset on e-stop").isEqualTo(1);
      assertThat(new RecurrentControl(r).refusal("reset")).contains("reset_on");
      assertThat(new RecurrentControl(r).refusal("trigger")).contains("hidden state");
      assertThat(new RecurrentControl(r).refusal("disable")).isNull();
    }
  }

  @Test
  void anEStopLatchesWithinOnePeriodEvenWhenTheHiddenStateResetFails() throws Exception {
    Bundle b = Bundle.load(SHIPPED);
    RuntimeConfig.Settings s = RuntimeConfig.Settings.defaults().withControlRate(50);
    boolean[] failing = {false};
    try (LoopFixture f =
        new LoopFixture(
            dir,
            b,
            RuntimeConfig.Executor.JAVA,
            c ->
                new org.adaptrobot.runtime.control.PolicyController() {
                  @Override
                  public int observationSize() {
                    return c.observationSize();
                  }

                  @Override
                  public int actionSize() {
                    return c.actionSize();
                  }

                  @Override
                  public void compute(double[] observation, double[] action) {
                    c.compute(observation, action);
                  }

                  @Override
                  public void reset() {
                    if (failing[0]) {
                      throw new IllegalStateException("injected: hidden buffer gone");
                    }
                    c.reset();
                  }

                  @Override
                  public void publish(double[] parameters) {
                    c.publish(parameters);
                  }

                  @Override
                  public double[] parameters() {
                    return c.parameters();
                  }

                  @Override
                  public RecurrentPolicy recurrentState() {
                    return c.recurrentState();
                  }

                  @Override
                  public void close() {
                    c.close();
                  }
                },
            (c, sim) -> c,
            s)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(2);
      assertThat(f.sim.truth("forward_speed")).isGreaterThan(0.1);
      failing[0] = true;
      f.loop.requestEStop("operator");
      f.loop.run(1);
      assertThat(f.loop.lifecycle().eStopLatched()).as("latched in the next step").isTrue();
      assertThat(f.motorsStopped()).isTrue();
      assertThat(f.events())
          .anySatisfy(e -> assertThat(e).contains("resetting the recurrent policy at the e-stop"));
      f.run(1);
      assertThat(f.loop.lifecycle().eStopLatched()).isTrue();
      assertThat(f.motorsStopped()).isTrue();
    }
  }

  @Test
  void aHeldHiddenStateStaysWhileThePolicyStillActsOnTheObservation() throws Exception {
    try (LoopFixture f = fixture(Bundle.load(SHIPPED), RuntimeConfig.Executor.JAVA)) {
      JavaPolicyController c = (JavaPolicyController) f.controller;
      RecurrentPolicy r = f.loop.recurrent();
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(2);
      new RecurrentControl(r).enabled(false);
      f.loop.run(1);
      double[] held = c.hiddenState();
      double[] a1 = new double[2];
      f.loop.rawAction(a1);
      f.loop.targets().hold(-0.2, 1.0);
      f.run(1);
      assertThat(c.hiddenState()).containsExactly(held);
      assertThat(r.hiddenChange()).isLessThan(1e-4);
      double[] a2 = new double[2];
      f.loop.rawAction(a2);
      assertThat(a2).isNotEqualTo(a1);
      new RecurrentControl(r).enabled(true);
      f.run(0.2);
      assertThat(c.hiddenState()).isNotEqualTo(held);
    }
  }

  @Test
  void aRecurrentStepAllocatesNothing() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (LoopFixture f = fixture(Bundle.load(SHIPPED), RuntimeConfig.Executor.JAVA)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.2);
      f.loop.run(5_000);
      RecurrentControl command = new RecurrentControl(f.loop.recurrent());
      // a reset asked for every 100 steps, taken up at the step after
      f.loop.stepListener(
          (l, now) -> {
            if (l.steps() % 100 == 0) {
              command.reset();
            }
          });
      f.loop.run(1_000);
      long resets = f.loop.recurrent().resets();
      long id = Thread.currentThread().threadId();
      // per block of 100 steps, so that a recompilation elsewhere in the JVM (which briefly runs
      // the loop interpreted, materialising what escape analysis had removed) shows as one block
      long[] blocks = new long[40];
      for (int k = 0; k < blocks.length; k++) {
        long before = threads.getThreadAllocatedBytes(id);
        f.loop.run(100); // GRU steps with their extra inputs, statistics, a reset
        blocks[k] = threads.getThreadAllocatedBytes(id) - before;
      }
      long[] sorted = blocks.clone();
      Arrays.sort(sorted);
      System.out.println("recurrent loop, bytes per 100 steps: " + Arrays.toString(blocks));
      assertThat(f.loop.recurrent().resets() - resets).isEqualTo(40);
      assertThat(sorted[blocks.length / 2]).as("median block").isLessThan(50);
    }
  }

  @Test
  void onnxRuntimeAndTheJavaNetworkAgreeOverAThousandClosedLoopSteps() throws Exception {
    Bundle b = Bundle.load(SHIPPED);
    try (LoopFixture f = fixture(b, RuntimeConfig.Executor.JAVA);
        OnnxPolicyController onnx = new OnnxPolicyController(b.graph(Manifest.POLICY))) {
      double[] in = new double[f.loop.policyInputSize()];
      double[] java = new double[2];
      double[] ort = new double[2];
      double[] error = new double[1000];
      f.loop.requestActivate();
      f.loop.targets().hold(0.25, 0.4);
      for (int i = 0; i < 1000; i++) {
        if (i % 150 == 0) {
          f.loop.targets().hold(-0.2 + 0.5 * ((i / 150) % 3) / 2.0, 1.5 - (i / 150) % 4);
        }
        f.loop.run(1);
        f.loop.observation(in);
        f.loop.rawAction(java);
        onnx.compute(in, ort); // the same inputs, its own float32 hidden state
        error[i] = Math.max(Math.abs(java[0] - ort[0]), Math.abs(java[1] - ort[1]));
      }
      double first = Arrays.stream(error, 0, 100).max().orElseThrow();
      double last = Arrays.stream(error, 900, 1000).max().orElseThrow();
      double all = Arrays.stream(error).max().orElseThrow();
      System.out.printf(
          "ONNX Runtime vs Java over 1000 closed-loop steps: max |Δa| %.2e (steps 1-100 %.2e,"
              + " 901-1000 %.2e)%n",
          all, first, last);
      assertThat(all).as("float32 against double over 1000 steps").isLessThan(1e-4);
      assertThat(last).as("the error does not grow").isLessThan(Math.max(10 * first, 1e-5));
      assertThat(onnx.recurrentState().resets()).isZero();
      double[] hj = ((JavaPolicyController) f.controller).hiddenState();
      double[] ho = onnx.hiddenState();
      for (int i = 0; i < hj.length; i++) {
        assertThat(ho[i]).isCloseTo(hj[i], org.assertj.core.data.Offset.offset(1e-4));
      }
    }
  }
}
