package org.adaptrobot.dist;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A command run as on a machine that has nothing of this checkout: an environment with only the
 * system PATH and what the test gives (HOME, JAVA_HOME, ...).
 */
final class CleanProcess {

  record Result(int exit, String out, String err) {
    /** Both streams, for messages. */
    String all() {
      return out + err;
    }
  }

  private CleanProcess() {}

  static Result run(Path dir, Map<String, String> env, int timeoutSeconds, String... command)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
    pb.environment().putAll(env);
    Path out = Files.createTempFile("clean-process", ".out");
    Path err = Files.createTempFile("clean-process", ".err");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(
            String.join(" ", command) + ": no answer in " + timeoutSeconds + " s");
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
