package org.adaptrobot.runtime.loop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.adaptrobot.models.bundle.AdaptationMode;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.runtime.config.RuntimeConfig;
import org.adaptrobot.runtime.control.JavaPolicyController;
import org.adaptrobot.runtime.control.LatentPolicyController;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.control.RecurrentControl;
import org.adaptrobot.runtime.control.RecurrentPolicy;
import org.adaptrobot.runtime.lifecycle.LifecycleState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mode latent on the SIL robot with the shipped RMA bundle: the window the encoder reads, the
 * latent taken up only at step boundaries (every update_every steps), restarts exactly on
 * activation, e-stop and command, holding the latent, no allocation per step, and ONNX Runtime
 * against the Java networks over a closed-loop run.
 */
class LatentLoopTest {

  static final Path SHIPPED = Path.of("../bundles/diffdrive-rma");

  @TempDir Path dir;

  private LoopFixture fixture(Bundle b, RuntimeConfig.Executor executor) throws Exception {
    return LoopFixture.of(dir, b, executor);
  }

  @Test
  void theShippedBundleIsALatentPolicyWithItsWindowEncoder() throws Exception {
    Bundle b = Bundle.load(SHIPPED);
    Manifest m = b.manifest();
    assertThat(m.adaptation().mode()).isEqualTo(AdaptationMode.LATENT);
    Manifest.LatentSpec l = m.adaptation().latent();
    int o = m.observation().size();
    assertThat(m.graphs().get(Manifest.ENCODER).architecture().inputSize())
        .isEqualTo(l.window() * o);
    assertThat(m.graphs().get(Manifest.POLICY).architecture().inputSize()).isEqualTo(o + l.size());
    try (LoopFixture f = fixture(b, RuntimeConfig.Executor.JAVA)) {
      assertThat(f.controller).isInstanceOf(LatentPolicyController.class);
      assertThat(f.loop.policyInputSize()).as("the loop feeds the observation only").isEqualTo(o);
      assertThat(f.loop.recurrent().kind()).isEqualTo("latent");
    }
  }

  @Test
  void theLatentIsTheEncodingOfTheWindowTakenUpOnlyAtItsStepBoundaries() throws Exception {
    Bundle b = Bundle.load(SHIPPED);
    Manifest.LatentSpec l = b.manifest().adaptation().latent();
    int o = b.manifest().observation().size();
    try (LoopFixture f = fixture(b, RuntimeConfig.Executor.JAVA);
        JavaPolicyController encoder = new JavaPolicyController(b.graph(Manifest.ENCODER));
        JavaPolicyController policy = new JavaPolicyController(b.graph(Manifest.POLICY))) {
      LatentPolicyController c = (LatentPolicyController) f.controller;
      // the reference: the window of the loop's own normalised observations, zeros before the
      // first, encoded every update_every steps from the first step after activation
      double[] window = new double[l.window() * o];
      double[] z = new double[l.size()];
      double[] obs = new double[o];
      double[] in = new double[o + l.size()];
      double[] expected = new double[2];
      double[] actual = new double[2];
      double[] latent = new double[l.size()];
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      int changedBetween = 0;
      for (int t = 0; t < 300; t++) {
        if (t == 150) {
          f.sim.set("payload_kg", 0.8);
          f.loop.targets().hold(0.2, 1.0);
        }
        double[] before = z.clone();
        f.loop.run(1);
        f.loop.observation(obs);
        System.arraycopy(window, o, window, 0, (l.window() - 1) * o);
        System.arraycopy(obs, 0, window, (l.window() - 1) * o, o);
        if (t % l.updateEvery() == 0) {
          encoder.compute(window, z);
        }
        c.latent(latent);
        assertThat(latent).as("step %d", t).containsExactly(z);
        if (t % l.updateEvery() != 0) {
          assertThat(z).as("no new latent inside an interval, step %d", t).containsExactly(before);
        } else if (!Arrays.equals(z, before)) {
          changedBetween++;
        }
        System.arraycopy(obs, 0, in, 0, o);
        System.arraycopy(z, 0, in, o, l.size());
        policy.compute(in, expected);
        f.loop.rawAction(actual);
        assertThat(actual).as("step %d", t).containsExactly(expected);
      }
      assertThat(changedBetween).as("the latent moves at its boundaries").isGreaterThan(10);
    }
  }

  @Test
  void theWindowRestartsExactlyOnActivationEStopAndCommand() throws Exception {
    try (LoopFixture f = fixture(Bundle.load(SHIPPED), RuntimeConfig.Executor.JAVA)) {
      RecurrentPolicy r = f.loop.recurrent();
      long r0 = r.resets();
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(2);
      assertThat(r.resets()).as("activation").isEqualTo(r0 + 1);
      assertThat(r.hiddenNorm()).isPositive();
      assertThat(r.shift()).isNotNaN();
      assertThat(r.shiftMeasure()).isEqualTo(RecurrentPolicy.SHIFT_DISTANCE);
      f.loop.targets().velocity(0.2, 0.3); // times out: no restart
      f.run(1);
      f.sim.fault("imu", "io_error");
      f.loop.run(1);
      f.sim.fault("imu", "none");
      f.run(1);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(r.resets()).as("nothing but the three events restarts").isEqualTo(r0 + 1);
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(1);
      assertThat(r.resets()).as("activation").isEqualTo(r0 + 2);
      new RecurrentControl(r).reset();
      f.loop.run(1);
      assertThat(r.resets()).as("command").isEqualTo(r0 + 3);
      f.loop.requestEStop("test");
      f.loop.run(1);
      assertThat(f.loop.lifecycle().eStopLatched()).isTrue();
      assertThat(f.motorsStopped()).isTrue();
      assertThat(r.resets()).as("e-stop").isEqualTo(r0 + 4);
      assertThat(new RecurrentControl(r).refusal("trigger")).contains("latent");
    }
  }

  @Test
  void aBundleThatRestartsOnlyOnActivationRefusesTheCommandByName() throws Exception {
    Path copy = dir.resolve("activation-only");
    Files.createDirectories(copy);
    for (String file : new String[] {"policy.onnx", "encoder.onnx"}) {
      Files.copy(SHIPPED.resolve(file), copy.resolve(file));
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = (ObjectNode) json.readTree(SHIPPED.resolve("manifest.json").toFile());
    ((ObjectNode) m.path("adaptation").path("latent")).putArray("reset_on").add("activation");
    json.writeValue(copy.resolve("manifest.json").toFile(), m);
    try (LoopFixture f = fixture(Bundle.load(copy), RuntimeConfig.Executor.JAVA)) {
      RecurrentPolicy r = f.loop.recurrent();
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(1);
      f.loop.requestEStop("test");
      f.run(0.5);
      assertThat(r.resets()).as("no restart on the e-stop").isEqualTo(1);
      assertThat(new RecurrentControl(r).refusal("reset")).contains("adaptation.latent.reset_on");
    }
  }

  @Test
  void aHeldLatentStaysWhileTheWindowKeepsFilling() throws Exception {
    try (LoopFixture f = fixture(Bundle.load(SHIPPED), RuntimeConfig.Executor.JAVA)) {
      LatentPolicyController c = (LatentPolicyController) f.controller;
      RecurrentPolicy r = f.loop.recurrent();
      int z = Bundle.load(SHIPPED).manifest().adaptation().latent().size();
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(2);
      new RecurrentControl(r).enabled(false);
      f.loop.run(1);
      double[] held = new double[z];
      c.latent(held);
      f.sim.set("payload_kg", 0.8);
      f.loop.targets().hold(-0.2, 1.0);
      f.run(1);
      double[] now = new double[z];
      c.latent(now);
      assertThat(now).containsExactly(held);
      new RecurrentControl(r).enabled(true);
      f.run(0.2);
      c.latent(now);
      assertThat(now).as("re-infers from the window it kept filling").isNotEqualTo(held);
    }
  }

  /** The shipped bundle's latent controller with an encoder that fails on demand. */
  private LoopFixture withFailingEncoder(Bundle b, int[] mode) throws Exception {
    RuntimeConfig.Settings s = RuntimeConfig.Settings.defaults().withControlRate(50);
    Manifest m = b.manifest();
    return new LoopFixture(
        dir,
        b,
        RuntimeConfig.Executor.JAVA,
        c -> {
          c.close();
          PolicyController encoder = new JavaPolicyController(b.graph(Manifest.ENCODER));
          PolicyController failing =
              new PolicyController() {
                @Override
                public int observationSize() {
                  return encoder.observationSize();
                }

                @Override
                public int actionSize() {
                  return encoder.actionSize();
                }

                @Override
                public void compute(double[] in, double[] out) {
                  encoder.compute(in, out);
                  if (mode[0] == 1) {
                    throw new IllegalStateException("injected: encoder session lost");
                  }
                  if (mode[0] == 2) {
                    out[0] = Double.NaN;
                  }
                }

                @Override
                public void reset() {}

                @Override
                public void publish(double[] parameters) {}

                @Override
                public double[] parameters() {
                  return encoder.parameters();
                }

                @Override
                public void close() {
                  encoder.close();
                }
              };
          return new LatentPolicyController(
              new JavaPolicyController(b.graph(Manifest.POLICY)),
              failing,
              m.adaptation().latent(),
              m.observation().size());
        },
        (c, sim) -> c,
        s);
  }

  @Test
  void aFailingEncoderStopsTheMotorsAndSaysWhy() throws Exception {
    int[] mode = {0};
    try (LoopFixture f = withFailingEncoder(Bundle.load(SHIPPED), mode)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(2);
      assertThat(f.sim.truth("forward_speed")).isGreaterThan(0.1);
      mode[0] = 1;
      f.loop.run(5); // an encoding falls in every 5 steps
      assertThat(f.events())
          .anySatisfy(e -> assertThat(e).contains("injected: encoder session lost"));
      assertThat(
              f.loop
                  .metrics()
                  .get(org.adaptrobot.runtime.metrics.LoopMetrics.Counter.CONTROLLER_ERROR))
          .isPositive();
      // a controller fault deactivates the loop: the motors hold the safe action
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.INACTIVE);
      assertThat(f.motorsStopped()).isTrue();
      // with the encoder back, activation restarts the window and the robot drives on
      mode[0] = 0;
      long restarts = f.loop.recurrent().resets();
      f.loop.requestActivate();
      f.run(2);
      assertThat(f.loop.lifecycle().state()).isEqualTo(LifecycleState.ACTIVE);
      assertThat(f.loop.recurrent().resets()).isEqualTo(restarts + 1);
      assertThat(f.sim.truth("forward_speed")).isGreaterThan(0.1);
    }
  }

  @Test
  void aNonFiniteLatentEndsInTheEStopAfterTheConfiguredFaults() throws Exception {
    int[] mode = {0};
    try (LoopFixture f = withFailingEncoder(Bundle.load(SHIPPED), mode)) {
      f.loop.requestActivate();
      f.loop.targets().hold(0.3, 0.0);
      f.run(1);
      mode[0] = 2; // the latent turns NaN: every action is non-finite until the next restart
      f.run(1);
      assertThat(f.loop.lifecycle().eStopLatched()).isTrue();
      assertThat(f.motorsStopped()).isTrue();
      assertThat(f.events()).anySatisfy(e -> assertThat(e).contains("non-finite"));
    }
  }

  @Test
  void aLatentStepAllocatesNothing() throws Exception {
    try (LoopFixture f = fixture(Bundle.load(SHIPPED), RuntimeConfig.Executor.JAVA)) {
      // window, encodings every update_every steps, the policy, a restart
      long[] blocks = f.allocationPerHundredStepsWithRestarts();
      long[] sorted = blocks.clone();
      Arrays.sort(sorted);
      System.out.println("latent loop, bytes per 100 steps: " + Arrays.toString(blocks));
      assertThat(sorted[blocks.length / 2]).as("median block").isLessThan(50);
    }
  }

  @Test
  void onnxRuntimeAndTheJavaNetworksAgreeOverAThousandClosedLoopSteps() throws Exception {
    Bundle b = Bundle.load(SHIPPED);
    try (LoopFixture f = fixture(b, RuntimeConfig.Executor.JAVA);
        var onnx =
            org.adaptrobot.runtime.control.ControllerFactory.policyController(
                b, RuntimeConfig.Executor.ONNXRUNTIME)) {
      double worst = f.worstActionDifference(onnx); // its own window and float32 encoder
      System.out.printf("latent, ONNX Runtime vs Java over 1000 closed-loop steps: %.2e%n", worst);
      assertThat(worst).isLessThan(1e-4);
    }
  }
}
