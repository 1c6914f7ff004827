package org.adaptrobot.runtime.adaptation;

import java.util.SplittableRandom;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.Objective;
import org.adaptrobot.models.optim.Adam;

/**
 * Fits a dynamics model to a recorded history by minibatch Adam: the offline counterpart of the
 * engine's few-step adaptation, with as much data and as many steps as wanted. One transition in
 * five (interleaved) is held out; the parameters with the lowest held-out loss are returned. The
 * demo uses it for its oracle, a model that has seen plenty of the changed robot.
 */
public final class ModelFit {

  /**
   * @param parameters the fitted parameters
   * @param validationBefore held-out loss of the starting parameters
   * @param validationAfter held-out loss of the fitted parameters
   * @param trainTransitions transitions fitted on
   */
  public record Result(
      double[] parameters, double validationBefore, double validationAfter, int trainTransitions) {}

  private ModelFit() {}

  /**
   * @param model the architecture
   * @param start parameters to start from (the meta-trained ones)
   * @param held components whose change is defined as zero
   * @param obs {@code transitions + 1} normalised observations, row after row
   * @param act {@code transitions} actions, row after row
   * @param transitions number of transitions
   * @param iterations Adam steps
   * @param batch minibatch size
   * @param learningRate Adam step size
   * @param seed minibatch sampling seed
   */
  public static Result fit(
      DifferentiableModel model,
      double[] start,
      boolean[] held,
      double[] obs,
      double[] act,
      int transitions,
      int iterations,
      int batch,
      double learningRate,
      long seed) {
    int out = model.outputSize();
    int in = model.inputSize();
    int actSize = in - out;
    if (held.length != out || transitions < 10) {
      throw new IllegalArgumentException(
          "model fit: need at least 10 transitions and one held flag per output");
    }
    int nValid = transitions / 5;
    int nTrain = transitions - nValid;
    double[] tx = new double[nTrain * in];
    double[] ty = new double[nTrain * out];
    double[] vx = new double[nValid * in];
    double[] vy = new double[nValid * out];
    TransitionSamples samples = TransitionSamples.dynamics(held, actSize);
    int t = 0;
    int v = 0;
    for (int i = 0; i < transitions; i++) {
      if (i % 5 == 4 && v < nValid) {
        samples.fill(obs, act, i, vx, v * in, vy, v * out);
        v++;
      } else {
        samples.fill(obs, act, i, tx, t * in, ty, t * out);
        t++;
      }
    }
    int b = Math.min(batch, nTrain);
    double[] bx = new double[b * in];
    double[] by = new double[b * out];
    Objective train = new Objective(model, new MeanSquaredError(out).targets(by), b);
    Objective valid = new Objective(model, new MeanSquaredError(out).targets(vy), nValid);
    double[] theta = start.clone();
    double[] best = start.clone();
    double before = valid.value(theta, vx, nValid);
    double bestLoss = before;
    double[] grad = new double[theta.length];
    Adam adam = new Adam(theta.length, learningRate);
    SplittableRandom r = new SplittableRandom(seed);
    for (int it = 1; it <= iterations; it++) {
      for (int k = 0; k < b; k++) {
        int j = r.nextInt(nTrain);
        System.arraycopy(tx, j * in, bx, k * in, in);
        System.arraycopy(ty, j * out, by, k * out, out);
      }
      train.valueAndGradient(theta, bx, b, grad);
      adam.step(theta, grad);
      if (it % 50 == 0 || it == iterations) {
        double loss = valid.value(theta, vx, nValid);
        if (loss < bestLoss) {
          bestLoss = loss;
          System.arraycopy(theta, 0, best, 0, theta.length);
        }
      }
    }
    return new Result(best, before, bestLoss, nTrain);
  }
}
