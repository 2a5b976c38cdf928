package org.cortado.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Per-class precision and recall: a bar chart and the table of precision, recall, F1 and support. */
final class PerClassSection {
    /** Classes drawn; with more, the chart shows those of lowest recall. */
    static final int DRAWN = 40;

    private PerClassSection() {
    }

    static void render(RenderContext ctx, Html h, List<String> classes, double[] precision, double[] recall,
            double[] f1, int[] support) {
        int n = classes.size();
        h.element("h3", "Precision and recall per class");
        List<Integer> shown = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            shown.add(k);
        }
        String note = "";
        if (n > DRAWN) {
            shown.sort(Comparator.comparingDouble((Integer k) -> recall[k]).thenComparingInt(k -> k));
            shown = shown.subList(0, DRAWN);
            note = " The chart shows the " + DRAWN + " classes of lowest recall of " + n + ".";
        }
        List<String> names = shown.stream().map(classes::get).toList();
        double[][] values = new double[2][shown.size()];
        for (int i = 0; i < shown.size(); i++) {
            values[0][i] = precision[shown.get(i)];
            values[1][i] = recall[shown.get(i)];
        }
        h.figure(BarChart.svg(ctx.id("per-class"), "Validation precision and recall per class", names,
                List.of("precision", "recall"), values), "Precision: the share of the images predicted as the class"
                + " that are of it; recall: the share of the class's images predicted as it." + note
                + " The figures are in the accompanying table.");
        Table t = new Table("Per-class metrics on the validation images", "class", "#precision", "#recall", "#F1",
                "#support");
        for (int k = 0; k < n; k++) {
            t.row(classes.get(k), Markup.figure(precision[k], 4), Markup.figure(recall[k], 4), Markup.figure(f1[k], 4),
                    support == null ? "" : Integer.toString(support[k]));
        }
        h.table(t);
    }
}
