package org.adaptrobot.demo.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line charts written as PNG files (XChart, headless): series in distinct colours, optional dashed
 * reference series and labelled vertical markers (a change, a detection), one chart or several
 * stacked as panels of one image.
 */
public final class LinePlot {

  private record Series(String name, double[] x, double[] y, boolean dashed, Color colour) {}

  private record Marker(String name, double x, Color colour) {}

  /** Colours that stay apart on screen and in print. */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xd62728),
    new Color(0x2ca02c),
    new Color(0x9467bd),
    new Color(0xff7f0e),
    new Color(0x8c564b),
    new Color(0x17becf)
  };

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private final List<Marker> markers = new ArrayList<>();
  private boolean logY;
  private int colours;

  public LinePlot(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  public LinePlot logY() {
    this.logY = true;
    return this;
  }

  /** A series in the next colour of the palette. */
  public LinePlot add(String name, double[] x, double[] y) {
    series.add(new Series(name, x.clone(), y.clone(), false, PALETTE[colours++ % PALETTE.length]));
    return this;
  }

  /** A dashed black reference series (a set-point). */
  public LinePlot reference(String name, double[] x, double[] y) {
    series.add(new Series(name, x.clone(), y.clone(), true, Color.BLACK));
    return this;
  }

  /** A labelled vertical line at {@code x}. */
  public LinePlot marker(String name, double x, Color colour) {
    if (Double.isFinite(x)) {
      markers.add(new Marker(name, x, colour));
    }
    return this;
  }

  XYChart chart(int width, int height) {
    XYChart chart =
        new XYChartBuilder()
            .width(width)
            .height(height)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setLegendVisible(series.size() + markers.size() > 1);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      XYSeries x = chart.addSeries(s.name, s.x, s.y);
      x.setMarker(SeriesMarkers.NONE);
      x.setLineColor(s.colour);
      if (s.dashed) {
        x.setLineStyle(
            new BasicStroke(
                1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
      }
      for (double v : s.y) {
        if (Double.isFinite(v) && (!logY || v > 0)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (Double.isFinite(lo)) {
      for (Marker m : markers) {
        XYSeries x = chart.addSeries(m.name, new double[] {m.x, m.x}, new double[] {lo, hi});
        x.setMarker(SeriesMarkers.NONE);
        x.setLineColor(m.colour);
        x.setLineStyle(
            new BasicStroke(
                2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f));
      }
    }
    return chart;
  }

  public void write(Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    BitmapEncoder.saveBitmap(chart(900, 560), base(png), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Several plots stacked as panels of one PNG. */
  public static void writePanels(Path png, List<LinePlot> plots) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<XYChart> charts = new ArrayList<>();
    for (LinePlot p : plots) {
      charts.add(p.chart(1000, 380));
    }
    BitmapEncoder.saveBitmap(charts, charts.size(), 1, base(png), BitmapEncoder.BitmapFormat.PNG);
  }

  private static String base(Path png) {
    String name = png.toString();
    return name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
  }
}
