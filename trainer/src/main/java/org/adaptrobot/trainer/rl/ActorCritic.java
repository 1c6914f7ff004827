package org.adaptrobot.trainer.rl;

import java.util.SplittableRandom;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.GaussianPolicy;
import org.adaptrobot.models.nn.Mlp;

/**
 * A Gaussian policy with state-independent log-std and a separate value network, their parameters
 * and the observation normaliser: what the on-policy learners train and export.
 */
public final class ActorCritic {

  public final GaussianPolicy policy;
  public final Mlp value;
  public final double[] policyParams;
  public final double[] valueParams;
  public final RunningMeanStd norm;

  public ActorCritic(
      int obsSize,
      int actSize,
      int[] hidden,
      Activation act,
      double initialLogStd,
      boolean normalise,
      long seed) {
    this.policy =
        new GaussianPolicy(
            Mlp.of(obsSize, hidden, actSize, act, Activation.IDENTITY), initialLogStd);
    this.value = Mlp.of(obsSize, hidden, 1, act, Activation.IDENTITY);
    this.policyParams = new double[policy.layout().size()];
    this.valueParams = new double[value.layout().size()];
    SplittableRandom r = new SplittableRandom(seed);
    policy.initialise(policyParams, r);
    value.initialise(valueParams, r);
    // a near-zero last layer: the first actions are the noise around 0, not an arbitrary push
    Mlp mean = policy.meanNetwork();
    var last = policy.layout().slice(mean.weightName(mean.layerCount() - 1));
    for (int k = last.offset(); k < last.end(); k++) {
      policyParams[k] *= 0.01;
    }
    this.norm = normalise ? new RunningMeanStd(obsSize) : null;
  }

  public int logStdOffset() {
    return policy.layout().slice(GaussianPolicy.LOG_STD).offset();
  }
}
