package org.cortado.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Curves over a common x axis (linear or logarithmic): loss per iteration, accuracy per epoch, the cross-validation
 * curve of C with its spread as a band, vertical marks for a chosen value.
 */
final class LineChart {
    static final double WIDTH = 640;
    private static final double HEIGHT = 300;
    private static final double LEFT = 62;
    private static final double RIGHT = 18;
    private static final double TOP = 30;
    private static final double BOTTOM = 42;

    /**
     * One curve.
     *
     * @param points draw a dot at each point as well
     * @param dash   an SVG dash pattern, or null for a solid line
     * @param lower  lower edge of a band around the curve, or null
     * @param upper  upper edge of the band, or null
     */
    record Series(String name, double[] x, double[] y, String colour, boolean points, String dash, double[] lower,
            double[] upper) {
        static Series line(String name, double[] x, double[] y, String colour) {
            return new Series(name, x, y, colour, false, null, null, null);
        }

        static Series dots(String name, double[] x, double[] y, String colour) {
            return new Series(name, x, y, colour, true, null, null, null);
        }
    }

    /** A vertical line at {@code x} with a label. */
    record Mark(double x, String label) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Mark> marks = new ArrayList<>();
    private boolean logX;
    private double yMin = Double.NaN;
    private double yMax = Double.NaN;

    LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    LineChart logX() {
        logX = true;
        return this;
    }

    /** Fixes the y range (e.g. 0 to 1 for accuracies) instead of fitting it to the data. */
    LineChart yRange(double min, double max) {
        yMin = min;
        yMax = max;
        return this;
    }

    LineChart add(Series s) {
        if (s.x().length != s.y().length) {
            throw new IllegalArgumentException(s.name() + ": " + s.x().length + " x values but " + s.y().length + " y");
        }
        series.add(s);
        return this;
    }

    LineChart mark(double x, String label) {
        marks.add(new Mark(x, label));
        return this;
    }

    String svg(String id) {
        double[] xr = range(true);
        double[] yr = Double.isNaN(yMin) ? range(false) : new double[] {yMin, yMax};
        Legend legend = new Legend(series.stream().map(Series::name).toList(),
                series.stream().map(Series::colour).toList(), WIDTH - LEFT - RIGHT);
        double height = HEIGHT + legend.height();
        double bottom = HEIGHT - BOTTOM;
        Scale x = Scale.over(xr[0], xr[1], LEFT, WIDTH - RIGHT, logX);
        Scale y = Double.isNaN(yMin) ? Scale.over(yr[0], yr[1], bottom, TOP, false)
                : new Scale(yMin, yMax, bottom, TOP, false);
        Svg svg = new Svg(WIDTH, height, id, title);
        svg.text(LEFT, 18, title, "start", 13, Svg.INK, "bold");
        Axes.draw(svg, x, y, xLabel, yLabel, HEIGHT);
        for (Series s : series) {
            draw(svg, s, x, y);
        }
        for (Mark m : marks) {
            if (m.x() >= x.lo() && m.x() <= x.hi()) {
                double px = x.map(m.x());
                svg.line(px, TOP, px, bottom, Svg.INK, 1, "4 3");
                svg.text(Math.min(px + 4, WIDTH - RIGHT), TOP + 12, m.label(), px + 4 > WIDTH - 120 ? "end" : "start",
                        11, Svg.INK, "normal");
            }
        }
        legend.draw(svg, LEFT, HEIGHT + 4);
        return svg.toString();
    }

    private static void draw(Svg svg, Series s, Scale x, Scale y) {
        int n = s.x().length;
        double[] px = new double[n];
        double[] py = new double[n];
        for (int i = 0; i < n; i++) {
            boolean ok = Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i]) && (!x.log() || s.x()[i] > 0);
            px[i] = ok ? x.map(s.x()[i]) : Double.NaN;
            py[i] = ok ? y.map(clamp(s.y()[i], y)) : Double.NaN;
        }
        if (s.lower() != null && s.upper() != null && n > 1) {
            double[] bx = new double[2 * n];
            double[] by = new double[2 * n];
            for (int i = 0; i < n; i++) {
                bx[i] = px[i];
                by[i] = y.map(clamp(s.upper()[i], y));
                bx[2 * n - 1 - i] = px[i];
                by[2 * n - 1 - i] = y.map(clamp(s.lower()[i], y));
            }
            svg.polygon(bx, by, s.colour(), 0.18);
        }
        if (!s.points() || s.dash() != null || n > 1) {
            svg.polyline(px, py, s.colour(), 1.6, s.dash());
        }
        if (s.points()) {
            for (int i = 0; i < n; i++) {
                if (Double.isFinite(px[i])) {
                    svg.circle(px[i], py[i], 3.2, s.colour(), "#fff", 1, s.name() + ": " + Markup.figure(s.x()[i], 4)
                            + ", " + Markup.figure(s.y()[i], 4));
                }
            }
        }
    }

    private static double clamp(double v, Scale y) {
        return Math.max(Math.min(y.lo(), y.hi()), Math.min(Math.max(y.lo(), y.hi()), v));
    }

    private double[] range(boolean xAxis) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            double[][] all = xAxis ? new double[][] {s.x()} : new double[][] {s.y(), s.lower(), s.upper()};
            for (double[] vs : all) {
                if (vs == null) {
                    continue;
                }
                for (double v : vs) {
                    if (Double.isFinite(v) && (!xAxis || !logX || v > 0)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        if (xAxis) {
            for (Mark m : marks) {
                lo = Math.min(lo, m.x());
                hi = Math.max(hi, m.x());
            }
        }
        return lo > hi ? new double[] {logX && xAxis ? 1 : 0, logX && xAxis ? 10 : 1} : new double[] {lo, hi};
    }
}
