package org.adaptrobot.trainer.rl;

/**
 * One on-policy batch: {@code steps × envs} transitions stored time-major ({@code index = t · envs
 * + i}), with what GAE and the policy updates need. Episodes that end inside the batch are flagged;
 * a truncated one (time limit) keeps the value of its last observation for bootstrapping.
 */
public final class RolloutBuffer {

  public final int steps;
  public final int envs;
  public final int obsSize;
  public final int actSize;

  /** Normalised observations the policy saw. */
  public final double[] obs;

  /** Raw observations, for the normaliser's update. */
  public final double[] rawObs;

  /** Sampled actions, before the environment clipped them. */
  public final double[] actions;

  public final double[] rewards;
  public final double[] values;
  public final double[] logProbs;
  public final boolean[] terminated;
  public final boolean[] truncated;

  /** V(last observation) of an episode truncated at this step. */
  public final double[] bootstrap;

  public final double[] advantages;
  public final double[] returns;

  /** Value of each env's observation after the last step. */
  public final double[] lastValues;

  /** Step in the episode (for the linear baseline's time features). */
  public final int[] episodeStep;

  /** Returns and lengths of the episodes that ended in this batch, in env then time order. */
  public final java.util.List<double[]> finishedEpisodes = new java.util.ArrayList<>();

  public RolloutBuffer(int steps, int envs, int obsSize, int actSize) {
    this.steps = steps;
    this.envs = envs;
    this.obsSize = obsSize;
    this.actSize = actSize;
    int n = steps * envs;
    obs = new double[n * obsSize];
    rawObs = new double[n * obsSize];
    actions = new double[n * actSize];
    rewards = new double[n];
    values = new double[n];
    logProbs = new double[n];
    terminated = new boolean[n];
    truncated = new boolean[n];
    bootstrap = new double[n];
    advantages = new double[n];
    returns = new double[n];
    lastValues = new double[envs];
    episodeStep = new int[n];
  }

  public int size() {
    return steps * envs;
  }

  /** Mean return of the episodes finished in this batch, or NaN. */
  public double meanEpisodeReturn() {
    return finishedEpisodes.stream().mapToDouble(e -> e[0]).average().orElse(Double.NaN);
  }

  /**
   * Generalised advantage estimation (Schulman et al. 2016): δ_t = r_t + γ V(s_{t+1}) − V(s_t), A_t
   * = δ_t + γλ A_{t+1}, with V(s_{t+1}) = 0 after a termination and the last observation's value
   * after a truncation, and the sum cut at every episode end. Returns = A + V.
   */
  public void computeGae(double gamma, double lambda) {
    for (int i = 0; i < envs; i++) {
      double nextAdvantage = 0;
      double nextValue = lastValues[i];
      for (int t = steps - 1; t >= 0; t--) {
        int k = t * envs + i;
        boolean ended = terminated[k] || truncated[k];
        if (ended) {
          nextValue = terminated[k] ? 0.0 : bootstrap[k];
          nextAdvantage = 0;
        }
        double delta = rewards[k] + gamma * nextValue - values[k];
        double a = delta + gamma * lambda * nextAdvantage;
        advantages[k] = a;
        returns[k] = a + values[k];
        nextAdvantage = a;
        nextValue = values[k];
      }
    }
  }
}
