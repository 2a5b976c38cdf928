package org.cortado.advise;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cortado.io.JsonReport;
import org.cortado.json.FileNotes;
import org.cortado.json.JsonTree;

/** The advisor's JSON report: {@code case}, {@code measurements}, {@code recommendation}, and a run's outcome. */
public final class AdviseReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdviseReport() {
    }

    /**
     * The report. {@code checks} lists the measurements the case is decided on, each against its threshold. With a
     * run, the recommendation's outcome is at the top level as {@code transfer} and {@code finetune} write it
     * ({@code val_accuracy}, {@code train_accuracy}, {@code n_train}, {@code n_val}, {@code skipped},
     * {@code warnings}), and {@code ran} lists every candidate run with its figures and its own report
     * ({@code report}); without a run, {@code skipped} and {@code warnings} are the measurements'.
     *
     * @param command the equivalent command line of a recipe, for the report
     */
    public static JsonReport toJson(Advisor.Result r, Probe.Config probeConfig,
            java.util.function.Function<Recommendation, String> command) {
        ObjectNode o = JSON.createObjectNode();
        o.put("case", r.decision().verdict().id());
        o.set("measurements", measurements(r));
        ObjectNode t = o.putObject("thresholds");
        t.put("similar_mean_top1", CaseRules.SIMILAR_MEAN_TOP1);
        t.put("large_images_per_param", CaseRules.LARGE_IMAGES_PER_PARAM);
        t.put("close_cv_accuracy", Advisor.CLOSE);
        ArrayNode checks = o.putArray("checks");
        for (CaseRules.Check c : CaseRules.checks(r.measurements())) {
            checks.addObject().put("key", c.key()).put("name", c.name()).put("unit", c.unit())
                    .put("value", c.value()).put("threshold", c.threshold()).put("at_or_above", c.atOrAbove())
                    .put("below", c.below()).put("reached", c.reached()).put("verdict", c.verdict());
        }
        o.set("recommendation", recipe(r.recommendation(), command));
        o.set("alternative", r.alternative() == null ? null : recipe(r.alternative(), command));
        o.put("reasons", r.reasons());
        if (!r.outcomes().isEmpty()) {
            RecipeRunner.Outcome first = r.outcomes().get(0);
            o.put("val_accuracy", first.valAccuracy());
            o.put("train_accuracy", first.trainAccuracy());
            o.put("n_train", first.nTrain());
            o.put("n_val", first.nVal());
            o.set("skipped", FileNotes.toJson(first.skipped()));
            o.set("warnings", FileNotes.toJson(first.warnings()));
            ArrayNode ran = o.putArray("ran");
            for (RecipeRunner.Outcome out : r.outcomes()) {
                ObjectNode n = recipe(out.recipe(), command);
                n.put("val_accuracy", out.valAccuracy()).put("train_accuracy", out.trainAccuracy())
                        .put("n_train", out.nTrain()).put("n_val", out.nVal()).put("seconds", out.seconds());
                n.set("report", JsonTree.edit(out.report()));
                ran.add(n);
            }
            o.put("runner_up_not_run", r.notRun());
        } else {
            o.set("skipped", FileNotes.toJson(r.probe().skipped()));
            o.set("warnings", FileNotes.toJson(r.probe().warnings()));
        }
        o.set("probe", ProbeReport.tree(r.probe(), probeConfig));
        return JsonTree.of(o);
    }

    private static ObjectNode measurements(Advisor.Result r) {
        Measurements m = r.measurements();
        ObjectNode o = JSON.createObjectNode();
        o.put("n_train", m.nTrain()).put("classes", m.classes()).put("min_per_class", m.minPerClass())
                .put("mean_per_class", m.meanPerClass());
        FreezePoints.Counts c = r.freezePoints();
        o.put("classifier", c.classifier()).put("total_params", c.totalParams())
                .put("classifier_params", c.classifierParams());
        o.set("top_stage", point(m.topStage()));
        ArrayNode points = o.putArray("freeze_points");
        c.points().forEach(p -> points.add(point(p)));
        o.set("source_predictions", ProbeReport.sourceJson(m.source()));
        ObjectNode profile = o.putObject("depth_profile");
        profile.put("top_code_layer", m.topCodeLayer()).put("top_code_cv_accuracy", m.topCodeCv())
                .put("best_below_layer", m.bestBelowLayer()).put("best_below_cv_accuracy", m.bestBelowCv())
                .put("top_gain", m.topGain());
        if (r.joined() != null) {
            o.put("joined_layers_cv_accuracy", r.joined().cvAccuracy());
            o.put("joined_layers_val_accuracy", r.joined().valAccuracy());
        }
        return o;
    }

    /** A freeze point; images per parameter is null where nothing above it learns. */
    private static ObjectNode point(FreezePoints.Point p) {
        ObjectNode o = JSON.createObjectNode().put("layer", p.layer()).put("params_above", p.paramsAbove());
        return Double.isFinite(p.imagesPerParam()) ? o.put("images_per_param", p.imagesPerParam())
                : o.putNull("images_per_param");
    }

    private static ObjectNode recipe(Recommendation r, java.util.function.Function<Recommendation, String> command) {
        ObjectNode o = JSON.createObjectNode();
        o.put("strategy", r.strategy().id());
        if (r.strategy() == Recommendation.Strategy.CODES) {
            o.put("layer", r.layerArgument());
            ArrayNode layers = o.putArray("layers");
            r.layers().forEach(layers::add);
            o.put("pooling", "avg").put("activation", "post");
            o.put("head", r.head().type().id()).put("head_preprocessing", r.head().preprocessing().id())
                    .put("c", r.head().c());
            o.put("cv_accuracy", r.cvAccuracy());
            o.putNull("freeze_through");
        } else {
            o.putNull("layer");
            o.putNull("head");
            o.put("replace", r.replace());
            o.put("freeze_through", r.freezeThrough());
            o.put("base_lr", r.baseLr()).put("epochs", r.epochs());
        }
        o.put("description", r.describe());
        o.put("command", command.apply(r));
        return o;
    }
}
