package org.adaptrobot.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Bytes the benchmark thread itself allocates per operation over one JMH iteration (the loop
 * thread's figure; {@code -prof gc} counts every thread of the JVM). A benchmark calls {@link
 * #start} from its per-iteration setup, {@link #op} in each operation and {@link #report} from its
 * per-iteration tear-down.
 */
final class ThreadAllocation {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private long ops;
  private long atStart;

  void start() {
    ops = 0;
    atStart = THREADS.getThreadAllocatedBytes(Thread.currentThread().threadId());
  }

  void op() {
    ops++;
  }

  void report(String unit) {
    long bytes = THREADS.getThreadAllocatedBytes(Thread.currentThread().threadId()) - atStart;
    System.out.printf(
        Locale.ROOT,
        "%n  benchmark thread: %d bytes in %d %s (%.3f B/%s)%n",
        bytes,
        ops,
        unit + "s",
        ops == 0 ? Double.NaN : (double) bytes / ops,
        unit);
  }
}
