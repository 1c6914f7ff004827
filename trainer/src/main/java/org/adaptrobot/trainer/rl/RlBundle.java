package org.adaptrobot.trainer.rl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.adaptrobot.models.bundle.Bundle;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.models.bundle.BundleExport;
import org.adaptrobot.models.bundle.Manifest;
import org.adaptrobot.models.bundle.RewardSpec;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.NetworkArchitecture;

/**
 * A policy trained on the robot's velocity-tracking task as a bundle the runtime drives: the
 * Gaussian policy's mean network as the policy graph (the robot acts with the mean), the
 * observation normaliser as the manifest's mean and std (with bounds at ±10 std, where the trainer
 * clips), the wheel duties as actions, and the reward spec it was trained with.
 */
public final class RlBundle {

  private RlBundle() {}

  /** Units of {@link SpecReward#DIFF_DRIVE_VELOCITY}. */
  static final List<String> UNITS =
      List.of("m/s", "rad/s", "m/s", "rad/s", "rad/s", "rad/s", "V", "1", "1");

  /**
   * Writes the bundle and loads it back (a bundle that would not load is never reported written).
   *
   * @param maxDutyChange the safety layer's rate limit per step (the environment has none)
   */
  public static Bundle export(
      Path target,
      ActorCritic ac,
      double controlRateHz,
      RewardSpec reward,
      double maxDutyChange,
      Map<String, Object> hyperparameters,
      long seed,
      Map<String, Double> metrics)
      throws IOException, BundleException {
    int o = ac.policy.inputSize();
    requireRobotShape(o, 0, ac.policy.actionSize());
    double[] mean = ac.norm == null ? new double[o] : ac.norm.mean();
    double[] std = new double[o];
    if (ac.norm == null) {
      Arrays.fill(std, 1.0);
    } else {
      std = ac.norm.std();
    }
    double[] low = bound(mean, std, -1);
    double[] high = bound(mean, std, 1);
    Mlp net = ac.policy.meanNetwork();
    List<Activation> acts = Arrays.asList(net.activations());
    NetworkArchitecture arch = new NetworkArchitecture.MlpArchitecture(net.layerSizes(), acts);
    double[] params = Arrays.copyOf(ac.policyParams, net.layout().size());
    return write(
        target,
        "Wheel-duty policy trained with PPO on the simulated robot's velocity-tracking task.",
        policyGraph(arch, params, Manifest.AdaptationSpec.none()),
        low,
        high,
        mean,
        std,
        controlRateHz,
        reward,
        maxDutyChange,
        Manifest.AdaptationSpec.none(),
        "ppo",
        hyperparameters,
        seed,
        metrics);
  }

  /**
   * A meta-trained Gaussian policy (MAML-TRPO or ProMP) as a bundle that adapts on the robot: the
   * whole policy (mean network and log-std, architecture {@code gaussian_mlp}; the robot acts with
   * the mean and explores with the log-std) under a fixed observation normalisation, adaptation
   * mode {@code gradient} with the {@code policy_gradient} loss at the inner rate α on every tensor
   * (or all but the log-std); the support window is the transitions of one inner step (rollouts ×
   * steps), the query window one rollout's steps.
   */
  public static Bundle exportAdaptive(
      Path target,
      GaussianPolicy policy,
      double[] params,
      double[] mean,
      double[] std,
      double controlRateHz,
      RewardSpec reward,
      double maxDutyChange,
      double innerRate,
      boolean adaptLogStd,
      int rolloutSteps,
      int rollouts,
      String algorithm,
      Map<String, Object> hyperparameters,
      long seed,
      Map<String, Double> metrics)
      throws IOException, BundleException {
    int o = policy.inputSize();
    requireRobotShape(o, 0, policy.actionSize());
    double[] low = bound(mean, std, -1);
    double[] high = bound(mean, std, 1);
    Mlp net = policy.meanNetwork();
    NetworkArchitecture arch =
        new NetworkArchitecture.GaussianPolicyArchitecture(
            new NetworkArchitecture.MlpArchitecture(
                net.layerSizes(), Arrays.asList(net.activations())));
    List<String> tensors =
        policy.layout().slices().stream()
            .map(s -> s.name())
            .filter(n -> adaptLogStd || !n.equals(GaussianPolicy.LOG_STD))
            .toList();
    Manifest.AdaptationSpec adaptation =
        new Manifest.AdaptationSpec(
            org.adaptrobot.models.bundle.AdaptationMode.GRADIENT,
            Manifest.POLICY,
            tensors,
            new double[] {innerRate},
            1,
            rolloutSteps * rollouts,
            rolloutSteps,
            "policy_gradient");
    return write(
        target,
        "Wheel-duty policy meta-trained with "
            + algorithm
            + " on the simulated robot's velocity-tracking task; adapts on the robot by a"
            + " policy-gradient step from its own reward.",
        policyGraph(arch, params.clone(), adaptation),
        low,
        high,
        mean,
        std,
        controlRateHz,
        reward,
        maxDutyChange,
        adaptation,
        algorithm,
        hyperparameters,
        seed,
        metrics);
  }

  /**
   * An RL² policy as a bundle that adapts in its hidden state (mode {@code recurrent}): the GRU
   * with its head (the action mean; the robot acts with it) as the policy graph, the extra inputs
   * it was trained with (previous action, previous reward, episode done) and reset on activation,
   * e-stop and command; the fixed observation normalisation it was trained under.
   */
  public static Bundle exportRecurrent(
      Path target,
      Rl2 learner,
      double[] mean,
      double[] std,
      double controlRateHz,
      RewardSpec reward,
      double maxDutyChange,
      Map<String, Object> hyperparameters,
      long seed,
      Map<String, Double> metrics)
      throws IOException, BundleException {
    var net = learner.network();
    int o = SpecReward.DIFF_DRIVE_VELOCITY.size();
    requireRobotShape(learner.inputSize() - 4, 4, net.outputSize());
    double[] low = bound(mean, std, -1);
    double[] high = bound(mean, std, 1);
    Mlp head = net.headNetwork();
    NetworkArchitecture.GruArchitecture arch =
        new NetworkArchitecture.GruArchitecture(
            learner.inputSize(),
            net.hiddenSize(),
            new NetworkArchitecture.MlpArchitecture(
                head.layerSizes(), Arrays.asList(head.activations())),
            NetworkArchitecture.GruArchitecture.EXTRA_INPUTS,
            NetworkArchitecture.GruArchitecture.RESET_EVENTS);
    Manifest.AdaptationSpec adaptation =
        new Manifest.AdaptationSpec(
            org.adaptrobot.models.bundle.AdaptationMode.RECURRENT,
            Manifest.POLICY,
            List.of(),
            new double[0],
            0,
            0,
            0,
            null);
    return write(
        target,
        "Recurrent wheel-duty policy meta-trained with RL² on the simulated robot's"
            + " velocity-tracking task (changes while it drives); adapts in its hidden state from"
            + " what it observes, its previous action and its reward.",
        policyGraph(arch, Arrays.copyOf(learner.parameters(), net.layout().size()), adaptation),
        low,
        high,
        mean,
        std,
        controlRateHz,
        reward,
        maxDutyChange,
        adaptation,
        "rl2",
        hyperparameters,
        seed,
        metrics);
  }

  /**
   * An RMA policy as a bundle that adapts in its latent (mode {@code latent}): the oracle's mean
   * network over [observation, latent] as the policy graph, the adaptation module over the window
   * of normalised observations as the encoder graph, the window, the re-encoding interval and reset
   * on activation, e-stop and command. The oracle trained under two normalisations — the fixed one
   * of {@link RobotMetaRl#env()} ({@code mean0}, {@code std0}), then its own running one — which
   * the manifest carries as one: mean0 + std0·m, std0·s, bounded where either stage clipped.
   */
  public static Bundle exportLatent(
      Path target,
      ActorCritic oracle,
      Rma rma,
      double[] mean0,
      double[] std0,
      double controlRateHz,
      RewardSpec reward,
      double maxDutyChange,
      Map<String, Object> hyperparameters,
      long seed,
      Map<String, Double> metrics)
      throws IOException, BundleException {
    int o = rma.observationSize();
    requireRobotShape(o, 0, oracle.policy.actionSize());
    double[] m1 = oracle.norm.mean();
    double[] s1 = oracle.norm.std();
    double[] mean = new double[o];
    double[] std = new double[o];
    double[] low = new double[o];
    double[] high = new double[o];
    for (int i = 0; i < o; i++) {
      mean[i] = mean0[i] + std0[i] * m1[i];
      std[i] = std0[i] * s1[i];
      low[i] =
          Math.max(
              mean0[i] - RunningMeanStd.CLIP * std0[i],
              mean0[i] + std0[i] * (m1[i] - RunningMeanStd.CLIP * s1[i]));
      high[i] =
          Math.min(
              mean0[i] + RunningMeanStd.CLIP * std0[i],
              mean0[i] + std0[i] * (m1[i] + RunningMeanStd.CLIP * s1[i]));
    }
    Mlp net = oracle.policy.meanNetwork();
    Mlp module = rma.module();
    Rma.Config rc = rma.config();
    Manifest.AdaptationSpec adaptation =
        Manifest.AdaptationSpec.latent(
            new Manifest.LatentSpec(
                rc.window(), rc.updateEvery(), rma.latentSize(), Manifest.LatentSpec.RESET_EVENTS));
    return write(
        target,
        "Wheel-duty policy trained with PPO told the robot's parameters, driven by an RMA-style"
            + " adaptation module that infers them from the last "
            + rc.window()
            + " observations (mode latent).",
        Map.of(
            Manifest.POLICY,
            new BundleExport.GraphExport(
                new NetworkArchitecture.MlpArchitecture(
                    net.layerSizes(), Arrays.asList(net.activations())),
                Arrays.copyOf(oracle.policyParams, net.layout().size()),
                Set.of()),
            Manifest.ENCODER,
            new BundleExport.GraphExport(
                new NetworkArchitecture.MlpArchitecture(
                    module.layerSizes(), Arrays.asList(module.activations())),
                rma.moduleParameters().clone(),
                Set.of())),
        low,
        high,
        mean,
        std,
        controlRateHz,
        reward,
        maxDutyChange,
        adaptation,
        "rma",
        hyperparameters,
        seed,
        metrics);
  }

  /**
   * A PEARL policy on the robot as a bundle that adapts in its latent (mode {@code latent},
   * encoding {@code factors}): the actor's deterministic action tanh(μ) over [observation, z] as
   * the policy graph (the actor's log-σ outputs dropped), the transition encoder (a pair of
   * consecutive normalised observations → a Gaussian factor) as the encoder graph, the posterior
   * over the last {@code window} factors, the latent taken every step, reset on activation, e-stop
   * and command. Observations normalised as {@link RobotMetaRl#env()} does.
   */
  public static Bundle exportPearl(
      Path target,
      Pearl pearl,
      int window,
      double controlRateHz,
      RewardSpec reward,
      double maxDutyChange,
      Map<String, Object> hyperparameters,
      long seed,
      Map<String, Double> metrics)
      throws IOException, BundleException {
    int o = RobotMetaRl.OBS_MEAN.length;
    int z = pearl.latentSize();
    Mlp actor = pearl.actorNetwork();
    int d = actor.outputSize() / 2;
    requireRobotShape(actor.inputSize() - z, 0, d);
    if (pearl.transitionSize() != 2 * o) {
      throw new IllegalArgumentException(
          "the runtime reads a transition as two observations ("
              + 2 * o
              + " values); this PEARL encoder reads "
              + pearl.transitionSize());
    }
    int[] sizes = actor.layerSizes().clone();
    int last = sizes.length - 2;
    sizes[last + 1] = d;
    Activation[] acts = actor.activations().clone();
    acts[acts.length - 1] = Activation.TANH;
    Mlp mean = new Mlp(sizes, acts);
    double[] theta = new double[mean.layout().size()];
    double[] full = pearl.actorParameters();
    for (int l = 0; l < sizes.length - 1; l++) {
      String w = "layers." + l + ".weight";
      String b = "layers." + l + ".bias";
      var fw = actor.layout().slice(w);
      var fb = actor.layout().slice(b);
      var mw = mean.layout().slice(w);
      var mb = mean.layout().slice(b);
      int in = sizes[l];
      int outFull = actor.layerSizes()[l + 1];
      int out = sizes[l + 1];
      for (int i = 0; i < in; i++) {
        System.arraycopy(full, fw.offset() + i * outFull, theta, mw.offset() + i * out, out);
      }
      System.arraycopy(full, fb.offset(), theta, mb.offset(), out);
    }
    Mlp encoder = pearl.encoder.network();
    Manifest.AdaptationSpec adaptation =
        Manifest.AdaptationSpec.latent(
            new Manifest.LatentSpec(
                window, 1, z, Manifest.LatentSpec.RESET_EVENTS, Manifest.LatentSpec.FACTORS));
    return write(
        target,
        "Wheel-duty policy trained with PEARL (soft actor-critic on [observation, z]) whose latent"
            + " is the posterior mean of Gaussian factors of the last "
            + window
            + " transitions (mode latent, factors encoding).",
        Map.of(
            Manifest.POLICY,
            new BundleExport.GraphExport(
                new NetworkArchitecture.MlpArchitecture(sizes, Arrays.asList(acts)),
                theta,
                Set.of()),
            Manifest.ENCODER,
            new BundleExport.GraphExport(
                new NetworkArchitecture.MlpArchitecture(
                    encoder.layerSizes(), Arrays.asList(encoder.activations())),
                pearl.encoderParameters().clone(),
                Set.of())),
        bound(RobotMetaRl.OBS_MEAN, RobotMetaRl.OBS_STD, -1),
        bound(RobotMetaRl.OBS_MEAN, RobotMetaRl.OBS_STD, 1),
        RobotMetaRl.OBS_MEAN.clone(),
        RobotMetaRl.OBS_STD.clone(),
        controlRateHz,
        reward,
        maxDutyChange,
        adaptation,
        "pearl",
        hyperparameters,
        seed,
        metrics);
  }

  /** mean + sign · {@link RunningMeanStd#CLIP} · std: where the trainer clipped observations. */
  private static double[] bound(double[] mean, double[] std, int sign) {
    double[] b = new double[mean.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = mean[i] + sign * RunningMeanStd.CLIP * std[i];
    }
    return b;
  }

  /**
   * Refuses a policy that does not read the velocity-tracking observation (followed by {@code
   * extra} recurrent inputs) or does not give the two duties.
   */
  private static void requireRobotShape(int observations, int extra, int actions) {
    if (observations != SpecReward.DIFF_DRIVE_VELOCITY.size() || actions != 2) {
      throw new IllegalArgumentException(
          "a robot bundle needs the velocity-tracking observation "
              + SpecReward.DIFF_DRIVE_VELOCITY
              + (extra == 0 ? "" : " with previous action, reward and done")
              + " and two duties; this policy has "
              + (observations + extra)
              + " inputs and "
              + actions
              + " outputs");
    }
  }

  /** The policy graph alone, its adaptable tensors those of {@code adaptation}. */
  private static Map<String, BundleExport.GraphExport> policyGraph(
      NetworkArchitecture arch, double[] params, Manifest.AdaptationSpec adaptation) {
    return Map.of(
        Manifest.POLICY,
        new BundleExport.GraphExport(arch, params, Set.copyOf(adaptation.adaptableTensors())));
  }

  private static Bundle write(
      Path target,
      String description,
      Map<String, BundleExport.GraphExport> graphs,
      double[] low,
      double[] high,
      double[] mean,
      double[] std,
      double controlRateHz,
      RewardSpec reward,
      double maxDutyChange,
      Manifest.AdaptationSpec adaptation,
      String algorithm,
      Map<String, Object> hyperparameters,
      long seed,
      Map<String, Double> metrics)
      throws IOException, BundleException {
    Manifest template =
        new Manifest(
            Manifest.FORMAT_VERSION,
            target.getFileName().toString(),
            description,
            new Manifest.ObservationSpec(
                SpecReward.DIFF_DRIVE_VELOCITY, UNITS, low, high, mean, std),
            new Manifest.ActionSpec(
                Manifest.WHEEL_DUTIES,
                List.of("1", "1"),
                new double[] {-1, -1},
                new double[] {1, 1},
                new double[] {maxDutyChange, maxDutyChange}),
            controlRateHz,
            Map.of(),
            adaptation,
            new Manifest.Provenance(
                algorithm,
                hyperparameters,
                seed,
                org.adaptrobot.trainer.cli.RlCommandVersion.code(),
                metrics,
                java.time.Instant.now()
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    .toString()),
            Map.of(),
            null,
            reward);
    return BundleExport.write(target, template, graphs);
  }
}
