package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The page of a linear head's report ({@code transfer} and {@code train-head}): the figures, the validation confusion
 * matrix, precision and recall per class, the cross-validation curve of C, the misclassified images, a map of the
 * codes, the skipped files and the provenance.
 */
final class HeadPage implements ReportPage {
    @Override
    public boolean accepts(ReportJson r) {
        return r.has("/head") && r.has("/classes") && r.has("/train_confusion");
    }

    @Override
    public String kind(ReportJson r) {
        return r.has("/recipe") ? "transfer" : "train-head";
    }

    @Override
    public Map<String, String> headline(ReportJson r) {
        Map<String, String> m = Headline.common(r, kind(r));
        m.put("layer", r.firstText("/recipe/layer", "/codes/layer"));
        m.put("head", head(r));
        m.put("wall time", seconds(r.number("/timings_seconds/command"), r.number("/timings_seconds/total")));
        return m;
    }

    private static String head(ReportJson r) {
        return r.text("/head") + (r.has("/loss") ? " (" + r.text("/loss") + ")" : "") + ", C = "
                + Markup.figure(r.number("/c"), 4) + " (" + r.text("/c_selection") + "), " + r.text("/preprocessing");
    }

    static String seconds(double first, double second) {
        double s = Double.isNaN(first) ? second : first;
        return Double.isNaN(s) ? null : Markup.figure(s, 3) + " s";
    }

    @Override
    public void body(ReportJson r, RenderContext ctx, Html h) {
        List<String> classes = r.classes();
        figures(r, h);
        int[][] confusion = r.counts("/confusion", classes.size());
        h.section("pair", () -> {
            if (confusion != null) {
                ConfusionSection.render(ctx, h, "Confusion matrix of the validation images", classes, confusion);
            } else {
                ConfusionSection.render(ctx, h, "Confusion matrix of the training images (no validation codes)",
                        classes, r.counts("/train_confusion", classes.size()));
            }
        });
        if (r.has("/per_class")) {
            h.section("pair", () -> perClass(r, ctx, h, classes));
        }
        if (r.has("/cross_validation")) {
            h.section("pair", () -> crossValidation(r, ctx, h));
        }
        List<Prediction> predictions = Prediction.read(r, classes.size());
        if (r.has("/val_features") || !predictions.isEmpty()) {
            h.section("gallery-section", () -> Gallery.render(ctx, h, classes, predictions));
        }
        h.section("pair", () -> CodeMap.render(ctx, h, r, classes, predictions));
        h.section("plain", () -> Skipped.render(h, r));
    }

    private static void figures(ReportJson r, Html h) {
        Table t = new Table("Figures", "", "value");
        t.row("validation accuracy", Headline.accuracy(r.number("/val_accuracy"), r.number("/n_val")));
        t.row("training accuracy", Headline.accuracy(r.number("/train_accuracy"), r.number("/n_train")));
        t.row("head", head(r));
        if (r.has("/optimizer")) {
            t.row("optimiser", r.text("/optimizer") + ("false".equals(r.text("/converged")) ? " (did not converge)"
                    : ""));
        }
        t.row("images", r.text("/n_train") + " training, " + r.text("/n_val") + " validation, "
                + r.array("/skipped").size() + " skipped");
        JsonNode timings = r.node("/timings_seconds");
        if (timings.isObject()) {
            StringBuilder s = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = timings.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                s.append(s.length() == 0 ? "" : ", ").append(e.getKey().replace('_', ' ')).append(' ')
                        .append(Markup.figure(e.getValue().asDouble(), 3));
            }
            t.row("seconds", s.toString());
        }
        h.table(t);
    }

    private static void perClass(ReportJson r, RenderContext ctx, Html h, List<String> classes) {
        int n = classes.size();
        if (r.array("/per_class").size() != n) {
            throw r.error("/per_class", "has " + r.array("/per_class").size() + " entries for " + n + " classes");
        }
        double[] precision = new double[n];
        double[] recall = new double[n];
        double[] f1 = new double[n];
        int[] support = new int[n];
        for (int k = 0; k < n; k++) {
            String at = "/per_class/" + k;
            precision[k] = r.number(at + "/precision");
            recall[k] = r.number(at + "/recall");
            f1[k] = r.number(at + "/f1");
            support[k] = (int) r.number(at + "/support");
        }
        PerClassSection.render(ctx, h, classes, precision, recall, f1, support);
    }

    private static void crossValidation(ReportJson r, RenderContext ctx, Html h) {
        JsonNode cands = r.array("/cross_validation/candidates");
        int n = cands.size();
        double[] c = new double[n];
        double[] mean = new double[n];
        double[] lo = new double[n];
        double[] hi = new double[n];
        for (int i = 0; i < n; i++) {
            String at = "/cross_validation/candidates/" + i;
            c[i] = r.number(at + "/c");
            mean[i] = r.number(at + "/mean_accuracy");
            double sd = r.number(at + "/std_accuracy");
            lo[i] = mean[i] - (Double.isNaN(sd) ? 0 : sd);
            hi[i] = mean[i] + (Double.isNaN(sd) ? 0 : sd);
        }
        double best = r.number("/cross_validation/best_c");
        String folds = r.text("/cross_validation/folds");
        h.element("h3", "Cross-validation of C");
        LineChart chart = new LineChart("Mean cross-validation accuracy by C", "C (inverse regularisation)",
                "accuracy").logX()
                .add(new LineChart.Series("mean accuracy (band: +- one standard deviation)", c, mean,
                        Palette.colour(0), true, null, lo, hi));
        if (!Double.isNaN(best)) {
            chart.mark(best, "chosen C = " + Markup.figure(best, 3));
        }
        h.figure(chart.svg(ctx.id("cv")), folds + "-fold stratified cross-validation on the training codes; the"
                + " chosen C has the best mean accuracy. The figures are in the accompanying table.");
        Table t = new Table("Cross-validation accuracy by C", "#C", "#mean accuracy", "#standard deviation",
                "accuracy per fold");
        for (int i = 0; i < n; i++) {
            StringBuilder perFold = new StringBuilder();
            for (double a : r.numbers("/cross_validation/candidates/" + i + "/fold_accuracy")) {
                perFold.append(perFold.length() == 0 ? "" : ", ").append(Markup.figure(a, 4));
            }
            t.rowWithClass(c[i] == best ? "best" : null, Markup.figure(c[i], 3) + (c[i] == best ? " (chosen)" : ""),
                    Markup.figure(mean[i], 4), Markup.figure(hi[i] - mean[i], 3), perFold.toString());
        }
        h.table(t);
    }
}
