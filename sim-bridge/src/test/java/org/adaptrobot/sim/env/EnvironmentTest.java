package org.adaptrobot.sim.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.adaptrobot.sim.env.TaskDistribution.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EnvironmentTest {

  static Stream<Supplier<Env>> environments() {
    return Stream.of(
        PointNavigation::new,
        PointRobot::new,
        CartPole::new,
        Pendulum::new,
        () -> new DiffDriveEnv(DiffDriveEnv.Mode.VELOCITY_TRACKING, 100),
        () -> new DiffDriveEnv(DiffDriveEnv.Mode.WAYPOINTS, 50));
  }

  /** Observations of an episode under actions drawn from a seeded generator. */
  static List<double[]> rollout(Env env, Long seed, long actionSeed, int steps) {
    List<double[]> out = new ArrayList<>();
    double[] obs = new double[env.observationSpace().size()];
    env.reset(seed, obs);
    out.add(obs.clone());
    SplittableRandom r = new SplittableRandom(actionSeed);
    double[] a = new double[env.actionSpace().size()];
    Env.Status s = new Env.Status();
    for (int i = 0; i < steps; i++) {
      for (int k = 0; k < a.length; k++) {
        a[k] =
            env.actionSpace().low(k)
                + (env.actionSpace().high(k) - env.actionSpace().low(k)) * r.nextDouble();
      }
      double reward = env.step(a, obs, s);
      double[] row = Arrays.copyOf(obs, obs.length + 1);
      row[obs.length] = reward;
      out.add(row);
      if (s.done()) {
        break;
      }
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("environments")
  void identicalSeedsGiveIdenticalTrajectories(Supplier<Env> factory) {
    Env a = factory.get();
    Env b = factory.get();
    double[] task = a.tasks().sample(Split.TRAIN, new SplittableRandom(3));
    a.task(task);
    b.task(task);
    List<double[]> ra = rollout(a, 42L, 7, 60);
    List<double[]> rb = rollout(b, 42L, 7, 60);
    assertThat(ra).hasSameSizeAs(rb);
    for (int i = 0; i < ra.size(); i++) {
      assertThat(ra.get(i)).containsExactly(rb.get(i));
    }
  }

  @ParameterizedTest
  @MethodSource("environments")
  void aSeedRestartsTheStreamAndNoSeedContinuesIt(Supplier<Env> factory) {
    Env env = factory.get();
    double[] o1 = env.reset(5L).observation();
    env.step(new double[env.actionSpace().size()]);
    double[] o2 = env.reset(5L).observation();
    assertThat(o2).containsExactly(o1);
    assertThat(env.elapsedSteps()).isZero();
    Env.ResetResult next = env.reset(null);
    assertThat(next.info()).containsKeys("step", "task");
  }

  @ParameterizedTest
  @MethodSource("environments")
  void aMidEpisodeSwitchChangesTheDynamicsAtExactlyTheRequestedStep(Supplier<Env> factory) {
    Env plain = factory.get();
    Env switched = factory.get();
    double[] other = plain.tasks().sample(Split.TEST, new SplittableRandom(11));
    int k = 20;
    double[] obsA = new double[plain.observationSpace().size()];
    double[] obsB = new double[obsA.length];
    plain.reset(9L, obsA);
    switched.reset(9L, obsB);
    switched.switchTaskAt(k, other);
    SplittableRandom r = new SplittableRandom(1);
    double[] a = new double[plain.actionSpace().size()];
    Env.Status s = new Env.Status();
    for (int i = 0; i <= k; i++) {
      for (int q = 0; q < a.length; q++) {
        a[q] = plain.actionSpace().high(q) * (2 * r.nextDouble() - 1) * 0.8;
      }
      double ra = plain.step(a, obsA, s);
      double rb = switched.step(a, obsB, s);
      if (i < k) {
        assertThat(obsB).as("step %d, before the switch", i).containsExactly(obsA);
        assertThat(rb).isEqualTo(ra);
        assertThat(switched.task()).containsExactly(plain.task());
      } else {
        assertThat(switched.task()).containsExactly(other);
        assertThat(Arrays.equals(obsA, obsB) && ra == rb).as("step %d differs", i).isFalse();
      }
    }
  }

  @Test
  void cartPoleFollowsGymnasiumsEquationsStepByStep() {
    CartPole env = new CartPole();
    env.reset(0L, new double[4]);
    env.state(new double[] {0.0, 0.0, 0.05, 0.0});
    // Computed by hand from Gymnasium's CartPole equations (g 9.8, m_c 1.0, m_p 0.1, l 0.5, F 10,
    // τ 0.02, Euler). Step 1: temp = 10/1.1 = 9.0909; θ̈ = (9.8·sin 0.05 − cos 0.05·9.0909) /
    // (0.5·(4/3 − 0.1·cos²0.05/1.1)) = −13.8249; ẍ = temp − 0.05·θ̈·cos 0.05/1.1 = 9.7185.
    double[][] expected = {
      {0.0, 0.194370546605301, 0.05, -0.2764975752871551},
      {0.0038874109321060204, 0.38874482028834234, 0.0444700484942569, -0.5530007342041057},
      {0.011662307337872867, 0.19302750919579342, 0.03341003381017478, -0.24664512001379496},
      {0.015522857521788735, 0.38765676013059536, 0.02847713140989888, -0.5286053505920445},
      {0.023275992724400642, 0.19214598599089233, 0.01790502439805799, -0.2270869479039555},
      {0.02711891244421849, -0.0032272113012691006, 0.013363285439978882, 0.07118966919333991}
    };
    double[] actions = {1, 1, -1, 1, -1, -1};
    double[] obs = new double[4];
    Env.Status s = new Env.Status();
    for (int i = 0; i < actions.length; i++) {
      assertThat(env.step(new double[] {actions[i]}, obs, s)).isEqualTo(1.0);
      assertThat(obs).containsExactly(expected[i], offset(1e-12));
      assertThat(s.terminated).isFalse();
    }
  }

  @Test
  void cartPoleTerminatesWhenThePoleFalls() {
    CartPole env = new CartPole();
    env.reset(0L, new double[4]);
    env.state(new double[] {0, 0, 0.2, 0.5});
    Env.StepResult r = env.step(new double[] {1});
    assertThat(r.terminated()).isTrue();
    assertThat(r.truncated()).isFalse();
  }

  @Test
  void frictionlessPendulumEnergyStaysBoundedOver10000Steps() {
    Pendulum env = new Pendulum();
    env.reset(0L, new double[3]);
    env.state(Math.PI - 1.0, 0.0); // swinging 1 rad around the bottom: never near the speed clip
    double e0 = env.energy();
    double scale = 3 * 10.0 / 2; // 3g/(2l): the energy's natural unit
    double worst = 0;
    double firstWindow = 0;
    double lastWindow = 0;
    double[] obs = new double[3];
    Env.Status s = new Env.Status();
    double[] zero = {0.0};
    for (int i = 0; i < 10_000; i++) {
      env.step(zero, obs, s);
      double dev = Math.abs(env.energy() - e0) / scale;
      worst = Math.max(worst, dev);
      if (i < 1000) {
        firstWindow = Math.max(firstWindow, dev);
      } else if (i >= 9000) {
        lastWindow = Math.max(lastWindow, dev);
      }
      if (env.elapsedSteps() >= Pendulum.HORIZON) {
        // keep integrating past the episode's horizon: drift is about the integrator
        assertThat(s.truncated || env.elapsedSteps() > Pendulum.HORIZON).isTrue();
      }
    }
    // semi-implicit Euler is symplectic: the error oscillates and does not grow
    assertThat(worst).isLessThan(0.05);
    assertThat(lastWindow).isLessThan(1.5 * firstWindow + 1e-6);
  }

  @Test
  void pendulumMatchesGymnasiumsUpdateAndCost() {
    Pendulum env = new Pendulum();
    env.reset(0L, new double[3]);
    env.state(0.3, -0.5);
    Env.StepResult r = env.step(new double[] {3.0}); // clipped to 2
    double thdot = -0.5 + (3 * 10.0 / 2 * Math.sin(0.3) + 3.0 * 2.0) * 0.05;
    double th = 0.3 + thdot * 0.05;
    assertThat(r.reward()).isCloseTo(-(0.09 + 0.1 * 0.25 + 0.001 * 4), offset(1e-12));
    assertThat(r.observation())
        .containsExactly(new double[] {Math.cos(th), Math.sin(th), thdot}, offset(1e-12));
  }

  @Test
  void pointNavigationClipsActionsAndRewardsMinusTheDistance() {
    PointNavigation env = new PointNavigation();
    env.task(new double[] {0.3, -0.2});
    env.reset(1L);
    Env.StepResult r = env.step(new double[] {0.5, -0.05});
    assertThat(r.observation()).containsExactly(0.1, -0.05);
    assertThat(r.reward()).isCloseTo(-Math.hypot(0.1 - 0.3, -0.05 + 0.2), offset(1e-15));
    for (int i = 1; i < 99; i++) {
      assertThat(env.step(new double[] {0, 0}).truncated()).isFalse();
    }
    assertThat(env.step(new double[] {0, 0}).truncated()).isTrue();
  }

  @Test
  void pointRobotsGoalIsOnTheHalfCircleAndEveryGoalIsOneMetreFromTheStart() {
    PointRobot env = new PointRobot();
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 200; i++) {
      double[] task = env.tasks().sample(Split.TRAIN, r);
      assertThat(task[0]).isBetween(0.0, Math.PI);
      env.task(task);
      env.reset(1L);
      // standing still at the origin shows nothing of the goal: distance 1 for every angle
      assertThat(env.step(new double[] {0, 0}).reward()).isCloseTo(-1.0, offset(1e-15));
    }
    double theta = 2.0;
    env.task(new double[] {theta});
    env.reset(1L);
    Env.StepResult first = env.step(new double[] {0.5, -0.02});
    assertThat(first.observation()).containsExactly(0.1, -0.02);
    assertThat(first.reward())
        .isCloseTo(-Math.hypot(0.1 - Math.cos(theta), -0.02 - Math.sin(theta)), offset(1e-15));
    for (int i = 1; i < 19; i++) {
      assertThat(env.step(new double[] {0, 0}).truncated()).isFalse();
    }
    assertThat(env.step(new double[] {0, 0}).truncated()).isTrue();
    assertThatThrownBy(() -> env.task(new double[2])).hasMessageContaining("goal_angle");
  }

  @Test
  void taskSplitsRespectTheirRanges() {
    TaskDistribution d = DiffDriveEnv.distribution();
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < 2000; i++) {
      assertThat(d.inTraining(d.sample(Split.TRAIN, r))).isTrue();
      double[] extra = d.sample(Split.EXTRAPOLATION, r);
      assertThat(d.inTraining(extra)).isFalse();
      double[] test = d.sample(Split.TEST, r);
      for (int k = 0; k < d.size(); k++) {
        assertThat(test[k])
            .isBetween(d.parameters().get(k).testLow(), d.parameters().get(k).testHigh());
        assertThat(extra[k])
            .isBetween(d.parameters().get(k).testLow(), d.parameters().get(k).testHigh());
      }
    }
    assertThat(Pendulum.distribution().parameters().get(0).trainLow()).isEqualTo(0.5);
    assertThat(Pendulum.distribution().parameters().get(0).trainHigh()).isEqualTo(2.0);
    assertThatThrownBy(() -> new PointNavigation().task(new double[3]))
        .hasMessageContaining("goal_x");
  }

  @Test
  void vectorEnvironmentEqualsItsScalarCopiesAndResetsFinishedEpisodes() {
    int n = 3;
    VectorEnv vec = new VectorEnv(n, Pendulum::new);
    double[] obs = new double[n * 3];
    vec.reset(100, obs);
    List<Pendulum> scalar = new ArrayList<>();
    double[] one = new double[3];
    for (int i = 0; i < n; i++) {
      Pendulum p = new Pendulum();
      p.reset(100L + i, one);
      assertThat(Arrays.copyOfRange(obs, 3 * i, 3 * i + 3)).containsExactly(one);
      scalar.add(p);
    }
    double[] actions = {0.5, -1.0, 2.0};
    double[] rewards = new double[n];
    boolean[] term = new boolean[n];
    boolean[] trunc = new boolean[n];
    Env.Status s = new Env.Status();
    for (int t = 0; t < Pendulum.HORIZON; t++) {
      vec.step(actions, obs, rewards, term, trunc);
      for (int i = 0; i < n; i++) {
        double rw = scalar.get(i).step(new double[] {actions[i]}, one, s);
        assertThat(rewards[i]).isEqualTo(rw);
        if (t < Pendulum.HORIZON - 1) {
          assertThat(Arrays.copyOfRange(obs, 3 * i, 3 * i + 3)).containsExactly(one);
        } else {
          assertThat(trunc[i]).isTrue();
          assertThat(Arrays.copyOfRange(vec.finalObservations(), 3 * i, 3 * i + 3))
              .containsExactly(one);
          assertThat(vec.env(i).elapsedSteps()).isZero();
        }
      }
    }
  }

  @Test
  void vectorisedPointNavigationEqualsTheScalarEnvironment() {
    int n = 4;
    PointNavigationVector vec = new PointNavigationVector(n);
    List<PointNavigation> scalar = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(8);
    for (int i = 0; i < n; i++) {
      PointNavigation p = new PointNavigation();
      double[] g = p.tasks().sample(Split.TRAIN, r);
      p.task(g);
      p.reset(0L);
      vec.goal(i, g[0], g[1]);
      scalar.add(p);
    }
    double[] obs = new double[2 * n];
    vec.reset(obs);
    double[] actions = new double[2 * n];
    double[] rewards = new double[n];
    boolean[] trunc = new boolean[n];
    for (int t = 0; t < 150; t++) {
      for (int k = 0; k < actions.length; k++) {
        actions[k] = 0.3 * (2 * r.nextDouble() - 1);
      }
      vec.step(actions, obs, rewards, trunc);
      for (int i = 0; i < n; i++) {
        Env.StepResult s = scalar.get(i).step(new double[] {actions[2 * i], actions[2 * i + 1]});
        assertThat(rewards[i]).isEqualTo(s.reward());
        assertThat(trunc[i]).isEqualTo(s.truncated());
        if (s.truncated()) {
          scalar.get(i).reset(null);
        } else {
          assertThat(obs[2 * i]).isEqualTo(s.observation()[0]);
        }
      }
    }
  }
}
