package org.adaptrobot.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** Small helpers for a training run's output directory. */
final class RunFiles {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RunFiles() {}

  /** A CSV file appended to row by row (flushed each row); the header is written when new. */
  static final class Csv implements AutoCloseable {
    private final PrintWriter out;

    Csv(Path file, String header, boolean append) throws IOException {
      boolean fresh = !append || !Files.exists(file);
      out =
          new PrintWriter(
              Files.newBufferedWriter(
                  file,
                  StandardCharsets.UTF_8,
                  StandardOpenOption.CREATE,
                  fresh ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND));
      if (fresh) {
        out.println(header);
      }
      out.flush();
    }

    void row(Object... values) {
      StringBuilder b = new StringBuilder();
      for (Object v : values) {
        if (b.length() > 0) {
          b.append(',');
        }
        b.append(v instanceof Double d ? String.format(java.util.Locale.ROOT, "%.6g", d) : v);
      }
      out.println(b);
      out.flush();
    }

    @Override
    public void close() {
      out.close();
    }
  }

  static void json(Path file, Map<String, Object> summary) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      JSON.writeValue(file.toFile(), summary);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The code version for provenance: the project version and, when known, the git commit. */
  static String codeVersion() {
    String v = RunFiles.class.getPackage().getImplementationVersion();
    String version = v == null ? "0.1.0-SNAPSHOT" : v;
    try {
      Process p =
          new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() == 0 && out.matches("[0-9a-f]{7,40}")) {
        return version + "+" + out;
      }
    } catch (IOException e) {
      // no git: version only
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return version;
  }
}
