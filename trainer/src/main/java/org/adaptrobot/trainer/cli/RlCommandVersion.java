package org.adaptrobot.trainer.cli;

/** The code version for RL bundles' provenance (the project version and the git commit). */
public final class RlCommandVersion {
  private RlCommandVersion() {}

  public static String code() {
    return RunFiles.codeVersion();
  }
}
