package org.adaptrobot.runtime.telemetry;

import java.nio.file.Path;
import java.util.Map;
import org.adaptrobot.models.bundle.BundleException;
import org.adaptrobot.runtime.targets.Targets;

/**
 * What remote commands act on: the robot's requests, targets, adaptation and bundle. The runtime
 * implements it; the command handler knows nothing else of the runtime.
 */
public interface CommandTarget {

  /** Latches the e-stop at the next step boundary (never refused, never overwritten). */
  void requestEStop(String reason);

  /** Clears an e-stop latched before this request. */
  void requestResetEStop();

  boolean eStopLatched();

  void requestActivate();

  void requestDeactivate(String reason);

  /** Velocity and waypoint targets. */
  Targets targets();

  /** The adaptation engine, or null when the running bundle does not adapt. */
  AdaptationControl adaptationControl();

  /** Seconds a velocity command holds before the robot stops (the loop's time-out). */
  double commandTimeoutSeconds();

  /** Directories a {@code load_bundle} may load from (absolute, normalised). */
  java.util.List<Path> bundleDirectories();

  /**
   * Loads and validates a bundle and builds its controller, without touching the running one. Slow
   * (reads files, starts ONNX Runtime sessions): called on the bundle loader's thread only.
   *
   * @throws BundleException naming every problem
   */
  PreparedBundle prepareBundle(Path path) throws BundleException;

  /**
   * Hands a prepared bundle to the loop, which switches to it at its next step boundary.
   *
   * @throws IllegalArgumentException when it does not fit the loop (nothing changed)
   */
  void swapTo(PreparedBundle bundle);

  /** The running configuration, for {@code get_config}. */
  Map<String, Object> configuration();

  /** A bundle ready to be swapped in, or to be closed unused. */
  interface PreparedBundle extends AutoCloseable {
    /** The bundle's name (manifest). */
    String name();

    @Override
    void close();
  }
}
