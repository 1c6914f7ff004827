package org.adaptrobot.runtime.adaptation;

import java.util.function.Consumer;
import org.adaptrobot.models.loss.GaussianNegativeLogLikelihood;
import org.adaptrobot.models.loss.Loss;
import org.adaptrobot.models.loss.MeanSquaredError;
import org.adaptrobot.models.nn.DifferentiableModel;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.models.nn.Objective;
import org.adaptrobot.runtime.agents.FallbackAgent;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.telemetry.AdaptationControl;

/**
 * GrBAL's run-time loop on its own thread, made safe: it reads the recent (observation, action)
 * history from a {@link TransitionRing}, turns it into supervised samples ({@link
 * TransitionSamples}: one-step changes for a dynamics model, hindsight-relabelled actions for a
 * policy), watches the meta-trained network's error on them with a {@link ChangeDetector}, and
 * adapts — k gradient steps from the meta-trained parameters, on the tensors that adapt, on the M
 * samples before the latest K — continuously every {@code period} transitions or only after a
 * detected change. A candidate is accepted only when it is finite, and its loss on the latest K
 * transitions (held out from the adaptation) is lower than that of the parameters in use; the
 * update's size is bounded (scaled down to {@code maxUpdateNorm}); non-finite values or a loss that
 * grows past {@code divergenceFactor} times the meta-trained model's roll back to the meta-trained
 * parameters. Accepted and rolled-back parameters reach the controller by {@link
 * PolicyController#publish}, which it takes up at its next step boundary. Every decision is an
 * {@link AdaptationEvent}.
 *
 * <p>Observations in the ring are normalised (as the controller sees them).
 */
public final class AdaptationEngine implements AdaptationControl, FallbackAgent {

  /** Failed passes in a row after which adaptation is disabled (the meta-trained model stays). */
  public static final int FAILURES_TO_DISABLE = 3;

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
  private final TransitionSamples samples;
  private final Settings s;
  private final PolicyController controller;
  private final ChangeDetector detector;
  private final Consumer<AdaptationEvent> events;
  private final int obsSize;
  private final int actSize;
  private final int inSize;
  private final int outSize;
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
  private final double[] residual;
  private final Objective support;
  private final Objective query;
  private final ModelTape oneTape;

  private double[] inUse;
  private long seen;
  private long lastAdaptedAt = Long.MIN_VALUE / 2;
  private boolean pendingChange;
  private long adaptUntil;
  private volatile boolean enabled = true;
  private volatile boolean triggerRequested;
  private volatile boolean resetRequested;
  private int failuresInARow;

  /** A dynamics-model engine with one inner rate for every parameter and the MSE loss. */
  public AdaptationEngine(
      TransitionRing ring,
      DifferentiableModel model,
      double[] metaTrained,
      boolean[] held,
      Settings settings,
      PolicyController controller,
      ChangeDetector.Settings detector,
      Consumer<AdaptationEvent> events) {
    this(
        ring,
        model,
        metaTrained,
        TransitionSamples.dynamics(held, ring.actionSize()),
        "mse",
        settings,
        null,
        controller,
        detector,
        events);
  }

  /**
   * @param samples how history becomes the network's inputs and targets
   * @param loss the manifest's loss: {@code mse}, or {@code gaussian_nll} for a network whose
   *     output is {@code [μ, log σ]} of the target
   * @param rates inner rate per parameter (0 for tensors that do not adapt), or null for the
   *     settings' one rate everywhere
   * @throws IllegalArgumentException when the network, the samples, the loss and the ring do not
   *     fit together
   */
  public AdaptationEngine(
      TransitionRing ring,
      DifferentiableModel model,
      double[] metaTrained,
      TransitionSamples samples,
      String loss,
      Settings settings,
      double[] rates,
      PolicyController controller,
      ChangeDetector.Settings detector,
      Consumer<AdaptationEvent> events) {
    this.ring = ring;
    this.model = model;
    this.metaTrained = metaTrained.clone();
    this.samples = samples;
    this.s = settings;
    this.controller = controller;
    this.events = events;
    this.obsSize = samples.observationSize();
    this.actSize = samples.actionSize();
    this.inSize = samples.inputSize();
    this.outSize = samples.targetSize();
    if (obsSize != ring.observationSize() || actSize != ring.actionSize()) {
      throw new IllegalArgumentException(
          "adaptation: the ring holds "
              + ring.observationSize()
              + " observation and "
              + ring.actionSize()
              + " action values per step, the samples expect "
              + obsSize
              + " and "
              + actSize);
    }
    if (model.inputSize() != inSize) {
      throw new IllegalArgumentException(
          "adaptation: the network takes " + model.inputSize() + " inputs, samples have " + inSize);
    }
    if (metaTrained.length != model.layout().size()) {
      throw new IllegalArgumentException(
          "adaptation: the network has "
              + model.layout().size()
              + " parameters, given "
              + metaTrained.length);
    }
    this.window = s.support() + s.query() + 1;
    if (window > ring.capacity() / 2) {
      throw new IllegalArgumentException(
          "support + query + 1 = " + window + " exceeds half the ring (" + ring.capacity() + ")");
    }
    obs = new double[window * obsSize];
    act = new double[window * actSize];
    x = new double[s.support() * inSize];
    y = new double[s.support() * outSize];
    qx = new double[s.query() * inSize];
    qy = new double[s.query() * outSize];
    candidate = new double[metaTrained.length];
    grad = new double[metaTrained.length];
    one = new double[inSize];
    oneTarget = new double[outSize];
    support = new Objective(model, loss(loss, outSize, y, model), s.support());
    query = new Objective(model, loss(loss, outSize, qy, model), s.query());
    oneTape = model.newTape(1);
    this.detector = new ChangeDetector(detector, samples.monitoredCount());
    residual = new double[samples.monitoredCount()];
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

  /** The supervised losses the engine can adapt with, by their manifest names. */
  public static final java.util.List<String> LOSSES = java.util.List.of("mse", "gaussian_nll");

  private static Loss loss(String name, int dim, double[] targets, DifferentiableModel model) {
    Loss l =
        switch (name) {
          case "mse" -> new MeanSquaredError(dim).targets(targets);
          case "gaussian_nll" -> new GaussianNegativeLogLikelihood(dim).targets(targets);
          default ->
              throw new IllegalArgumentException(
                  "adaptation on the robot supports the losses "
                      + LOSSES
                      + ", not \""
                      + name
                      + "\""
                      + (name.equals("policy_gradient")
                          ? " (policy_gradient bundles adapt by PolicyGradientEngine, from the"
                              + " reward)"
                          : ""));
        };
    if (l.outputSize() != model.outputSize()) {
      throw new IllegalArgumentException(
          "adaptation: loss "
              + name
              + " expects "
              + l.outputSize()
              + " network outputs for "
              + dim
              + " targets, the network has "
              + model.outputSize());
    }
    return l;
  }

  @Override
  public String roleName() {
    return "adaptation";
  }

  /** One duty cycle of the engine's agent: {@link #poll}. */
  @Override
  public int doWork() {
    int n = poll();
    failuresInARow = 0;
    return n;
  }

  /**
   * A pass threw: back to the meta-trained parameters (published at once), and after {@link
   * #FAILURES_TO_DISABLE} failures in a row, or when the thread dies, adaptation is disabled; each
   * step is an event.
   */
  @Override
  public void fallBack(Throwable failure, boolean fatal) {
    failuresInARow++;
    rollBack("rolled_back", "adaptation pass failed (" + failure + "); meta-trained parameters");
    if (fatal || failuresInARow >= FAILURES_TO_DISABLE) {
      enabled = false;
      emit(
          "disabled",
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          fatal
              ? "the adaptation thread stopped: the meta-trained parameters stay"
              : failuresInARow + " failed passes in a row: the meta-trained parameters stay");
    }
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
          if (detector.add(residual(), 0)) {
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
   * The detector's input for the sample in {@code one}/{@code oneTarget}: prediction minus outcome
   * of the <em>meta-trained</em> parameters, on the monitored components (for a Gaussian output,
   * its mean). The reference stays fixed: in continuous mode the parameters in use change with
   * every accepted update, and their error then depends on where the robot was when they were
   * fitted, which is no change of the robot.
   */
  private double[] residual() {
    double[] predicted = model.forward(metaTrained, one, 1, oneTape); // the tape's buffer
    int k = 0;
    for (int j = 0; j < outSize; j++) {
      if (samples.monitored(j)) {
        residual[k++] = predicted[j] - oneTarget[j];
      }
    }
    return residual;
  }

  /** Sample i of the copied window. */
  private void fill(int i, double[] in, int inOff, double[] target, int tOff) {
    samples.fill(obs, act, i, in, inOff, target, tOff);
  }

  private void adapt() {
    long t0 = System.nanoTime();
    if (ring.copyLast(window, obs, act, null) < 0) {
      return;
    }
    for (int i = 0; i < s.support(); i++) {
      fill(i, x, i * inSize, y, i * outSize);
    }
    for (int i = 0; i < s.query(); i++) {
      fill(s.support() + i, qx, i * inSize, qy, i * outSize);
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

  /** The change detector (read it only from the thread that polls). */
  public ChangeDetector detector() {
    return detector;
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
  public void onClose() {
    // the supervisor ends the thread; nothing of ours to release
  }
}
