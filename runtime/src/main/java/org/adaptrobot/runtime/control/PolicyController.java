package org.adaptrobot.runtime.control;

/**
 * Maps a normalised observation to an action, once per control step, without allocating. Adapted
 * parameters arrive through {@link #publish}, from any thread; the controller takes them up at the
 * start of its next step, so a step never mixes old and new parameters.
 */
public interface PolicyController extends AutoCloseable {

  int observationSize();

  int actionSize();

  /** Computes the action for one observation. */
  void compute(double[] observation, double[] action);

  /** Clears recurrent state (a new episode, after a stop). */
  void reset();

  /**
   * Hands over a full parameter vector (in the policy graph's layout) to be used from the next step
   * on. The array must not be modified afterwards.
   */
  void publish(double[] parameters);

  /** The parameter vector in use. */
  double[] parameters();

  /** True while parameters handed over by {@link #publish} wait to be taken up. */
  default boolean hasPendingParameters() {
    return false;
  }

  /** The hidden state of a recurrent policy, or null for a controller without one. */
  default RecurrentPolicy recurrentState() {
    return null;
  }

  @Override
  void close();

  /** Refuses a parameter vector of the wrong length, naming {@code what} it is for. */
  static void checkLength(double[] given, double[] inUse, String what) {
    if (given.length != inUse.length) {
      throw new IllegalArgumentException(
          what + ": expected " + inUse.length + " parameter values, got " + given.length);
    }
  }
}
