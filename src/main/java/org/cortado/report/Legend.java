package org.cortado.report;

import java.util.List;

/** A row (wrapping into more rows) of colour swatches and names under a chart. */
final class Legend {
    private static final double ROW = 18;
    private static final double CHAR = 6.6;

    private final List<String> names;
    private final List<String> colours;
    private final double width;

    Legend(List<String> names, List<String> colours, double width) {
        this.names = names;
        this.colours = colours;
        this.width = width;
    }

    /** The height the legend takes (0 without names or with a single one). */
    double height() {
        return names.size() < 2 ? 0 : rows() * ROW + 4;
    }

    private int rows() {
        int rows = 1;
        double x = 0;
        for (String n : names) {
            double w = itemWidth(n);
            if (x > 0 && x + w > width) {
                rows++;
                x = 0;
            }
            x += w;
        }
        return rows;
    }

    private static double itemWidth(String name) {
        return 22 + CHAR * Math.min(name.length(), 40) + 14;
    }

    void draw(Svg svg, double left, double top) {
        if (names.size() < 2) {
            return;
        }
        double x = 0;
        double y = top;
        for (int i = 0; i < names.size(); i++) {
            double w = itemWidth(names.get(i));
            if (x > 0 && x + w > width) {
                y += ROW;
                x = 0;
            }
            svg.rect(left + x, y + 4, 14, 10, colours.get(i), null);
            svg.text(left + x + 20, y + 13, shorten(names.get(i), 40), "start", 11, Svg.INK, "normal");
            x += w;
        }
    }

    /** {@code s} cut to {@code max} characters with an ellipsis. */
    static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }
}
