package org.cortado.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The confusion matrix: drawn as a heat map, and written out as counts with row shares (or its largest errors). */
final class ConfusionSection {
    /** Up to this many classes, the matrix is drawn. */
    static final int DRAWN = 60;
    /** Up to this many classes, the page writes the whole matrix; beyond, its largest off-diagonal cells. */
    static final int TABULATED = 20;
    private static final int PAIRS = 30;

    private ConfusionSection() {
    }

    static void render(RenderContext ctx, Html h, String title, List<String> classes, int[][] counts) {
        int n = classes.size();
        long total = 0;
        long correct = 0;
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                total += counts[t][p];
                correct += t == p ? counts[t][p] : 0;
            }
        }
        h.element("h3", title);
        String summary = correct + " of " + total + " correct (" + Markup.percent(total == 0 ? Double.NaN
                : (double) correct / total) + ").";
        if (n <= DRAWN) {
            h.figure(ConfusionChart.svg(ctx.id("confusion"), title, classes, counts), "Rows: true class, columns:"
                    + " predicted class; a cell's shade is its share of the row. " + summary
                    + (n <= TABULATED ? " The counts are in the accompanying table." : ""));
        } else {
            h.element("p", n + " classes: the matrix is too large to draw. " + summary);
        }
        if (n <= TABULATED) {
            String[] headers = new String[n + 2];
            headers[0] = "true \\ predicted";
            for (int p = 0; p < n; p++) {
                headers[p + 1] = "#" + classes.get(p);
            }
            headers[n + 1] = "#total";
            Table t = new Table(title + ": counts (share of the row)", headers);
            for (int r = 0; r < n; r++) {
                long rowSum = 0;
                for (int v : counts[r]) {
                    rowSum += v;
                }
                String[] cells = new String[n + 2];
                cells[0] = classes.get(r);
                for (int p = 0; p < n; p++) {
                    cells[p + 1] = counts[r][p] + " (" + Markup.percent(rowSum == 0 ? Double.NaN
                            : (double) counts[r][p] / rowSum) + ")";
                }
                cells[n + 1] = Long.toString(rowSum);
                t.row(cells);
            }
            h.table(t);
        } else {
            List<int[]> pairs = new ArrayList<>();
            for (int t = 0; t < n; t++) {
                for (int p = 0; p < n; p++) {
                    if (t != p && counts[t][p] > 0) {
                        pairs.add(new int[] {t, p, counts[t][p]});
                    }
                }
            }
            pairs.sort(Comparator.comparingInt((int[] a) -> -a[2]).thenComparingInt(a -> a[0]));
            Table t = new Table("The " + Math.min(PAIRS, pairs.size()) + " largest confusions of " + pairs.size(),
                    "true class", "predicted class", "#images");
            for (int[] a : pairs.subList(0, Math.min(PAIRS, pairs.size()))) {
                t.row(classes.get(a[0]), classes.get(a[1]), Integer.toString(a[2]));
            }
            h.table(t);
        }
    }
}
