package org.adaptrobot.models.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Reads the files of a bundle, a directory or a {@code .zip} of the same files, into memory.
 * Bundles are small (kilobytes to a few megabytes); a limit on the total size protects against zip
 * bombs. A zip whose entries all sit in one top-level folder is read as if that folder were the
 * root.
 */
public final class BundleFiles {

  /** Largest total size of a bundle's files, bytes. */
  public static final long MAX_TOTAL_BYTES = 256L << 20;

  private BundleFiles() {}

  /** True for a non-empty relative path with '/' separators that stays inside its root. */
  public static boolean isSafeRelativePath(String p) {
    if (p == null || p.isEmpty() || p.startsWith("/") || p.contains("\\") || p.contains("\0")) {
      return false;
    }
    for (String part : p.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return false;
      }
    }
    return !p.matches("^[A-Za-z]:.*");
  }

  /** All files by relative path, in sorted order. */
  public static Map<String, byte[]> read(Path path) throws BundleException {
    if (Files.isDirectory(path)) {
      return readDirectory(path);
    }
    if (!Files.exists(path)) {
      throw new BundleException(
          path + ": no such bundle (expected a directory or a .zip with manifest.json)");
    }
    return readZip(path);
  }

  private static Map<String, byte[]> readDirectory(Path dir) throws BundleException {
    Map<String, byte[]> files = new TreeMap<>();
    long total = 0;
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> regular = walk.filter(Files::isRegularFile).sorted().toList();
      for (Path f : regular) {
        String rel = dir.relativize(f).toString().replace('\\', '/');
        total += Files.size(f);
        if (total > MAX_TOTAL_BYTES) {
          throw new BundleException(
              dir
                  + ": bundle is larger than "
                  + (MAX_TOTAL_BYTES >> 20)
                  + " MiB; refusing to load");
        }
        files.put(rel, Files.readAllBytes(f));
      }
    } catch (IOException e) {
      throw new BundleException(dir + ": cannot read bundle directory (" + e + ")");
    }
    return files;
  }

  private static Map<String, byte[]> readZip(Path zip) throws BundleException {
    Map<String, byte[]> raw = new LinkedHashMap<>();
    long total = 0;
    try (InputStream in = Files.newInputStream(zip);
        ZipInputStream z = new ZipInputStream(in)) {
      ZipEntry e;
      while ((e = z.getNextEntry()) != null) {
        if (e.isDirectory()) {
          continue;
        }
        String name = e.getName();
        if (!isSafeRelativePath(name)) {
          throw new BundleException(
              zip
                  + ": entry \""
                  + name
                  + "\" is not a relative path inside the bundle; refusing it");
        }
        byte[] data = readLimited(z, MAX_TOTAL_BYTES - total, zip);
        total += data.length;
        if (raw.put(name, data) != null) {
          throw new BundleException(zip + ": entry \"" + name + "\" appears twice");
        }
      }
    } catch (NoSuchFileException e) {
      throw new BundleException(zip + ": no such bundle");
    } catch (ZipException e) {
      throw new BundleException(zip + ": not a readable zip archive (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new BundleException(zip + ": cannot read bundle archive (" + e + ")");
    }
    if (raw.isEmpty()) {
      throw new BundleException(
          zip
              + ": not a bundle: expected a directory or a .zip holding manifest.json, found "
              + (Files.isRegularFile(zip)
                  ? "a file that is no zip archive or an empty one"
                  : "nothing"));
    }
    return stripCommonFolder(raw);
  }

  private static byte[] readLimited(InputStream in, long budget, Path zip)
      throws IOException, BundleException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      if (out.size() > budget) {
        throw new BundleException(
            zip
                + ": bundle expands to more than "
                + (MAX_TOTAL_BYTES >> 20)
                + " MiB; refusing to load");
      }
    }
    return out.toByteArray();
  }

  private static Map<String, byte[]> stripCommonFolder(Map<String, byte[]> raw) {
    if (raw.containsKey(Manifest.FILE_NAME)) {
      return new TreeMap<>(raw);
    }
    List<String> names = new ArrayList<>(raw.keySet());
    int slash = names.get(0).indexOf('/');
    if (slash < 0) {
      return new TreeMap<>(raw);
    }
    String prefix = names.get(0).substring(0, slash + 1);
    for (String n : names) {
      if (!n.startsWith(prefix)) {
        return new TreeMap<>(raw);
      }
    }
    Map<String, byte[]> out = new TreeMap<>();
    raw.forEach((k, v) -> out.put(k.substring(prefix.length()), v));
    return out;
  }
}
