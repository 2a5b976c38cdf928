package org.cortado.report;

import java.util.List;

/**
 * The confusion matrix as a heat map: rows the true class, columns the predicted one, each cell shaded by its share
 * of the row (so that small classes show their errors as plainly as large ones), with its count and that share
 * written in it while the cells are large enough to hold them.
 */
final class ConfusionChart {
    private static final double LABEL = 130;
    private static final double TOP = 56;
    private static final double PLOT = 440;

    private ConfusionChart() {
    }

    static String svg(String id, String title, List<String> classes, int[][] counts) {
        int n = classes.size();
        double cell = Math.min(64, PLOT / Math.max(1, n));
        double width = LABEL + n * cell + 20;
        double height = TOP + n * cell + 40;
        Svg svg = new Svg(Math.max(width, 320), height, id, title);
        svg.text(8, 18, title, "start", 13, Svg.INK, "bold");
        svg.text(LABEL + n * cell / 2, TOP - 22, "predicted class", "middle", 12, Svg.INK, "normal");
        svg.verticalText(12, TOP + n * cell / 2, "true class", 12);
        boolean labels = cell >= 14;
        for (int t = 0; t < n; t++) {
            long rowSum = 0;
            for (int v : counts[t]) {
                rowSum += v;
            }
            if (labels) {
                svg.text(LABEL - 6, TOP + t * cell + cell / 2 + 4, Legend.shorten(classes.get(t), 18), "end",
                        Math.min(11, cell * 0.7), Svg.INK, "normal");
                svg.text(LABEL + t * cell + cell / 2, TOP - 6, Legend.shorten(classes.get(t), Math.max(2,
                        (int) (cell / 6.5))), "middle", Math.min(11, cell * 0.7), Svg.INK, "normal");
            }
            for (int p = 0; p < n; p++) {
                double share = rowSum == 0 ? 0 : (double) counts[t][p] / rowSum;
                double x = LABEL + p * cell;
                double y = TOP + t * cell;
                svg.rect(x, y, cell - 1, cell - 1, Palette.ramp(share), "true " + classes.get(t) + ", predicted "
                        + classes.get(p) + ": " + counts[t][p] + " (" + Markup.percent(share) + " of the row)");
                if (cell >= 36) {
                    String ink = share > 0.55 ? "#fff" : Svg.INK;
                    svg.text(x + cell / 2, y + cell / 2, Integer.toString(counts[t][p]), "middle", 13, ink, "bold");
                    svg.text(x + cell / 2, y + cell / 2 + 14, Markup.percent(share), "middle", 10, ink, "normal");
                }
            }
        }
        return svg.toString();
    }
}
