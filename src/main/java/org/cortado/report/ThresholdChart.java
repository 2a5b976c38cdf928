package org.cortado.report;

import java.util.List;

/**
 * Measurements against their thresholds, one strip each: the strip split at the threshold into its two sides, each
 * labelled with what a value there makes the data ("small" | "large"), and the measured value marked on it with the
 * side it falls on. A probability is drawn over [0, 1], a ratio on a logarithmic scale around value and threshold.
 */
final class ThresholdChart {
    private static final double WIDTH = LineChart.WIDTH;
    private static final double LEFT = 24;
    private static final double RIGHT = WIDTH - 24;
    private static final double TOP = 30;
    private static final double ROW = 104;
    private static final String BELOW = "#f3eee6";
    private static final String ABOVE = "#e2edf5";

    /**
     * One measurement.
     *
     * @param probability a value in [0, 1] (a linear scale); otherwise a positive ratio (a logarithmic one)
     * @param below       what the data is below the threshold
     * @param atOrAbove   what it is at or above
     */
    record Check(String name, double value, double threshold, boolean probability, String below, String atOrAbove) {
        boolean reached() {
            return value >= threshold;
        }

        String verdict() {
            return Double.isNaN(value) ? "n/a" : reached() ? atOrAbove : below;
        }
    }

    private ThresholdChart() {
    }

    static String svg(String id, String title, List<Check> checks) {
        Svg svg = new Svg(WIDTH, TOP + checks.size() * ROW, id, title);
        svg.text(8, 18, title, "start", 13, Svg.INK, "bold");
        for (int i = 0; i < checks.size(); i++) {
            draw(svg, checks.get(i), TOP + i * ROW);
        }
        return svg.toString();
    }

    private static Scale scale(Check c) {
        if (c.probability()) {
            return new Scale(0, 1, LEFT, RIGHT, false);
        }
        double lo = c.threshold();
        double hi = c.threshold();
        if (c.value() > 0 && Double.isFinite(c.value())) {
            lo = Math.min(lo, c.value());
            hi = Math.max(hi, c.value());
        }
        // A decade of room on each side, so that neither mark sits on an edge.
        return Scale.over(lo / 3, hi * 3, LEFT, RIGHT, true);
    }

    private static void draw(Svg svg, Check c, double y0) {
        Scale x = scale(c);
        double top = y0 + 36;
        double height = 24;
        double t = clamp(x.map(c.threshold()));
        svg.text(LEFT, y0 + 14, Legend.shorten(c.name(), 96), "start", 12, Svg.INK, "bold");
        svg.rect(LEFT, top, t - LEFT, height, BELOW, "below " + Markup.figure(c.threshold(), 3) + ": " + c.below());
        svg.rect(t, top, RIGHT - t, height, ABOVE, "at or above " + Markup.figure(c.threshold(), 3) + ": "
                + c.atOrAbove());
        double v = Double.isFinite(c.value()) ? clamp(x.map(c.probability() || c.value() > 0 ? c.value() : x.lo()))
                : Double.NaN;
        svg.text(wordAt(LEFT, t, v), top + 16, c.below(), "middle", 11, Svg.MUTED, "normal");
        svg.text(wordAt(t, RIGHT, v), top + 16, c.atOrAbove(), "middle", 11, Svg.MUTED, "normal");
        svg.line(t, top - 6, t, top + height + 2, Svg.INK, 2, null);
        svg.text(t, top - 9, "threshold " + Markup.figure(c.threshold(), 3), anchor(t), 11, Svg.INK, "normal");
        for (double tick : x.ticks()) {
            double px = x.map(tick);
            svg.line(px, top + height, px, top + height + 4, Svg.MUTED, 1, null);
            svg.text(px, top + height + 16, x.label(tick), "middle", 10, Svg.MUTED, "normal");
        }
        if (Double.isFinite(v)) {
            String label = "measured " + Markup.figure(c.value(), 3) + ": " + c.verdict();
            svg.circle(v, top + height / 2, 7, Svg.INK, "#fff", 2, label);
            svg.text(v, top + height + 34, label, anchor(v), 12, Svg.INK, "bold");
        } else {
            svg.text(LEFT, top + height + 34, "not measured", "start", 12, Svg.INK, "bold");
        }
    }

    /** Where a side's word goes: the middle of the side, or of its wider part beside the dot when the dot is on it. */
    private static double wordAt(double from, double to, double dot) {
        if (!(dot > from - 12 && dot < to + 12)) {
            return (from + to) / 2;
        }
        double left = dot - 12 - from;
        double right = to - (dot + 12);
        return left >= right ? (from + dot - 12) / 2 : (dot + 12 + to) / 2;
    }

    private static double clamp(double px) {
        return Math.max(LEFT, Math.min(RIGHT, px));
    }

    /** Text near an edge runs inward. */
    private static String anchor(double px) {
        return px < LEFT + 90 ? "start" : px > RIGHT - 90 ? "end" : "middle";
    }
}
