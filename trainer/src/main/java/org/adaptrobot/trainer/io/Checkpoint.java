package org.adaptrobot.trainer.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint: the iteration reached, a description of the run it belongs to (so that a
 * resume with other settings is refused) and named arrays of doubles. Written to a temporary file
 * and moved into place, so an interrupted write leaves the previous checkpoint intact.
 *
 * <p>Format (big-endian): magic {@code ARCK}, version 1, iteration (int), run description (UTF),
 * array count (int), then per array: name (UTF), length (int), values (double).
 */
public record Checkpoint(int iteration, String run, Map<String, double[]> arrays) {

  private static final int MAGIC = 0x4152434B; // "ARCK"
  private static final int VERSION = 1;

  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(iteration);
      out.writeUTF(run);
      out.writeInt(arrays.size());
      for (Map.Entry<String, double[]> e : arrays.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().length);
        for (double v : e.getValue()) {
          out.writeDouble(v);
        }
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads a checkpoint; a damaged file gives an exception naming the file and what is wrong. */
  public static Checkpoint read(Path file) throws IOException {
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(is))) {
      if (in.readInt() != MAGIC) {
        throw new IOException(file + ": not a checkpoint (wrong magic number)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(file + ": checkpoint version " + version + ", expected " + VERSION);
      }
      int iteration = in.readInt();
      String run = in.readUTF();
      int n = in.readInt();
      if (n < 0 || n > 1000) {
        throw new IOException(file + ": implausible array count " + n);
      }
      Map<String, double[]> arrays = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        int len = in.readInt();
        if (len < 0 || len > 100_000_000) {
          throw new IOException(file + ": implausible length " + len + " of array '" + name + "'");
        }
        double[] v = new double[len];
        for (int j = 0; j < len; j++) {
          v[j] = in.readDouble();
        }
        arrays.put(name, v);
      }
      return new Checkpoint(iteration, run, arrays);
    } catch (EOFException e) {
      throw new IOException(file + ": checkpoint is truncated", e);
    }
  }
}
