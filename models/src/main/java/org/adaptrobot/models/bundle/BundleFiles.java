package org.adaptrobot.models.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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
 * Bundles are small (kilobytes to a few megabytes), so anything that does not look like one is
 * refused before much is read: a path that is no directory or regular file (a FIFO would block its
 * reader, a device never ends), a directory without {@code manifest.json}, symbolic links, FIFOs or
 * devices inside a bundle directory, more than {@link #MAX_FILES} files, or more than {@link
 * #MAX_TOTAL_BYTES} (also the zip-bomb limit). A zip whose entries all sit in one top-level folder
 * is read as if that folder were the root. Messages never list a directory's files.
 */
public final class BundleFiles {

  /** Largest total size of a bundle's files, bytes. */
  public static final long MAX_TOTAL_BYTES = 64L << 20;

  /** Most files (and folders) a bundle directory may hold. */
  public static final int MAX_FILES = 256;

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
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class); // a link to a bundle is fine
    } catch (NoSuchFileException e) {
      throw new BundleException(
          path + ": no such bundle (expected a directory or a .zip with manifest.json)");
    } catch (IOException | SecurityException e) {
      throw new BundleException(path + ": cannot read (" + e.getMessage() + ")");
    }
    if (a.isDirectory()) {
      return readDirectory(path);
    }
    if (!a.isRegularFile()) {
      throw new BundleException(
          path
              + ": not a bundle: neither a directory nor a regular (.zip) file, but "
              + kind(a)
              + "; refusing to read it");
    }
    return readZip(path);
  }

  private static String kind(BasicFileAttributes a) {
    return a.isSymbolicLink() ? "a symbolic link" : a.isOther() ? "a device, FIFO or socket" : "?";
  }

  private static Map<String, byte[]> readDirectory(Path dir) throws BundleException {
    Path manifest = dir.resolve(Manifest.FILE_NAME);
    if (!Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS)) {
      throw new BundleException(
          dir + ": not a bundle: no " + Manifest.FILE_NAME + " (a regular file) in the directory");
    }
    // first every entry's type and size, without reading (and without following links)
    List<Path> regular = new ArrayList<>();
    long total = 0;
    int entries = 0;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (java.util.Iterator<Path> it = walk.iterator(); it.hasNext(); ) {
        Path f = it.next();
        if (f.equals(dir)) {
          continue;
        }
        if (++entries > MAX_FILES) {
          throw new BundleException(
              dir + ": not a bundle: more than " + MAX_FILES + " files and folders");
        }
        BasicFileAttributes a =
            Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String rel = dir.relativize(f).toString().replace('\\', '/');
        if (a.isDirectory()) {
          continue;
        }
        if (!a.isRegularFile()) {
          throw new BundleException(
              dir + ": " + rel + " is " + kind(a) + "; a bundle holds regular files only");
        }
        total += a.size();
        if (total > MAX_TOTAL_BYTES) {
          throw new BundleException(
              dir
                  + ": bundle is larger than "
                  + (MAX_TOTAL_BYTES >> 20)
                  + " MiB; refusing to load");
        }
        regular.add(f);
      }
    } catch (IOException | java.io.UncheckedIOException | SecurityException e) {
      throw new BundleException(dir + ": cannot read bundle directory (" + e.getMessage() + ")");
    }
    Map<String, byte[]> files = new TreeMap<>();
    try {
      for (Path f : regular) {
        String rel = dir.relativize(f).toString().replace('\\', '/');
        try (var in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
          files.put(rel, readLimited(in, MAX_TOTAL_BYTES, dir));
        }
      }
    } catch (IOException e) {
      throw new BundleException(dir + ": cannot read bundle directory (" + e.getMessage() + ")");
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
