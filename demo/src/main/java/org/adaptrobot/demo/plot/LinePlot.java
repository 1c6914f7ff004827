package org.adaptrobot.demo.plot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line charts written as PNG files (XChart, headless). */
public final class LinePlot {

  private record Series(String name, double[] x, double[] y) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private boolean logY;

  public LinePlot(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  public LinePlot logY() {
    this.logY = true;
    return this;
  }

  public LinePlot add(String name, double[] x, double[] y) {
    series.add(new Series(name, x.clone(), y.clone()));
    return this;
  }

  public void write(Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(560)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setLegendVisible(series.size() > 1);
    for (Series s : series) {
      chart.addSeries(s.name, s.x, s.y).setMarker(SeriesMarkers.NONE);
    }
    String name = png.toString();
    BitmapEncoder.saveBitmap(
        chart,
        name.endsWith(".png") ? name.substring(0, name.length() - 4) : name,
        BitmapEncoder.BitmapFormat.PNG);
  }
}
