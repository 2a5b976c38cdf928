package org.cortado.report;

/** Grid lines, ticks and axis labels of a plot area. */
final class Axes {
    private Axes() {
    }

    /**
     * Draws the frame of the area {@code x.from..x.to} by {@code y.to..y.from}, a grid line and label at every tick,
     * and the axis titles; {@code height} is where the x axis title's baseline area ends.
     */
    static void draw(Svg svg, Scale x, Scale y, String xLabel, String yLabel, double height) {
        double left = x.from();
        double right = x.to();
        double bottom = y.from();
        double top = y.to();
        for (double t : y.ticks()) {
            double py = y.map(t);
            svg.line(left, py, right, py, Svg.GRID, 1, null);
            svg.text(left - 6, py + 4, y.label(t), "end", 11, Svg.MUTED, "normal");
        }
        for (double t : x.ticks()) {
            double px = x.map(t);
            svg.line(px, top, px, bottom, Svg.GRID, 1, null);
            svg.text(px, bottom + 15, x.label(t), "middle", 11, Svg.MUTED, "normal");
        }
        svg.line(left, bottom, right, bottom, Svg.MUTED, 1, null);
        svg.line(left, top, left, bottom, Svg.MUTED, 1, null);
        svg.text((left + right) / 2, height - 8, xLabel, "middle", 12, Svg.INK, "normal");
        svg.verticalText(14, (top + bottom) / 2, yLabel, 12);
    }
}
