package org.adaptrobot.trainer.io;

import java.io.PrintStream;

/**
 * A one-line progress bar with rate and estimated time left, redrawn at most every 200 ms on a
 * terminal; when the output is not a terminal (a log file, CI), a plain line every 10 %.
 */
public final class Progress {

  private final PrintStream out;
  private final String label;
  private final long total;
  private final long start;
  private final long startNanos = System.nanoTime();
  private final boolean terminal;
  private long lastDraw;
  private int lastDecile = -1;
  private String extra = "";

  public Progress(PrintStream out, String label, long start, long total) {
    this.out = out;
    this.label = label;
    this.start = start;
    this.total = total;
    this.terminal = System.console() != null;
  }

  /** Text shown after the bar (latest evaluation, loss). */
  public void note(String text) {
    this.extra = text;
  }

  public void update(long done) {
    long now = System.nanoTime();
    int decile = (int) (10 * done / Math.max(1, total));
    boolean last = done >= total;
    if (terminal ? (now - lastDraw < 200_000_000L && !last) : (decile == lastDecile && !last)) {
      return;
    }
    lastDraw = now;
    lastDecile = decile;
    double elapsed = (now - startNanos) / 1e9;
    double rate = (done - start) / Math.max(elapsed, 1e-9);
    double eta = rate > 0 ? (total - done) / rate : Double.NaN;
    int width = 30;
    int filled = (int) (width * done / Math.max(1, total));
    String bar = "#".repeat(filled) + "-".repeat(width - filled);
    String line =
        String.format(
            "%s [%s] %d/%d %5.1f it/s elapsed %s eta %s %s",
            label, bar, done, total, rate, clock(elapsed), clock(eta), extra);
    if (terminal) {
      out.print("\r" + line + (last ? "\n" : ""));
    } else {
      out.println(line);
    }
    out.flush();
  }

  static String clock(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
      return "--:--";
    }
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
        : String.format("%02d:%02d", s / 60, s % 60);
  }
}
