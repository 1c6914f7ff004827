package org.adaptrobot.trainer.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * What two processes must share to compute bit-identical task results: the project's own classes
 * (their bytes, so two builds of the same sources match and any change of code does not), the names
 * of the other jars on the class path (their versions), the Java feature version and the processor
 * architecture. Members whose fingerprint differs from the cluster's are refused.
 */
public final class Fingerprint {

  private static final String OWN = "org/adaptrobot/";
  private static volatile String current;

  private Fingerprint() {}

  /** This process's fingerprint (computed once). */
  public static String current() {
    String f = current;
    if (f == null) {
      f = of(System.getProperty("java.class.path"));
      current = f;
    }
    return f;
  }

  /** The fingerprint of a class path as the JVM would see it with this Java. */
  static String of(String classPath) {
    TreeMap<String, byte[]> classes = new TreeMap<>();
    List<String> libraries = new ArrayList<>();
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path p = Path.of(entry);
      try {
        if (Files.isDirectory(p)) {
          directory(p, classes);
        } else if (Files.isRegularFile(p)) {
          if (!jar(p, classes)) {
            libraries.add(p.getFileName().toString());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + p + " for the code fingerprint", e);
      }
    }
    libraries.sort(null);
    MessageDigest sha = sha256();
    for (var e : classes.entrySet()) {
      sha.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      sha.update(e.getValue());
    }
    String code = HexFormat.of().formatHex(sha.digest(), 0, 6);
    for (String l : libraries) {
      sha.update(l.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String libs = HexFormat.of().formatHex(sha.digest(), 0, 4);
    return String.format(
        "code %s, %d classes, libraries %s (%d), java %d, %s",
        code,
        classes.size(),
        libs,
        libraries.size(),
        Runtime.version().feature(),
        System.getProperty("os.arch"));
  }

  private static void directory(Path root, TreeMap<String, byte[]> classes) throws IOException {
    Path own = root.resolve(OWN);
    if (!Files.isDirectory(own)) {
      return;
    }
    try (Stream<Path> files = Files.walk(own)) {
      for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".class"))::iterator) {
        classes.put(
            root.relativize(f).toString().replace('\\', '/'), digest(Files.readAllBytes(f)));
      }
    }
  }

  /** Adds the jar's own classes; false when it has none (a library). */
  private static boolean jar(Path p, TreeMap<String, byte[]> classes) throws IOException {
    if (!p.toString().endsWith(".jar")) {
      return false;
    }
    boolean own = false;
    try (JarFile jar = new JarFile(p.toFile())) {
      for (JarEntry e : (Iterable<JarEntry>) jar.stream()::iterator) {
        if (e.getName().startsWith(OWN) && e.getName().endsWith(".class")) {
          try (InputStream in = jar.getInputStream(e)) {
            classes.put(e.getName(), digest(in.readAllBytes()));
          }
          own = true;
        }
      }
    }
    return own;
  }

  private static byte[] digest(byte[] bytes) {
    return sha256().digest(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
