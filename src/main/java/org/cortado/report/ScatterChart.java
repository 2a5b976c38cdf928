package org.cortado.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A 2-D map of codes: one dot per image coloured by its class, training images hollow, validation images filled, and
 * the misclassified validation images ringed in black.
 */
final class ScatterChart {
    private static final double WIDTH = LineChart.WIDTH;
    private static final double PLOT_HEIGHT = 400;
    private static final double MARGIN = 24;
    private static final double TOP = 30;
    /** Classes named in the legend; beyond it colours repeat and the legend says how many more there are. */
    static final int LEGEND_CLASSES = 16;

    /**
     * One image's place.
     *
     * @param tooltip what hovering shows, or null for none
     */
    record Point(double x, double y, int label, boolean val, boolean misclassified, String tooltip) {
    }

    private ScatterChart() {
    }

    static String svg(String id, String title, String axisNote, List<String> classes, List<Point> points) {
        double lx = Double.POSITIVE_INFINITY;
        double hx = Double.NEGATIVE_INFINITY;
        double ly = Double.POSITIVE_INFINITY;
        double hy = Double.NEGATIVE_INFINITY;
        for (Point p : points) {
            lx = Math.min(lx, p.x());
            hx = Math.max(hx, p.x());
            ly = Math.min(ly, p.y());
            hy = Math.max(hy, p.y());
        }
        // Equal units on both axes, so that distances on the map mean the same in every direction.
        double xSpan = hx - lx;
        double ySpan = hy - ly;
        if (!(xSpan > 0)) {
            xSpan = ySpan > 0 ? ySpan : 1;
        }
        if (!(ySpan > 0)) {
            ySpan = xSpan;
        }
        double scale = Math.min((WIDTH - 2 * MARGIN) / xSpan, PLOT_HEIGHT / ySpan);
        double ox = (WIDTH - xSpan * scale) / 2;
        double oy = TOP + 10;
        double plotBottom = oy + ySpan * scale;
        List<String> names = new ArrayList<>();
        List<String> colours = new ArrayList<>();
        for (int k = 0; k < Math.min(classes.size(), LEGEND_CLASSES); k++) {
            names.add(classes.get(k));
            colours.add(Palette.colour(k));
        }
        if (classes.size() > LEGEND_CLASSES) {
            names.add("... " + (classes.size() - LEGEND_CLASSES) + " more classes");
            colours.add("#fff");
        }
        Legend legend = new Legend(names, colours, WIDTH - 2 * MARGIN);
        Svg svg = new Svg(WIDTH, plotBottom + 62 + legend.height(), id, title);
        svg.text(MARGIN, 18, title, "start", 13, Svg.INK, "bold");
        svg.rect(ox - 6, oy - 6, xSpan * scale + 12, ySpan * scale + 12, "#fafafa", null);
        for (int pass = 0; pass < 2; pass++) {
            for (Point p : points) {
                if (p.val() != (pass == 1)) {
                    continue;
                }
                double px = ox + (p.x() - lx) * scale;
                // Larger values upwards, as on any plot.
                double py = oy + (hy - p.y()) * scale;
                String c = Palette.colour(p.label());
                if (!p.val()) {
                    svg.circle(px, py, 3, "none", c, 1.2, p.tooltip());
                } else if (p.misclassified()) {
                    svg.circle(px, py, 5, c, "#000", 2, p.tooltip());
                } else {
                    svg.circle(px, py, 3.4, c, "#fff", 0.6, p.tooltip());
                }
            }
        }
        double ky = plotBottom + 22;
        svg.circle(MARGIN + 5, ky, 3, "none", Svg.INK, 1.2, null);
        svg.text(MARGIN + 14, ky + 4, "training image", "start", 11, Svg.INK, "normal");
        svg.circle(MARGIN + 125, ky, 3.4, Svg.INK, "#fff", 0.6, null);
        svg.text(MARGIN + 134, ky + 4, "validation image", "start", 11, Svg.INK, "normal");
        svg.circle(MARGIN + 250, ky, 5, "#999", "#000", 2, null);
        svg.text(MARGIN + 260, ky + 4, "misclassified validation image", "start", 11, Svg.INK, "normal");
        svg.text(WIDTH - MARGIN, ky + 22, axisNote, "end", 10, Svg.MUTED, "normal");
        legend.draw(svg, MARGIN, ky + 28);
        return svg.toString();
    }
}
