package org.adaptrobot.models.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.adaptrobot.models.nn.NetworkArchitecture;

/**
 * What a {@code bayesian-last-layer} bundle adds to its dynamics graph, in {@value #FILE_NAME}: the
 * prior of the graph's last layer and how the robot conditions it. The dynamics graph is an MLP
 * whose last layer is linear; its weights and bias are the prior mean K₀ (m = inputs of the last
 * layer + 1 rows, the bias last). This file holds the prior precision Λ₀ (m × m), the noise
 * variance σ² of each output, the forgetting factor per control step, which outputs the likelihood
 * watches (set-points are not), and the change detector's calibration: the mean and standard
 * deviation of the per-step standardised squared error on unchanged dynamics, measured when the
 * bundle was made, so the detector needs no blind calibration window on the robot.
 *
 * @param priorPrecision Λ₀, m × m row-major
 * @param noiseVariance σ², one per output
 * @param forgetting λ per control step, in (0, 1]
 * @param keepOnChange the fraction of the data's information kept when a change is detected
 * @param monitored the outputs the likelihood covers
 * @param detectorSteps k of the detector's k-step prediction error
 * @param nominalMean mean of the detector's statistic on unchanged dynamics
 * @param nominalStd its standard deviation
 */
public record BayesianLastLayerSpec(
    double[] priorPrecision,
    double[] noiseVariance,
    double forgetting,
    double keepOnChange,
    boolean[] monitored,
    int detectorSteps,
    double nominalMean,
    double nominalStd) {

  public static final String FILE_NAME = "bayesian_last_layer.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  public BayesianLastLayerSpec {
    priorPrecision = priorPrecision.clone();
    noiseVariance = noiseVariance.clone();
    monitored = monitored.clone();
  }

  /** Features m (rows of the prior mean). */
  public int features() {
    return (int) Math.round(Math.sqrt(priorPrecision.length));
  }

  public byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("schema", 1);
    root.put("features", features());
    ArrayNode p = root.putArray("prior_precision");
    for (double v : priorPrecision) {
      p.add(v);
    }
    ArrayNode n = root.putArray("noise_variance");
    for (double v : noiseVariance) {
      n.add(v);
    }
    root.put("forgetting", forgetting);
    root.put("keep_on_change", keepOnChange);
    ArrayNode mon = root.putArray("monitored");
    for (boolean b : monitored) {
      mon.add(b);
    }
    ObjectNode d = root.putObject("detector");
    d.put("steps", detectorSteps);
    d.put("nominal_mean", nominalMean);
    d.put("nominal_std", nominalStd);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (Exception e) {
      throw new IllegalStateException("cannot write " + FILE_NAME, e);
    }
  }

  /**
   * Reads and checks the file against the bundle's dynamics graph; every problem is added to {@code
   * problems} naming the file and field, and null returned then.
   */
  public static BayesianLastLayerSpec parse(
      byte[] data, NetworkArchitecture dynamics, List<String> problems) {
    int before = problems.size();
    JsonNode root;
    try {
      root = JSON.readTree(data);
    } catch (Exception e) {
      problems.add(
          FILE_NAME + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
      return null;
    }
    if (root == null || !root.isObject()) {
      problems.add(FILE_NAME + ": expected a JSON object");
      return null;
    }
    if (!(dynamics instanceof NetworkArchitecture.MlpArchitecture mlp)) {
      problems.add(
          FILE_NAME
              + ": mode bayesian-last-layer needs an mlp dynamics graph (its last layer is the"
              + " Bayesian one), found "
              + dynamics.type());
      return null;
    }
    int[] sizes = mlp.layerSizes();
    int m = sizes[sizes.length - 2] + 1;
    int out = sizes[sizes.length - 1];
    if (!mlp.activations().get(mlp.activations().size() - 1).name().equalsIgnoreCase("identity")) {
      problems.add(
          FILE_NAME
              + ": the dynamics graph's last layer must be linear (identity), found "
              + mlp.activations().get(mlp.activations().size() - 1));
    }
    double[] precision = numbers(root, "prior_precision", m * m, problems);
    double[] noise = numbers(root, "noise_variance", out, problems);
    double forgetting = number(root, "forgetting", problems);
    double keep = number(root, "keep_on_change", problems);
    if (!(forgetting > 0 && forgetting <= 1)) {
      problems.add(FILE_NAME + ": forgetting: expected a number in (0, 1], found " + forgetting);
    }
    if (!(keep >= 0 && keep <= 1)) {
      problems.add(FILE_NAME + ": keep_on_change: expected a number in [0, 1], found " + keep);
    }
    JsonNode mon = root.get("monitored");
    boolean[] monitored = new boolean[out];
    if (mon == null || !mon.isArray() || mon.size() != out) {
      problems.add(
          FILE_NAME + ": monitored: expected " + out + " true/false values (one per output)");
    } else {
      for (int i = 0; i < out; i++) {
        monitored[i] = mon.get(i).asBoolean();
      }
    }
    JsonNode det = root.get("detector");
    double mean = Double.NaN;
    double std = Double.NaN;
    int steps = 0;
    if (det == null || !det.isObject()) {
      problems.add(FILE_NAME + ": detector: expected {steps, nominal_mean, nominal_std}");
    } else {
      JsonNode st = det.get("steps");
      if (st == null || !st.isInt() || st.asInt() < 1 || st.asInt() > 1000) {
        problems.add(
            FILE_NAME + ": detector.steps: expected a whole number in [1, 1000], found " + st);
      } else {
        steps = st.asInt();
      }
      mean = number(det, "nominal_mean", problems);
      std = number(det, "nominal_std", problems);
      if (!(std > 0)) {
        problems.add(FILE_NAME + ": detector.nominal_std: expected > 0, found " + std);
      }
    }
    if (noise != null) {
      for (int k = 0; k < noise.length; k++) {
        if (!(noise[k] > 0) || Double.isInfinite(noise[k])) {
          problems.add(FILE_NAME + ": noise_variance[" + k + "]: expected > 0, found " + noise[k]);
        }
      }
    }
    if (precision != null) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < i; j++) {
          if (Math.abs(precision[i * m + j] - precision[j * m + i])
              > 1e-9 * (1 + Math.abs(precision[i * m + j]))) {
            problems.add(
                FILE_NAME + ": prior_precision is not symmetric at [" + i + "][" + j + "]");
            i = m;
            break;
          }
        }
      }
    }
    if (problems.size() > before) {
      return null;
    }
    return new BayesianLastLayerSpec(
        precision, noise, forgetting, keep, monitored, steps, mean, std);
  }

  private static double[] numbers(JsonNode root, String field, int n, List<String> problems) {
    JsonNode a = root.get(field);
    if (a == null || !a.isArray() || a.size() != n) {
      problems.add(
          FILE_NAME
              + ": "
              + field
              + ": expected "
              + n
              + " numbers (from the dynamics graph's last layer), found "
              + (a == null ? "none" : a.isArray() ? a.size() : a.getNodeType()));
      return null;
    }
    List<Double> bad = new ArrayList<>();
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      if (!a.get(i).isNumber() || !Double.isFinite(a.get(i).asDouble())) {
        bad.add((double) i);
      }
      v[i] = a.get(i).asDouble();
    }
    if (!bad.isEmpty()) {
      problems.add(
          FILE_NAME + ": " + field + ": entries " + bad.size() + " are not finite numbers");
      return null;
    }
    return v;
  }

  private static double number(JsonNode root, String field, List<String> problems) {
    JsonNode v = root.get(field);
    if (v == null || !v.isNumber()) {
      problems.add(FILE_NAME + ": " + field + ": expected a number, found " + v);
      return Double.NaN;
    }
    return v.asDouble();
  }
}
