package org.adaptrobot.models.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a bundle: the given files plus a {@code manifest.json} whose file table holds their
 * SHA-256. A path ending in {@code .zip} gets one archive, any other path a directory. The result
 * is first written beside the target and then moved into place, so a failed write never leaves a
 * half bundle under the target's name.
 */
public final class BundleWriter {

  private BundleWriter() {}

  /**
   * @param manifest the manifest; its file table is replaced by the hashes of {@code files}
   * @param files relative path to contents ({@code manifest.json} must not be among them)
   * @return the manifest as written
   */
  public static Manifest write(Path target, Manifest manifest, Map<String, byte[]> files)
      throws IOException {
    Map<String, String> hashes = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      if (!BundleFiles.isSafeRelativePath(e.getKey()) || e.getKey().equals(Manifest.FILE_NAME)) {
        throw new IllegalArgumentException(
            "bundle file name \"" + e.getKey() + "\" is not allowed");
      }
      hashes.put(e.getKey(), Sha256.hex(e.getValue()));
    }
    Manifest written = manifest.withFiles(hashes);
    byte[] manifestBytes = ManifestCodec.write(written);
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    String name = target.getFileName().toString();
    if (name.endsWith(".zip")) {
      Path tmp = Files.createTempFile(parent, "." + name, ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp);
          ZipOutputStream zip = new ZipOutputStream(out)) {
        entry(zip, Manifest.FILE_NAME, manifestBytes);
        for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
          entry(zip, e.getKey(), e.getValue());
        }
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } else {
      Path tmp = Files.createTempDirectory(parent, "." + name);
      Files.write(tmp.resolve(Manifest.FILE_NAME), manifestBytes);
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        Path f = tmp.resolve(e.getKey());
        Files.createDirectories(f.getParent());
        Files.write(f, e.getValue());
      }
      if (Files.exists(target)) {
        deleteRecursively(target);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }
    return written;
  }

  private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setTime(0L); // reproducible archives
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
  }

  private static void deleteRecursively(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
