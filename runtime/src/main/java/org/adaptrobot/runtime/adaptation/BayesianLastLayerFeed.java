package org.adaptrobot.runtime.adaptation;

import java.util.Arrays;
import java.util.function.Consumer;
import org.adaptrobot.models.bayes.KStepErrorStatistic;
import org.adaptrobot.models.bayes.LastLayerPosterior;
import org.adaptrobot.models.bundle.BayesianLastLayerSpec;
import org.adaptrobot.models.nn.Activation;
import org.adaptrobot.models.nn.Mlp;
import org.adaptrobot.models.nn.ModelTape;
import org.adaptrobot.runtime.agents.FallbackAgent;
import org.adaptrobot.runtime.control.PolicyController;
import org.adaptrobot.runtime.loop.ControlLoop;
import org.adaptrobot.runtime.telemetry.AdaptationControl;

/**
 * Closed-form adaptation of a {@code bayesian-last-layer} bundle on the loop thread, after every
 * step: the transition just completed — input [obs, action] of the previous step, target the
 * normalised change to this step's obs (zero for set-points) — is scored against the posterior in
 * use by a slow reference posterior (the likelihood change detector), then added to the posterior
 * of the dynamics model's last layer ({@link LastLayerPosterior}: forgetting toward the
 * meta-learned prior, a Cholesky solve), and the new posterior mean is handed to the MPC, which
 * takes it up at its next plan. A detected change keeps only a fraction of the old data's
 * information, so the posterior re-adapts at once.
 *
 * <p>On the loop thread this costs one forward pass of the feature layers and O(m³) for m features,
 * and allocates nothing: the MPC gets one of three pre-allocated parameter vectors (one in use, one
 * handed over, one to write), and a new one only once it took the last. Alarms wait in a
 * pre-allocated slot ring for the feed's agent ({@link #relay}), which turns them into adaptation
 * events off the loop; in a lockstep run they are sent when the run closes, with the step they
 * happened at.
 */
public final class BayesianLastLayerFeed implements OnRobotAdaptation, AdaptationControl {

  private final PolicyController mpc;
  private final LastLayerPosterior posterior;
  private final LastLayerPosterior reference;
  private final double referenceForgetting;
  private final KStepErrorStatistic kStep;
  private final KStepErrorStatistic.Features featureMap;
  private final BayesianLastLayerSpec spec;
  private final LikelihoodChangeDetector detector;
  private final Consumer<AdaptationEvent> events;
  private final Mlp features;
  private final ModelTape tape;
  private final int obsSize;
  private final int actSize;
  private final int m;
  private final int out;
  private final int lastLayerOffset;
  private final boolean[] held;
  private final double[][] buffers = new double[3][];
  private final double[] metaTrained;
  private final double[] obsPrev;
  private final double[] actPrev;
  private final double[] obsNow;
  private final double[] actNow;
  private final double[] x;
  private final double[] phi;
  private final double[] y;
  private final double[] prediction;
  private final int monitoredCount;
  private boolean havePrevious;
  private int nextBuffer;
  private double[] lastPublished;
  private volatile boolean enabled = true;
  private volatile boolean resetRequested;
  private volatile boolean shrinkRequested;
  private volatile ControlLoop.StepListener next;
  private long transitions;
  private double lastStatistic = Double.NaN;

  // alarms from the loop to the relay: a single-producer ring of (step, statistic)
  private static final int ALARM_SLOTS = 64;
  private final long[] alarmStep = new long[ALARM_SLOTS];
  private final double[] alarmZ = new double[ALARM_SLOTS];
  private final boolean[] alarmMismatch = new boolean[ALARM_SLOTS];
  private volatile long alarmsWritten;
  private long alarmsRelayed;
  private boolean relayOnLoop;

  /**
   * @param mpc the controller that uses the dynamics model (the MPC, or PI with feed-forward)
   * @param network the dynamics graph's MLP (its last layer linear)
   * @param metaTrained its parameters (the last layer: the prior mean)
   * @param spec the prior and settings from the bundle
   * @param held observation components the robot does not cause (their change is zero)
   * @param watched components the change detector watches ({@link KStepErrorStatistic#watched})
   * @param observationSize observation components
   * @param actionSize action components
   * @param detector detector settings
   * @param adapt false keeps the prior mean (the detector still watches)
   */
  public BayesianLastLayerFeed(
      PolicyController mpc,
      Mlp network,
      double[] metaTrained,
      BayesianLastLayerSpec spec,
      boolean[] held,
      boolean[] watched,
      int observationSize,
      int actionSize,
      ChangeDetector.Settings detector,
      boolean adapt,
      Consumer<AdaptationEvent> events) {
    int[] sizes = network.layerSizes();
    int layers = sizes.length - 1;
    this.m = sizes[layers - 1] + 1;
    this.out = sizes[layers];
    if (network.inputSize() != observationSize + actionSize || out != observationSize) {
      throw new IllegalArgumentException(
          "the dynamics model maps "
              + network.inputSize()
              + " inputs to "
              + out
              + " outputs; a bayesian-last-layer bundle needs observations + actions ("
              + (observationSize + actionSize)
              + ") to observations ("
              + observationSize
              + ")");
    }
    if (spec.features() != m || spec.noiseVariance().length != out) {
      throw new IllegalArgumentException(
          BayesianLastLayerSpec.FILE_NAME
              + ": the prior has "
              + spec.features()
              + " features and "
              + spec.noiseVariance().length
              + " outputs, the dynamics graph's last layer "
              + m
              + " and "
              + out);
    }
    this.mpc = mpc;
    this.spec = spec;
    this.events = events;
    this.obsSize = observationSize;
    this.actSize = actionSize;
    this.held = held.clone();
    this.metaTrained = metaTrained.clone();
    this.lastLayerOffset = network.layout().slice(network.weightName(layers - 1)).offset();
    this.features =
        layers == 1
            ? null
            : new Mlp(
                Arrays.copyOf(sizes, layers),
                Arrays.copyOf(network.activations(), layers - 1, Activation[].class));
    this.tape = features == null ? null : features.newTape(1);
    double[] priorMean =
        Arrays.copyOfRange(metaTrained, lastLayerOffset, lastLayerOffset + m * out);
    this.posterior = new LastLayerPosterior(priorMean, spec.priorPrecision(), spec.noiseVariance());
    this.reference = new LastLayerPosterior(priorMean, spec.priorPrecision(), spec.noiseVariance());
    this.referenceForgetting = 1 - (1 - spec.forgetting()) / REFERENCE_MEMORY;
    this.kStep =
        new KStepErrorStatistic(
            spec.detectorSteps(),
            observationSize,
            actionSize,
            held,
            watched,
            spec.noiseVariance(),
            m);
    this.featureMap = this::features;
    this.detector =
        new LikelihoodChangeDetector(spec.nominalMean(), spec.nominalStd(), detector, 25);
    for (int i = 0; i < 3; i++) {
      buffers[i] = metaTrained.clone();
    }
    int count = 0;
    for (int k = 0; k < out; k++) {
      count += spec.monitored()[k] ? 1 : 0;
    }
    this.monitoredCount = Math.max(1, count);
    this.obsPrev = new double[obsSize];
    this.actPrev = new double[actSize];
    this.obsNow = new double[obsSize];
    this.actNow = new double[actSize];
    this.x = new double[obsSize + actSize];
    this.phi = new double[m];
    this.y = new double[out];
    this.prediction = new double[out];
    this.enabled = adapt;
  }

  /**
   * How many times longer the detector's reference posterior remembers than the one the MPC plans
   * with. The fast one absorbs a change within a second or two, so its own errors barely move; the
   * reference keeps predicting the old robot for about ten times as long, and its errors show the
   * change to the CUSUM.
   */
  public static final int REFERENCE_MEMORY = 10;

  /**
   * Steps after each activation (1 s at 50 Hz) in which the reference learns as fast as the
   * posterior in use. The first k-step predictions from rest meet a robot the prior has not seen
   * (every real robot differs from the simulated ones): an alarm then is reported as {@code
   * model_mismatch}, not as a change, and the reference catches up with this robot before it is
   * asked to remember.
   */
  public static final int WARM_UP_STEPS = 50;

  private long activeSteps;

  @Override
  public void afterStep(ControlLoop loop, long nowNanos) {
    if (resetRequested) {
      resetRequested = false;
      posterior.reset();
      reference.reset();
      detector.reset();
      publish();
    }
    if (shrinkRequested) {
      shrinkRequested = false;
      posterior.shrinkTowardPrior(spec.keepOnChange());
      publish();
    }
    if (loop.lifecycle().active()) {
      loop.observation(obsNow);
      loop.appliedAction(actNow);
      kStep.push(obsNow, actNow);
      if (havePrevious) {
        learn(loop.steps());
      }
      System.arraycopy(obsNow, 0, obsPrev, 0, obsSize);
      System.arraycopy(actNow, 0, actPrev, 0, actSize);
      havePrevious = true;
    } else {
      havePrevious = false; // the observation is not rebuilt while inactive
      kStep.clear();
      activeSteps = 0;
    }
    if (relayOnLoop && alarmsWritten != alarmsRelayed) {
      relayAlarms(); // lockstep: no relay agent runs; an alarm's event is made here, when it comes
    }
    ControlLoop.StepListener n = next;
    if (n != null) {
      n.afterStep(loop, nowNanos);
    }
  }

  /**
   * In lockstep, where no relay agent runs: turn alarms into events on the loop thread in the step
   * they happen (only then does anything allocate), so none is lost however many come.
   */
  public void relayOnLoop(boolean on) {
    relayOnLoop = on;
  }

  private void learn(long step) {
    System.arraycopy(obsPrev, 0, x, 0, obsSize);
    System.arraycopy(actPrev, 0, x, obsSize, actSize);
    for (int i = 0; i < out; i++) {
      y[i] = held[i] ? 0 : obsNow[i] - obsPrev[i];
    }
    features(x, phi);
    // score the slow reference posterior's k-step prediction of where the robot is now
    double z = kStep.statistic(reference, featureMap);
    lastStatistic = z;
    transitions++;
    boolean warmingUp = ++activeSteps <= WARM_UP_STEPS;
    if (detector.add(z)) {
      long w = alarmsWritten;
      int slot = (int) (w % ALARM_SLOTS);
      alarmStep[slot] = step;
      alarmZ[slot] = z;
      alarmMismatch[slot] = warmingUp;
      alarmsWritten = w + 1;
      reference.shrinkTowardPrior(spec.keepOnChange());
      if (enabled) {
        posterior.shrinkTowardPrior(spec.keepOnChange());
      }
    }
    reference.update(phi, 0, y, 0, warmingUp ? spec.forgetting() : referenceForgetting);
    if (enabled) {
      posterior.update(phi, 0, y, 0, spec.forgetting());
      publish();
    }
  }

  /** φ = [the feature layers' outputs, 1] (the inputs themselves for a linear model). */
  private void features(double[] input, double[] out) {
    if (features == null) {
      System.arraycopy(input, 0, out, 0, m - 1);
    } else {
      double[] f = features.forward(metaTrained, input, 1, tape);
      System.arraycopy(f, 0, out, 0, m - 1);
    }
    out[m - 1] = 1;
  }

  /** Hands the posterior mean to the MPC when it has taken the last one (no allocation). */
  private void publish() {
    if (lastPublished != null && mpc.hasPendingParameters()) {
      return; // not taken up yet: the next step hands over the newer mean
    }
    double[] inUse = mpc.parameters();
    double[] target = null;
    for (int i = 0; i < 3 && target == null; i++) {
      double[] b = buffers[(nextBuffer + i) % 3];
      if (b != inUse && b != lastPublished) {
        target = b;
        nextBuffer = (nextBuffer + i + 1) % 3;
      }
    }
    if (target == null) {
      return;
    }
    double[] k = enabled ? posterior.mean() : null;
    if (k != null) {
      System.arraycopy(k, 0, target, lastLayerOffset, m * out);
    } else {
      System.arraycopy(metaTrained, lastLayerOffset, target, lastLayerOffset, m * out);
    }
    lastPublished = target;
    mpc.publish(target);
  }

  /** The relay agent: turns the loop's alarms into adaptation events, off the loop thread. */
  public FallbackAgent relay() {
    return new FallbackAgent() {
      @Override
      public String roleName() {
        return "bll-events";
      }

      @Override
      public int doWork() {
        return relayAlarms();
      }

      @Override
      public void fallBack(Throwable failure, boolean fatal) {}
    };
  }

  private synchronized int relayAlarms() {
    long written = alarmsWritten;
    int n = 0;
    if (written - alarmsRelayed > ALARM_SLOTS) {
      alarmsRelayed = written - ALARM_SLOTS; // (64 alarms between two relays: the oldest go)
    }
    for (; alarmsRelayed < written; alarmsRelayed++) {
      int slot = (int) (alarmsRelayed % ALARM_SLOTS);
      boolean mismatch = alarmMismatch[slot];
      events.accept(
          new AdaptationEvent(
              mismatch ? "model_mismatch" : "change_detected",
              alarmStep[slot],
              Double.NaN,
              alarmZ[slot],
              Double.NaN,
              Double.NaN,
              (mismatch
                      ? "in the first second after activation the model's k-step predictions"
                          + " missed this robot by far (it differs from the prior)"
                      : "the CUSUM of the k-step prediction error passed its threshold")
                  + "; the posterior keeps "
                  + spec.keepOnChange()
                  + " of its old information"));
      n++;
    }
    return n;
  }

  @Override
  public void then(ControlLoop.StepListener listener) {
    this.next = listener;
  }

  @Override
  public AdaptationControl control() {
    return this;
  }

  /** Re-adapts now: keeps only a fraction of the data's information, as after a change. */
  @Override
  public void trigger() {
    shrinkRequested = true;
  }

  @Override
  public void reset() {
    resetRequested = true;
  }

  @Override
  public void enabled(boolean on) {
    enabled = on;
    if (!on) {
      resetRequested = true; // back to the prior mean, and stays there
    }
    events.accept(
        new AdaptationEvent(
            on ? "enabled" : "disabled",
            transitions,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            "requested"));
  }

  public boolean isEnabled() {
    return enabled;
  }

  /** The posterior (read it only on the loop thread, or after the run). */
  public LastLayerPosterior posterior() {
    return posterior;
  }

  public LikelihoodChangeDetector detector() {
    return detector;
  }

  /** Transitions learned from so far. */
  public long transitions() {
    return transitions;
  }

  /** The last step's detector statistic z. */
  public double lastStatistic() {
    return lastStatistic;
  }

  /** Relays what is left. */
  @Override
  public void close() {
    relayAlarms();
  }
}
