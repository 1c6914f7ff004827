package org.adaptrobot.cluster;

import com.hazelcast.cluster.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/** What the worker and the trainer's client agree on: names, attributes, quiet logging. */
final class Engine {

  static final String CLUSTER_NAME = "adaptrobot";
  static final String EXECUTOR = "adaptrobot-tasks";
  static final String FINGERPRINT = "adaptrobot.fingerprint";
  static final String THREADS = "adaptrobot.threads";
  static final int DEFAULT_PORT = 5701;

  private Engine() {}

  /** Held: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");

  /**
   * Hazelcast logs through java.util.logging, {@code level} and worse only (a worker shows
   * warnings; the trainer's client only errors, its own messages say what went wrong), and does not
   * phone home.
   */
  static void quiet(Level level) {
    System.setProperty("hazelcast.logging.type", "jdk");
    System.setProperty("hazelcast.phone.home.enabled", "false");
    HAZELCAST.setLevel(level);
  }

  /** host:port[,host:port...] as a list, each checked. */
  static List<String> addresses(String option, String value) {
    List<String> out = new ArrayList<>();
    for (String a : value.split(",")) {
      String t = a.trim();
      int colon = t.lastIndexOf(':');
      if (t.isEmpty() || colon == 0) {
        throw new IllegalArgumentException(
            option + ": expected HOST[:PORT][,HOST[:PORT]...], got '" + value + "'");
      }
      if (colon > 0) {
        try {
          int port = Integer.parseInt(t.substring(colon + 1));
          if (port < 1 || port > 65535) {
            throw new NumberFormatException();
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              option + ": '" + t.substring(colon + 1) + "' in '" + t + "' is not a port");
        }
      }
      out.add(t);
    }
    return out;
  }

  /** "127.0.0.1:5702 (2 threads)". */
  static String describe(Member m) {
    String threads = m.getAttribute(THREADS);
    return m.getAddress().getHost()
        + ":"
        + m.getAddress().getPort()
        + (threads != null
            ? " (" + threads + (threads.equals("1") ? " thread)" : " threads)")
            : "");
  }
}
