package org.cortado.advise;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.cortado.json.FileNotes;
import org.cortado.heads.HeadSpec;
import org.cortado.io.JsonReport;
import org.cortado.json.JsonTree;

/** A probe's table for a terminal and its JSON report. */
public final class ProbeReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProbeReport() {
    }

    /**
     * One line per row, in depth order then the combined rows: layer, depth, code length, C, cross-validated,
     * training and validation accuracy; the best single layer by validation accuracy marked "<- best", the best by
     * cross-validation "<- best cv" (one mark where they agree).
     */
    public static String table(Probe.Result r) {
        int width = Math.max(5, r.rows().stream().mapToInt(row -> row.name().length()).max().orElse(5));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-" + width + "s %5s %6s %9s %7s %7s %7s%n", "layer", "depth", "dim",
                "C", "cv", "train", "val"));
        for (Probe.Row row : r.rows()) {
            String mark = "";
            if (!row.combined()) {
                boolean best = row.name().equals(r.bestLayer());
                boolean bestCv = row.name().equals(r.bestLayerCv());
                mark = best && bestCv ? "  <- best" : best ? "  <- best (val)" : bestCv ? "  <- best cv" : "";
            }
            sb.append(String.format(Locale.ROOT, "%-" + width + "s %5d %6d %9.3g %7.4f %7.4f %7.4f%s%n", row.name(),
                    row.depth(), row.dim(), row.c(), row.cvAccuracy(), row.trainAccuracy(), row.valAccuracy(), mark));
        }
        return sb.toString();
    }

    /**
     * The JSON report: every row ({@code layers}: name, layers joined, depth, dim, c, cv_accuracy, train_accuracy,
     * val_accuracy), {@code best_layer} (by validation accuracy), {@code best_layer_cv}, {@code n_train},
     * {@code n_val}, {@code skipped}, {@code warnings} (images used despite decoder warnings), the recipe, the
     * source net's predictions when measured, and the timings.
     */
    public static JsonReport toJson(Probe.Result r, Probe.Config config) {
        return JsonTree.of(tree(r, config));
    }

    /** {@link #toJson}'s tree, for the advisor's report to hold. */
    static ObjectNode tree(Probe.Result r, Probe.Config config) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode rows = o.putArray("layers");
        for (Probe.Row row : r.rows()) {
            ObjectNode n = rows.addObject();
            n.put("name", row.name());
            ArrayNode ls = n.putArray("layers");
            row.layers().forEach(ls::add);
            n.put("depth", row.depth()).put("dim", row.dim()).put("c", row.c()).put("cv_accuracy", row.cvAccuracy())
                    .put("train_accuracy", row.trainAccuracy()).put("val_accuracy", row.valAccuracy());
        }
        o.put("best_layer", r.bestLayer());
        o.put("best_layer_cv", r.bestLayerCv());
        o.put("n_train", r.nTrain());
        o.put("n_val", r.nVal());
        ArrayNode classes = o.putArray("classes");
        r.classes().forEach(classes::add);
        o.set("skipped", FileNotes.toJson(r.skipped()));
        o.set("warnings", FileNotes.toJson(r.warnings()));
        ObjectNode recipe = o.putObject("recipe");
        recipe.put("model", config.deploy().toString());
        recipe.put("weights", config.weights() == null ? null : config.weights().toString());
        recipe.put("weights_sha1", r.net().weightsSha1());
        recipe.put("activation", "post");
        recipe.put("pooling", config.pooling().id());
        recipe.put("preprocessing", r.net().preprocessing());
        HeadSpec head = config.head();
        recipe.put("head", head.describe());
        recipe.put("head_preprocessing", head.preprocessing().id());
        recipe.put("c_selection", head.c() == null ? "cross-validation" : "given");
        recipe.put("folds", head.folds());
        recipe.put("passes_per_image", 1);
        if (r.source() != null) {
            o.set("source_predictions", sourceJson(r.source()));
        }
        Probe.Timings t = r.timings();
        o.putObject("timings_seconds").put("load", t.load()).put("train_codes", t.trainCodes())
                .put("val_codes", t.valCodes()).put("fits", t.fits()).put("total", t.total());
        return o;
    }

    static ObjectNode sourceJson(SourcePredictions s) {
        return JSON.createObjectNode().put("layer", s.layer()).put("classes", s.classes()).put("images", s.images())
                .put("mean_top1_probability", s.meanTop1()).put("mean_entropy_nats", s.meanEntropy())
                .put("normalized_entropy", s.normalizedEntropy());
    }
}
