package org.adaptrobot.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.runtime.agents.AgentSupervisor;
import org.junit.jupiter.api.Test;

public class MpcControllerTest {

  // The plant: x' = x + 0.1 (-x + gain * u), u in [-1, 1]; steady state x = gain * u.
  // Observations [x, x_target] normalised with mean {0.5, 0} and std {2, 1}.
  public static final double[] MEAN = {0.5, 0};
  public static final double[] STD = {2, 1};

  /** The exact model of the plant with the given gain, as a linear network (no hidden layer). */
  public static double[] linearModel(Mlp net, double gain) {
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

  public static MpcController mpc(Mlp net, double[] params) {
    return mpc(net, params, 1);
  }

  public static MpcController mpc(Mlp net, double[] params, int replanEvery) {
    return new MpcController(
        net,
        params,
        List.of("x", "x_target"),
        MEAN,
        STD,
        new double[] {-1},
        new double[] {1},
        new double[] {0.2},
        new MpcController.Settings(15, 64, 8, 3, 0.0, 7, replanEvery));
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
  void planningEveryFiveStepsFollowsThePlanAndReachesTheSetPoint() {
    Mlp net = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    MpcController mpc = mpc(net, linearModel(net, 2.0), 5);
    double x = 0;
    double target = 1.5;
    double[] obs = new double[2];
    double[] u = new double[1];
    double[] applied = new double[200];
    for (int i = 0; i < 200; i++) {
      obs[0] = (x - MEAN[0]) / STD[0];
      obs[1] = (target - MEAN[1]) / STD[1];
      mpc.compute(obs, u);
      applied[i] = u[0];
      x += 0.1 * (-x + 2.0 * u[0]);
    }
    // the first plan, asked for at step 0, takes effect at step 5: until then the robot rests
    for (int i = 0; i < 5; i++) {
      assertThat(applied[i]).isZero();
    }
    assertThat(applied[5]).isGreaterThan(0.1);
    assertThat(x).isCloseTo(target, org.assertj.core.data.Offset.offset(0.05));
    assertThat(mpc.plansTaken()).isEqualTo(39); // asked at 0, 5, ..., 195; the last not due yet
    assertThat(mpc.latePlans()).isZero();
    // reproducible in lockstep
    MpcController again = mpc(net, linearModel(net, 2.0), 5);
    double y = 0;
    for (int i = 0; i < 200; i++) {
      obs[0] = (y - MEAN[0]) / STD[0];
      obs[1] = (target - MEAN[1]) / STD[1];
      again.compute(obs, u);
      assertThat(u[0]).isEqualTo(applied[i]);
      y += 0.1 * (-y + 2.0 * u[0]);
    }
  }

  @Test
  void theHeldPlanIsMadeForTheStateItWillMeetNotTheOneItWasAskedIn() {
    // A plan made from the observation R steps before it takes effect must start from where the
    // plant will be by then: the planner rolls the model over the actions in between. Planning
    // from the stale observation instead overshoots a set-point step.
    Mlp net = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    double[] model = linearModel(net, 2.0);
    MpcController mpc = mpc(net, model, 8);
    double x = 0;
    double[] obs = new double[2];
    double[] u = new double[1];
    double worst = 0;
    for (int i = 0; i < 300; i++) {
      double target = i < 150 ? 0.5 : 1.5;
      obs[0] = (x - MEAN[0]) / STD[0];
      obs[1] = (target - MEAN[1]) / STD[1];
      mpc.compute(obs, u);
      x += 0.1 * (-x + 2.0 * u[0]);
      if (i >= 150) {
        worst = Math.max(worst, x - 1.5);
      }
      if (i == 149 || i == 299) {
        assertThat(x).as("step %d", i).isCloseTo(target, org.assertj.core.data.Offset.offset(0.06));
      }
    }
    assertThat(worst).as("overshoot after the step").isLessThan(0.1);
  }

  @Test
  void aResetDropsPlansAskedForBeforeIt() {
    Mlp net = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    MpcController mpc = mpc(net, linearModel(net, 2.0), 4);
    double[] obs = {-0.25, 1.5};
    double[] u = new double[1];
    for (int i = 0; i < 42; i++) { // the plan asked for at step 40 is on its way
      mpc.compute(obs, u);
    }
    assertThat(u[0]).isGreaterThan(0.1);
    long taken = mpc.plansTaken();
    mpc.reset();
    for (int i = 0; i < 4; i++) {
      mpc.compute(obs, u);
      assertThat(u[0]).as("step %d after the reset", i).isZero();
    }
    mpc.compute(obs, u);
    assertThat(u[0]).isGreaterThan(0.0);
    assertThat(mpc.plansTaken()).isEqualTo(taken + 1);
  }

  @Test
  void onItsOwnThreadThePlannerKeepsTheLoopOnTheSetPointAndTakesUpPublishedModels()
      throws Exception {
    Mlp net = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    try (AgentSupervisor agents = AgentSupervisor.printing();
        MpcController mpc = mpc(net, linearModel(net, 2.0), 4)) {
      mpc.startPlanner(1, agents);
      double x = 0;
      double[] obs = new double[2];
      double[] u = new double[1];
      for (int i = 0; i < 400; i++) {
        if (i == 200) {
          mpc.publish(linearModel(net, 1.2)); // the plant changes, and so does the model
        }
        double gain = i < 200 ? 2.0 : 1.2;
        obs[0] = (x - MEAN[0]) / STD[0];
        obs[1] = (1.0 - MEAN[1]) / STD[1];
        mpc.compute(obs, u);
        x += 0.1 * (-x + gain * u[0]);
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a 1 kHz loop
      }
      assertThat(x).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.03));
      assertThat(mpc.plansTaken()).isGreaterThan(50);
      assertThat(mpc.parameters()[4]).isEqualTo(0.06);
    }
  }

  /** The plant's model, which can be told to fail or to become slow (a planner in trouble). */
  static final class TroubledModel implements org.adaptrobot.models.nn.DifferentiableModel {
    final Mlp net;
    volatile String trouble = "none";

    TroubledModel(Mlp net) {
      this.net = net;
    }

    @Override
    public double[] forward(
        double[] params, double[] input, int batch, org.adaptrobot.models.nn.ModelTape tape) {
      switch (trouble) {
        case "fail" -> throw new ArithmeticException("model broke");
        case "die" -> throw new StackOverflowError("model died");
        case "slow" -> java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        default -> {}
      }
      return net.forward(params, input, batch, tape);
    }

    @Override
    public org.adaptrobot.models.nn.ParameterLayout layout() {
      return net.layout();
    }

    @Override
    public int inputSize() {
      return net.inputSize();
    }

    @Override
    public int outputSize() {
      return net.outputSize();
    }

    @Override
    public void initialise(double[] params, java.util.SplittableRandom random) {
      net.initialise(params, random);
    }

    @Override
    public org.adaptrobot.models.nn.ModelTape newTape(int maxBatch) {
      return net.newTape(maxBatch);
    }

    @Override
    public void backward(
        double[] p, org.adaptrobot.models.nn.ModelTape t, double[] g, double[] gp, double[] gi) {
      net.backward(p, t, g, gp, gi);
    }

    @Override
    public double[] forwardDirection(
        double[] p, double[] dp, double[] di, org.adaptrobot.models.nn.ModelTape t) {
      return net.forwardDirection(p, dp, di, t);
    }

    @Override
    public void backwardDirection(
        double[] p,
        double[] dp,
        org.adaptrobot.models.nn.ModelTape t,
        double[] g,
        double[] rg,
        double[] hv,
        double[] ri) {
      net.backwardDirection(p, dp, t, g, rg, hv, ri);
    }
  }

  /** Steps a 1 kHz loop until compute throws; returns the message, or null after 2,000 steps. */
  static String stepUntilRefused(MpcController mpc, double[] obs, double[] u) {
    for (int i = 0; i < 2_000; i++) {
      try {
        mpc.compute(obs, u);
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    return null;
  }

  @Test
  void aFailingStalledOrDeadPlannerStopsTheLoopFromDrivingOnAStalePlan() {
    Mlp net = Mlp.of(3, new int[0], 2, Activation.IDENTITY, Activation.IDENTITY);
    double[] obs = {-0.25, 1.0};
    double[] u = new double[1];
    for (String trouble : new String[] {"fail", "slow", "die"}) {
      TroubledModel model = new TroubledModel(net);
      java.util.List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
      try (AgentSupervisor agents = new AgentSupervisor((role, t) -> reports.add(role + ": " + t));
          MpcController mpc =
              new MpcController(
                  model,
                  linearModel(net, 2.0),
                  List.of("x", "x_target"),
                  MEAN,
                  STD,
                  new double[] {-1},
                  new double[] {1},
                  new double[] {0.2},
                  new MpcController.Settings(15, 64, 8, 3, 0.0, 7, 4))) {
        mpc.startPlanner(1, agents);
        for (int i = 0; i < 100; i++) {
          mpc.compute(obs, u);
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertThat(mpc.plansTaken()).isPositive();
        model.trouble = trouble;
        String refused = stepUntilRefused(mpc, obs, u);
        switch (trouble) {
          case "fail" -> {
            // every plan throws: each failure reported and counted, the planner goes on, and the
            // loop refuses once the plan in use is too old
            assertThat(refused)
                .startsWith("no new MPC plan for ")
                .endsWith("steps (replan_every 4, horizon 15): the planner cannot keep up");
            assertThat(agents.errors("mpc-planner")).isPositive();
            assertThat(reports)
                .first()
                .asString()
                .isEqualTo("mpc-planner: java.lang.ArithmeticException: model broke");
          }
          case "slow" ->
              assertThat(refused)
                  .startsWith("no new MPC plan for ")
                  .endsWith("steps (replan_every 4, horizon 15): the planner cannot keep up");
          default -> {
            // an Error ends the planner's thread: the very next step is refused
            assertThat(refused)
                .isEqualTo(
                    "the MPC planner thread stopped: java.lang.StackOverflowError: model died");
            assertThat(agents.errors("mpc-planner")).isEqualTo(1);
          }
        }
      }
    }
  }

  @Test
  void aReplanningIntervalLongerThanTheHorizonIsRefused() {
    assertThatThrownBy(() -> new MpcController.Settings(10, 64, 8, 2, 0.01, 1, 11))
        .hasMessageContaining("replan_every must be between 1 and the horizon (10), found 11");
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
