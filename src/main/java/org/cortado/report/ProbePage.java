package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The page of a {@code probe} report: the figures, the accuracy of a linear head on each layer's codes (cross-
 * validated on the training codes, on the training codes, on the validation codes) in the net's order with the chosen
 * layers marked, then the rows of layers joined, the skipped images and the provenance.
 */
final class ProbePage implements ReportPage {
    @Override
    public boolean accepts(ReportJson r) {
        return r.has("/best_layer") && r.has("/layers") && r.has("/best_layer_cv");
    }

    @Override
    public String kind(ReportJson r) {
        return "probe";
    }

    @Override
    public Map<String, String> headline(ReportJson r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kind", kind(r));
        String model = r.text("/recipe/model");
        m.put("model", model == null ? null : Headline.fileName(model));
        m.put("layer", r.text("/best_layer") + " (best by validation; by cross-validation " + r.text("/best_layer_cv")
                + ")");
        Row best = row(r, r.text("/best_layer"));
        m.put("val accuracy", best == null ? null : Headline.accuracy(best.val, r.number("/n_val")));
        m.put("train accuracy", best == null ? null : Markup.figure(best.train, 4));
        m.put("training images", r.text("/n_train"));
        m.put("validation images", r.text("/n_val"));
        m.put("skipped images", Integer.toString(r.array("/skipped").size()));
        m.put("head", r.text("/recipe/head"));
        m.put("wall time", HeadPage.seconds(r.number("/timings_seconds/command"), r.number("/timings_seconds/total")));
        return m;
    }

    @Override
    public void body(ReportJson r, RenderContext ctx, Html h) {
        figures(r, h);
        h.section("pair", () -> layers(r, ctx, h));
        h.section("plain", () -> Skipped.render(h, r));
    }

    /** One row of the report's {@code layers}. */
    record Row(String name, boolean combined, int depth, int dim, double c, double cv, double train, double val) {
    }

    static List<Row> rows(ReportJson r) {
        JsonNode all = r.array("/layers");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            String at = "/layers/" + i;
            String name = r.text(at + "/name");
            if (name == null) {
                throw r.error(at + "/name", "is missing");
            }
            rows.add(new Row(name, r.array(at + "/layers").size() > 1, (int) r.number(at + "/depth"),
                    (int) r.number(at + "/dim"), r.number(at + "/c"), r.number(at + "/cv_accuracy"),
                    r.number(at + "/train_accuracy"), r.number(at + "/val_accuracy")));
        }
        return rows;
    }

    private static Row row(ReportJson r, String name) {
        return rows(r).stream().filter(x -> !x.combined() && x.name().equals(name)).findFirst().orElse(null);
    }

    private static void figures(ReportJson r, Html h) {
        Table t = new Table("Figures", "", "value");
        String best = r.text("/best_layer");
        String bestCv = r.text("/best_layer_cv");
        Row b = row(r, best);
        Row bc = row(r, bestCv);
        t.row("best layer by validation accuracy", best + (b == null ? "" : ": " + Headline.accuracy(b.val(),
                r.number("/n_val"))));
        t.row("best layer by cross-validation on the training codes", bestCv + (bc == null ? "" : ": "
                + Markup.figure(bc.cv(), 4) + " (the choice made without looking at the validation images)"));
        List<Row> rows = rows(r);
        boolean given = "given".equals(r.text("/recipe/c_selection")) && !rows.isEmpty();
        t.row("head", r.text("/recipe/head") + ", " + (given ? "C = " + Markup.figure(rows.get(0).c(), 4)
                + " (given)" : "C chosen per layer by " + r.text("/recipe/folds") + "-fold cross-validation on the"
                + " training codes") + ", codes " + r.text("/recipe/head_preprocessing"));
        t.row("codes", r.text("/recipe/activation") + "-activation, " + r.text("/recipe/pooling") + " over space, "
                + r.text("/recipe/passes_per_image") + " forward pass per image for every layer");
        t.row("images", r.text("/n_train") + " training, " + r.text("/n_val") + " validation, "
                + r.array("/skipped").size() + " skipped, " + r.array("/warnings").size() + " decoded with warnings");
        List<String> classes = r.classes();
        t.row("classes", classes.size() + ": " + String.join(", ", classes.subList(0, Math.min(20, classes.size())))
                + (classes.size() > 20 ? ", ..." : ""));
        if (r.has("/source_predictions")) {
            t.row("source net's own predictions", "mean top-1 probability " + Markup.figure(
                    r.number("/source_predictions/mean_top1_probability"), 3) + ", normalised entropy "
                    + Markup.figure(r.number("/source_predictions/normalized_entropy"), 3) + " (" + r.text(
                    "/source_predictions/layer") + ", " + r.text("/source_predictions/images") + " training images)");
        }
        if (r.has("/timings_seconds")) {
            t.row("seconds", "load " + Markup.figure(r.number("/timings_seconds/load"), 3) + ", training codes "
                    + Markup.figure(r.number("/timings_seconds/train_codes"), 3) + ", validation codes "
                    + Markup.figure(r.number("/timings_seconds/val_codes"), 3) + ", head fits "
                    + Markup.figure(r.number("/timings_seconds/fits"), 3) + ", total "
                    + Markup.figure(r.number("/timings_seconds/total"), 3));
        }
        h.table(t);
    }

    /**
     * The accuracy by layer: a bar chart of the three accuracies per row (single layers by depth, then layers
     * joined), the chosen layers shaded, and the table of every row.
     */
    static void layers(ReportJson r, RenderContext ctx, Html h) {
        List<Row> rows = rows(r);
        String best = r.text("/best_layer");
        String bestCv = r.text("/best_layer_cv");
        h.element("h3", "Accuracy by layer");
        List<String> names = new ArrayList<>();
        double[][] values = new double[3][rows.size()];
        Set<Integer> marked = new LinkedHashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            names.add(row.name());
            values[0][i] = row.cv();
            values[1][i] = row.train();
            values[2][i] = row.val();
            if (!row.combined() && (row.name().equals(best) || row.name().equals(bestCv))) {
                marked.add(i);
            }
        }
        h.figure(BarChart.svg(ctx.id("probe"), "Accuracy of a linear head on each layer's codes", names,
                List.of("cross-validation (training codes)", "training", "validation"), values, marked),
                "Layers in the net's order, then layers joined. Shaded: " + (best.equals(bestCv) ? best
                        + ", the best by validation accuracy and by cross-validation" : best + " (best by validation"
                        + " accuracy) and " + bestCv + " (best by cross-validation on the training codes)")
                        + ". The figures are in the accompanying table.");
        Table t = new Table("Accuracy by layer", "layer", "#depth", "#dim", "#C", "#cv", "#train", "#val", "chosen");
        for (Row row : rows) {
            String mark = row.combined() ? "layers joined" : mark(row.name(), best, bestCv);
            t.rowWithClass(mark.startsWith("best") ? "best" : null, row.name(), Integer.toString(row.depth()),
                    Integer.toString(row.dim()), Markup.figure(row.c(), 3), Markup.figure(row.cv(), 4),
                    Markup.figure(row.train(), 4), Markup.figure(row.val(), 4), mark);
        }
        h.table(t.wide());
    }

    private static String mark(String name, String best, String bestCv) {
        boolean b = name.equals(best);
        boolean c = name.equals(bestCv);
        return b && c ? "best (val and cv)" : b ? "best (val)" : c ? "best (cv)" : "";
    }
}
