package org.adaptrobot.runtime.adaptation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.junit.jupiter.api.Test;

class MpcControllerTest {

  // The plant: x' = x + 0.1 (-x + gain * u), u in [-1, 1]; steady state x = gain * u.
  // Observations [x, x_target] normalised with mean {0.5, 0} and std {2, 1}.
  static final double[] MEAN = {0.5, 0};
  static final double[] STD = {2, 1};

  /** The exact model of the plant with the given gain, as a linear network (no hidden layer). */
  static double[] linearModel(Mlp net, double gain) {
    double[] p = new double[net.layout().size()];
    // weights [in=3][out=2] row-major, then bias[2]; Δx_n = -0.1 x_n + 0.05 gain u - 0.025
    p[0] = -0.1; // x_n -> Δx_n
    p[4] = 0.05 * gain; // u -> Δx_n
    p[6] = -0.025; // bias of Δx_n
    return p;
  }

  static double closedLoop(MpcController mpc, double gain, double target, int steps) {
    double x = 0;
    double[] obs = new double[2];
    double[] u = new double[1];
    double previous = 0;
    for (int i = 0; i < steps; i++) {
      obs[0] = (x - MEAN[0]) / STD[0];
      obs[1] = (target - MEAN[1]) / STD[1];
      mpc.compute(obs, u);
      assertThat(Math.abs(u[0] - previous)).isLessThanOrEqualTo(0.2 + 1e-12);
      assertThat(u[0]).isBetween(-1.0, 1.0);
      previous = u[0];
      x += 0.1 * (-x + gain * u[0]);
    }
    return x;
  }

  static MpcController mpc(Mlp net, double[] params) {
    return new MpcController(
        net,
        params,
        List.of("x", "x_target"),
        MEAN,
        STD,
        new double[] {-1},
        new double[] {1},
        new double[] {0.2},
        new MpcController.Settings(15, 64, 8, 3, 0.0, 7));
  }

  @Test
  void withTheTrueModelItDrivesThePlantToTheSetPoint() {
    Mlp net = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    MpcController mpc = mpc(net, linearModel(net, 2.0));
    double x = closedLoop(mpc, 2.0, 1.5, 150);
    assertThat(x).isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.05));
  }

  @Test
  void aWrongModelLeavesAnOffsetThatThePublishedCorrectModelRemoves() {
    Mlp net = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    // the plant lost 40 % of its gain; the model still believes 2.0
    MpcController mpc = mpc(net, linearModel(net, 2.0));
    double wrong = closedLoop(mpc, 1.2, 1.0, 150);
    assertThat(Math.abs(wrong - 1.0)).isGreaterThan(0.08);
    mpc.publish(linearModel(net, 1.2));
    mpc.reset();
    double right = closedLoop(mpc, 1.2, 1.0, 150);
    assertThat(right).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.02));
    assertThat(mpc.parameters()[4]).isEqualTo(0.06);
  }

  @Test
  void aModelOfTheWrongShapeOrNoSetPointIsRefused() {
    Mlp net = Mlp.of(4, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    assertThatThrownBy(() -> mpc(net, new double[net.layout().size()]))
        .hasMessageContaining("MPC needs 3 (observations + actions) to 2");
    Mlp ok = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    assertThatThrownBy(
            () ->
                new MpcController(
                    ok,
                    new double[ok.layout().size()],
                    List.of("x", "y"),
                    MEAN,
                    STD,
                    new double[] {-1},
                    new double[] {1},
                    new double[] {0.2},
                    MpcController.Settings.standard()))
        .hasMessageContaining("no observation is named <x>_target");
  }
}
