package org.adaptrobot.runtime.adaptation;

import java.util.function.Consumer;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.models.nn.Objective;
import org.adaptrobot.runtime.policy.PolicyController;
import org.adaptrobot.runtime.telemetry.AdaptationControl;

/**
 * GrBAL's run-time loop on its own thread, made safe: it reads the recent (observation, action)
 * history from a {@link TransitionRing}, watches the dynamics model's one-step error with a {@link
 * ChangeDetector}, and adapts — k gradient steps from the meta-trained parameters on the M
 * transitions before the latest K — continuously every {@code period} transitions or only after a
 * detected change. A candidate is accepted only when it is finite, and its loss on the latest K
 * transitions (held out from the adaptation) is lower than that of the parameters in use; the
 * update's size is bounded (scaled down to {@code maxUpdateNorm}); non-finite values or a loss that
 * grows past {@code divergenceFactor} times the meta-trained model's roll back to the meta-trained
 * parameters. Accepted and rolled-back parameters reach the controller by {@link
 * PolicyController#publish}, which it takes up at its next step boundary. Every decision is an
 * {@link AdaptationEvent}.
 *
 * <p>Observations in the ring are normalised (as the controller sees them); components listed as
 * held (set-points) have a defined change of zero, as in training.
 */
public final class AdaptationEngine implements AdaptationControl, AutoCloseable {

  /** When to adapt. */
  public enum Trigger {
    CONTINUOUS,
    ON_CHANGE
  }

  /** Settings (from the bundle's adaptation spec and the robot's config). */
  public record Settings(
      double innerRate,
      int steps,
      int support,
      int query,
      Trigger trigger,
      int period,
      double maxUpdateNorm,
      double divergenceFactor) {
    public Settings {
      if (!(innerRate > 0) || steps < 1 || support < 2 || query < 2 || period < 1) {
        throw new IllegalArgumentException(
            "adaptation settings: need inner rate > 0, steps >= 1, support and query >= 2,"
                + " period >= 1");
      }
      if (!(maxUpdateNorm > 0) || !(divergenceFactor > 1)) {
        throw new IllegalArgumentException(
            "adaptation settings: need max update norm > 0 and divergence factor > 1");
      }
    }
  }

  private final TransitionRing ring;
  private final DifferentiableModel model;
  private final double[] metaTrained;
  private final boolean[] held;
  private final Settings s;
  private final PolicyController controller;
  private final ChangeDetector detector;
  private final Consumer<AdaptationEvent> events;
  private final int obsSize;
  private final int actSize;
  private final int window;

  // adaptation-thread buffers
  private final double[] obs;
  private final double[] act;
  private final double[] x;
  private final double[] y;
  private final double[] qx;
  private final double[] qy;
  private final double[] candidate;
  private final double[] grad;
  private final double[] alpha;
  private final double[] one;
  private final double[] oneTarget;
  private final Objective support;
  private final MeanSquaredError supportLoss;
  private final Objective query;
  private final MeanSquaredError queryLoss;
  private final ModelTape oneTape;
  private final double[] smoothed;
  private static final double SMOOTHING = 0.1;

  private double[] inUse;
  private long seen;
  private long lastAdaptedAt = Long.MIN_VALUE / 2;
  private boolean pendingChange;
  private long adaptUntil;
  private volatile boolean enabled = true;
  private volatile boolean triggerRequested;
  private volatile boolean resetRequested;
  private volatile boolean running;
  private Thread thread;

  public AdaptationEngine(
      TransitionRing ring,
      DifferentiableModel model,
      double[] metaTrained,
      boolean[] held,
      Settings settings,
      PolicyController controller,
      ChangeDetector detector,
      Consumer<AdaptationEvent> events) {
    this(ring, model, metaTrained, held, settings, null, controller, detector, events);
  }

  /**
   * @param rates inner rate per parameter (0 for tensors that do not adapt), or null for the
   *     settings' one rate everywhere
   */
  public AdaptationEngine(
      TransitionRing ring,
      DifferentiableModel model,
      double[] metaTrained,
      boolean[] held,
      Settings settings,
      double[] rates,
      PolicyController controller,
      ChangeDetector detector,
      Consumer<AdaptationEvent> events) {
    this.ring = ring;
    this.model = model;
    this.metaTrained = metaTrained.clone();
    this.held = held.clone();
    this.s = settings;
    this.controller = controller;
    this.detector = detector;
    this.events = events;
    this.obsSize = model.outputSize();
    this.actSize = model.inputSize() - obsSize;
    this.window = s.support() + s.query() + 1;
    if (window > ring.capacity() / 2) {
      throw new IllegalArgumentException(
          "support + query + 1 = " + window + " exceeds half the ring (" + ring.capacity() + ")");
    }
    obs = new double[window * obsSize];
    act = new double[window * actSize];
    int in = model.inputSize();
    x = new double[s.support() * in];
    y = new double[s.support() * obsSize];
    qx = new double[s.query() * in];
    qy = new double[s.query() * obsSize];
    candidate = new double[metaTrained.length];
    grad = new double[metaTrained.length];
    one = new double[in];
    oneTarget = new double[obsSize];
    supportLoss = new MeanSquaredError(obsSize).targets(y);
    support = new Objective(model, supportLoss, s.support());
    queryLoss = new MeanSquaredError(obsSize).targets(qy);
    query = new Objective(model, queryLoss, s.query());
    oneTape = model.newTape(1);
    smoothed = new double[obsSize];
    inUse = this.metaTrained.clone();
    alpha = new double[metaTrained.length];
    if (rates == null) {
      java.util.Arrays.fill(alpha, s.innerRate());
    } else if (rates.length != metaTrained.length) {
      throw new IllegalArgumentException(
          "inner rates: expected one per parameter ("
              + metaTrained.length
              + "), got "
              + rates.length);
    } else {
      System.arraycopy(rates, 0, alpha, 0, rates.length);
    }
  }

  /** Starts the adaptation thread, polling the ring every {@code pollMillis}. */
  public synchronized void start(long pollMillis) {
    if (thread != null) {
      return;
    }
    running = true;
    thread =
        new Thread(
            () -> {
              while (running) {
                poll();
                try {
                  Thread.sleep(pollMillis);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "adaptation");
    thread.setDaemon(true);
    thread.setPriority(Thread.MIN_PRIORITY);
    thread.start();
  }

  /**
   * One pass (the thread calls it; tests and lockstep runs may call it directly): feeds the
   * detector with every transition since the last pass, then adapts when due. Returns the number of
   * adaptations run (0 or 1).
   */
  public int poll() {
    if (resetRequested) {
      resetRequested = false;
      rollBack("reset", "requested");
    }
    long end = ring.written();
    // feed the detector with each new transition's residual (at most a window's worth per pass)
    int fresh = (int) Math.min(end - seen, window - 1);
    if (fresh >= 1 && end >= 2) {
      long copied = ring.copyLast(fresh + 1, obs, act, null);
      if (copied > 0) {
        end = copied; // the writer may have moved on: these are the transitions just copied
        for (int i = 0; i < fresh; i++) {
          fill(i, one, 0, oneTarget, 0);
          if (detector.add(smoothedResidual())) {
            pendingChange = true;
            adaptUntil = end + 2L * window;
            emit(
                "change_detected",
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                "CUSUM above threshold");
          }
        }
      }
    }
    seen = end;
    if (detector.alarmed() && end >= adaptUntil) {
      // the adapting phase after the change is over: recalibrate on the model now in use and
      // watch for the next change (in continuous mode, too: the detector only re-arms here)
      detector.reset();
    }
    if (!enabled || end < window) {
      return 0;
    }
    // after a detected change, keep adapting every period until the support and query windows
    // have been refilled twice with data from after the change
    boolean adapting = s.trigger() == Trigger.ON_CHANGE && end < adaptUntil;
    boolean due =
        triggerRequested
            || pendingChange
            || ((s.trigger() == Trigger.CONTINUOUS || adapting)
                && end - lastAdaptedAt >= s.period());
    if (!due) {
      return 0;
    }
    triggerRequested = false;
    pendingChange = false;
    lastAdaptedAt = end;
    adapt();
    return 1;
  }

  /**
   * The detector's input for the transition in {@code one}/{@code oneTarget}: the squared norm of
   * the exponentially smoothed prediction residual vector (weight {@value #SMOOTHING}, about ten
   * steps). A changed robot makes the model wrong in a consistent direction, which the smoothing
   * keeps, while sensor noise, different every step, averages away; the plain squared error would
   * bury a modest change under the noise.
   */
  private double smoothedResidual() {
    double[] predicted = model.forward(inUse, one, 1, oneTape); // the tape's buffer
    double r = 0;
    for (int j = 0; j < obsSize; j++) {
      double e = predicted[j] - oneTarget[j];
      smoothed[j] += SMOOTHING * (e - smoothed[j]);
      r += smoothed[j] * smoothed[j];
    }
    return r;
  }

  /** Transition i of the copied window: input [o_i, a_i], target the change o_{i+1} − o_i. */
  private void fill(int i, double[] in, int inOff, double[] target, int tOff) {
    transition(obs, act, actSize, held, i, in, inOff, target, tOff);
  }

  /**
   * Transition {@code i} of a history of observations ({@code held.length} per row, one row more
   * than transitions) and actions ({@code actSize} per row): writes the model input {@code [o_i,
   * a_i]} at {@code in[inOff]} and the target change {@code o_{i+1} − o_i} (0 for held components)
   * at {@code target[tOff]}.
   */
  static void transition(
      double[] obs,
      double[] act,
      int actSize,
      boolean[] held,
      int i,
      double[] in,
      int inOff,
      double[] target,
      int tOff) {
    int n = held.length;
    System.arraycopy(obs, i * n, in, inOff, n);
    System.arraycopy(act, i * actSize, in, inOff + n, actSize);
    for (int j = 0; j < n; j++) {
      target[tOff + j] = held[j] ? 0.0 : obs[(i + 1) * n + j] - obs[i * n + j];
    }
  }

  private void adapt() {
    long t0 = System.nanoTime();
    if (ring.copyLast(window, obs, act, null) < 0) {
      return;
    }
    int in = model.inputSize();
    for (int i = 0; i < s.support(); i++) {
      fill(i, x, i * in, y, i * obsSize);
    }
    for (int i = 0; i < s.query(); i++) {
      fill(s.support() + i, qx, i * in, qy, i * obsSize);
    }
    // GrBAL: adapt from the meta-trained parameters on the M transitions before the latest K
    System.arraycopy(metaTrained, 0, candidate, 0, candidate.length);
    for (int k = 0; k < s.steps(); k++) {
      support.valueAndGradient(candidate, x, s.support(), grad);
      for (int i = 0; i < candidate.length; i++) {
        candidate[i] -= alpha[i] * grad[i];
      }
    }
    double norm = 0;
    for (int i = 0; i < candidate.length; i++) {
      double d = candidate[i] - metaTrained[i];
      norm += d * d;
    }
    norm = Math.sqrt(norm);
    if (norm > s.maxUpdateNorm()) {
      double scale = s.maxUpdateNorm() / norm;
      for (int i = 0; i < candidate.length; i++) {
        candidate[i] = metaTrained[i] + scale * (candidate[i] - metaTrained[i]);
      }
      norm = s.maxUpdateNorm();
    }
    double before = query.value(inUse, qx, s.query());
    double meta = query.value(metaTrained, qx, s.query());
    double after = query.value(candidate, qx, s.query());
    double ms = (System.nanoTime() - t0) / 1e6;
    if (!Double.isFinite(after) || !Double.isFinite(norm)) {
      rollBack("rolled_back", "candidate is not finite");
      return;
    }
    if (!Double.isFinite(before) || before > s.divergenceFactor() * meta) {
      rollBack(
          "rolled_back",
          String.format(
              java.util.Locale.ROOT,
              "parameters in use diverged: held-out loss %.4g vs %.4g meta-trained",
              before,
              meta));
      return;
    }
    if (after < before) {
      inUse = candidate.clone();
      controller.publish(inUse); // never written again: the next candidate is a new copy
      emit("accepted", before, after, norm, ms, "held-out loss improved");
    } else {
      emit("rejected", before, after, norm, ms, "held-out loss did not improve");
    }
  }

  private void rollBack(String kind, String reason) {
    inUse = metaTrained.clone();
    controller.publish(inUse);
    detector.reset();
    emit(kind, Double.NaN, Double.NaN, 0, Double.NaN, reason);
  }

  private void emit(
      String kind, double before, double after, double norm, double ms, String reason) {
    events.accept(new AdaptationEvent(kind, seen, before, after, norm, ms, reason));
  }

  /** The parameters the controller has been given last. */
  public double[] inUse() {
    return inUse.clone();
  }

  public boolean isEnabled() {
    return enabled;
  }

  @Override
  public void trigger() {
    triggerRequested = true;
  }

  @Override
  public void reset() {
    resetRequested = true;
  }

  @Override
  public void enabled(boolean on) {
    enabled = on;
    events.accept(
        new AdaptationEvent(
            on ? "enabled" : "disabled",
            seen,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            "requested"));
  }

  @Override
  public synchronized void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      thread = null;
    }
  }
}
