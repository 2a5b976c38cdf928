package org.cortado.report;

import java.util.List;
import java.util.Set;

/**
 * Horizontal bars of values in [0, 1], one group per category (per-class precision and recall): one row per class
 * reads better than columns when class names are long.
 */
final class BarChart {
    private static final double WIDTH = LineChart.WIDTH;
    private static final double LABEL = 170;
    private static final double RIGHT = 48;
    private static final double TOP = 30;
    private static final double BAR = 9;
    private static final double GAP = 8;
    /** The band behind a marked category: the page's highlighted table row's colour. */
    private static final String MARKED = "#eef6fb";

    private BarChart() {
    }

    /**
     * @param categories the rows' names
     * @param series     the names of the bars in each group
     * @param values     {@code values[s][c]}: bar {@code s} of category {@code c}
     */
    static String svg(String id, String title, List<String> categories, List<String> series, double[][] values) {
        return svg(id, title, categories, series, values, Set.of());
    }

    /**
     * The chart with the categories at the indices {@code marked} (a chosen layer) on a shaded band, their names in
     * bold.
     */
    static String svg(String id, String title, List<String> categories, List<String> series, double[][] values,
            Set<Integer> marked) {
        double group = series.size() * BAR + GAP;
        double plotBottom = TOP + categories.size() * group;
        Legend legend = new Legend(series, series.stream().map(s -> Palette.colour(series.indexOf(s))).toList(),
                WIDTH - LABEL - RIGHT);
        double height = plotBottom + 24 + legend.height();
        Scale x = new Scale(0, 1, LABEL, WIDTH - RIGHT, false);
        Svg svg = new Svg(WIDTH, height, id, title);
        svg.text(8, 18, title, "start", 13, Svg.INK, "bold");
        for (int c : marked) {
            svg.rect(2, TOP + c * group - GAP / 2, WIDTH - 4, group, MARKED, null);
        }
        for (double t : x.ticks()) {
            svg.line(x.map(t), TOP - 4, x.map(t), plotBottom, Svg.GRID, 1, null);
            svg.text(x.map(t), plotBottom + 14, x.label(t), "middle", 11, Svg.MUTED, "normal");
        }
        for (int c = 0; c < categories.size(); c++) {
            double y0 = TOP + c * group;
            svg.text(LABEL - 8, y0 + series.size() * BAR / 2 + 4, Legend.shorten(categories.get(c), 24), "end", 11,
                    Svg.INK, marked.contains(c) ? "bold" : "normal");
            for (int s = 0; s < series.size(); s++) {
                double v = values[s][c];
                double w = Double.isFinite(v) ? x.map(Math.max(0, Math.min(1, v))) - LABEL : 0;
                String tip = categories.get(c) + ": " + series.get(s) + " " + Markup.figure(v, 4);
                svg.rect(LABEL, y0 + s * BAR, w, BAR - 1, Palette.colour(s), tip);
                svg.text(LABEL + w + 4, y0 + s * BAR + BAR - 1.5, Markup.figure(v, 3), "start", 9, Svg.MUTED,
                        "normal");
            }
        }
        svg.line(LABEL, TOP - 4, LABEL, plotBottom, Svg.MUTED, 1, null);
        legend.draw(svg, LABEL, plotBottom + 20);
        return svg.toString();
    }
}
