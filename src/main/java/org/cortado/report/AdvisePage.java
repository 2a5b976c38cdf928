package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The page of an {@code advise} report: the case, the recipe and the reasons; the measurements against their
 * thresholds (which side of each, drawn and in a table) and the others it looked at; the parameters above each freeze
 * point; the probe it measured with; and, when it ran the recipe, what each run got, with the run's own report drawn
 * by its own page (a transfer's confusion matrix and misclassified images, a fine-tuning's curves).
 */
final class AdvisePage implements ReportPage {
    @Override
    public boolean accepts(ReportJson r) {
        return r.has("/case") && r.has("/recommendation");
    }

    @Override
    public String kind(ReportJson r) {
        return "advise";
    }

    @Override
    public Map<String, String> headline(ReportJson r) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("kind", kind(r));
        String model = r.firstText("/provenance/model", "/probe/recipe/model");
        m.put("model", model == null ? null : Headline.fileName(model));
        m.put("case", r.text("/case"));
        m.put("layer", r.firstText("/recommendation/layer", "/recommendation/freeze_through"));
        m.put("recipe", r.text("/recommendation/description"));
        if (r.has("/ran")) {
            m.put("val accuracy", Headline.accuracy(r.number("/val_accuracy"), r.number("/n_val")));
            m.put("train accuracy", Markup.figure(r.number("/train_accuracy"), 4));
        }
        m.put("training images", r.firstText("/n_train", "/measurements/n_train"));
        m.put("validation images", r.firstText("/n_val", "/probe/n_val"));
        m.put("skipped images", Integer.toString(r.array("/skipped").size()));
        m.put("wall time", HeadPage.seconds(r.number("/wall_seconds"), Double.NaN));
        return m;
    }

    @Override
    public void body(ReportJson r, RenderContext ctx, Html h) {
        h.section("plain", () -> verdict(r, h));
        h.section("pair", () -> checks(r, ctx, h));
        h.section("pair", () -> measurements(r, h));
        if (r.has("/probe")) {
            ReportJson probe = r.child("/probe");
            h.section("pair", () -> ProbePage.layers(probe, ctx, h));
        }
        outcome(r, ctx, h);
        h.section("plain", () -> {
            if (r.has("/probe")) {
                Skipped.render(h, r.child("/probe"));
            }
        });
    }

    private static void verdict(ReportJson r, Html h) {
        h.element("h3", "The case and the recipe");
        h.open("p", "class", "verdict").text("Case: ").element("strong", r.text("/case")).text(". Recipe: "
                + r.text("/recommendation/description") + ".").close("p");
        h.open("p").text("The equivalent command: ").element("code", r.text("/recommendation/command")).close("p");
        h.element("p", r.text("/reasons"));
        double close = r.number("/thresholds/close_cv_accuracy");
        Table t = new Table("The recommendation and a runner-up too close to call (cross-validated accuracy on the"
                + " training codes; fine-tuning has none)", "", "recipe", "#cv");
        t.rowWithClass("best", "recommended", r.text("/recommendation/description"),
                Markup.figure(r.number("/recommendation/cv_accuracy"), 4));
        if (r.has("/alternative")) {
            t.row("runner-up, within " + Markup.figure(close, 3), r.text("/alternative/description"),
                    Markup.figure(r.number("/alternative/cv_accuracy"), 4));
        }
        h.table(t);
        if (!r.has("/alternative")) {
            h.element("p", "No runner-up: no other candidate cross-validates within " + Markup.figure(close, 3)
                    + " of the recommendation.");
        }
    }

    /** The measurements the case is decided on, each against its threshold: drawn, and in a table. */
    private static void checks(ReportJson r, RenderContext ctx, Html h) {
        h.element("h3", "Measurements against the thresholds");
        JsonNode all = r.array("/checks");
        if (all.isEmpty()) {
            h.element("p", "This report lists no measurements against thresholds (it predates them).");
            return;
        }
        List<ThresholdChart.Check> checks = new ArrayList<>();
        Table t = new Table("Each measurement, its threshold and the side it falls on", "measurement", "#value",
                "#threshold", "side", "so the data is");
        for (int i = 0; i < all.size(); i++) {
            String at = "/checks/" + i;
            ThresholdChart.Check c = new ThresholdChart.Check(r.text(at + "/key") + ": " + r.text(at + "/name"),
                    r.number(at + "/value"), r.number(at + "/threshold"), "probability".equals(r.text(at + "/unit")),
                    r.text(at + "/below"), r.text(at + "/at_or_above"));
            checks.add(c);
            t.row(c.name(), Markup.figure(c.value(), 4), Markup.figure(c.threshold(), 4),
                    Double.isNaN(c.value()) ? "n/a" : c.reached() ? "at or above" : "below", c.verdict());
        }
        h.figure(ThresholdChart.svg(ctx.id("checks"), "The case: " + r.text("/case"), checks), "Each strip is split"
                + " at its threshold; the dot is the measurement, and the side it falls on names that half of the"
                + " case. The figures are in the accompanying table.");
        h.table(t);
    }

    /** The other figures the advisor looked at, and the parameters above each freeze point. */
    private static void measurements(ReportJson r, Html h) {
        h.element("h3", "What was measured");
        Table t = new Table("The data set and the net", "", "value");
        t.row("training images", r.text("/measurements/n_train") + " in " + r.text("/measurements/classes")
                + " classes (" + r.text("/measurements/min_per_class") + " in the smallest, "
                + Markup.figure(r.number("/measurements/mean_per_class"), 4) + " on average)");
        t.row("source classifier", r.text("/measurements/classifier") + " (" + r.text(
                "/measurements/classifier_params") + " parameters, replaced by a classifier of the new classes); the whole"
                + " net "
                + r.text("/measurements/total_params") + " parameters");
        t.row("the last stage", "above " + r.text("/measurements/top_stage/layer") + ": " + r.text(
                "/measurements/top_stage/params_above") + " parameters, " + Markup.figure(
                r.number("/measurements/top_stage/images_per_param"), 4) + " training images per parameter");
        t.row("source net's own predictions", "mean top-1 probability " + Markup.figure(
                r.number("/measurements/source_predictions/mean_top1_probability"), 3) + ", normalised entropy "
                + Markup.figure(r.number("/measurements/source_predictions/normalized_entropy"), 3) + " ("
                + r.text("/measurements/source_predictions/layer") + ")");
        t.row("depth profile (cross-validated probe accuracy)", "top code layer " + r.text(
                "/measurements/depth_profile/top_code_layer") + " " + Markup.figure(r.number(
                "/measurements/depth_profile/top_code_cv_accuracy"), 4) + "; best below it " + r.text(
                "/measurements/depth_profile/best_below_layer") + " " + Markup.figure(r.number(
                "/measurements/depth_profile/best_below_cv_accuracy"), 4) + "; the top adds " + Markup.figure(
                r.number("/measurements/depth_profile/top_gain"), 3));
        if (r.has("/measurements/joined_layers_cv_accuracy")) {
            t.row("the layers below the classifier joined", "cv " + Markup.figure(r.number(
                    "/measurements/joined_layers_cv_accuracy"), 4) + ", val " + Markup.figure(r.number(
                    "/measurements/joined_layers_val_accuracy"), 4));
        }
        h.table(t);
        double large = r.number("/thresholds/large_images_per_param");
        JsonNode points = r.array("/measurements/freeze_points");
        Table f = new Table("Fine-tuning frozen through each probed layer: the parameters it would train, against the "
                + Markup.figure(large, 3) + " images per parameter of a large set", "frozen through",
                "#parameters trained", "#images per parameter", "against the threshold");
        String topStage = r.text("/measurements/top_stage/layer");
        for (int i = 0; i < points.size(); i++) {
            String at = "/measurements/freeze_points/" + i;
            double ipp = r.number(at + "/images_per_param");
            String layer = r.text(at + "/layer");
            f.rowWithClass(layer != null && layer.equals(topStage) ? "best" : null, layer, r.text(at
                    + "/params_above"), Double.isNaN(ipp) ? "nothing learns" : Markup.figure(ipp, 3),
                    Double.isNaN(ipp) ? "" : ipp >= large ? "at or above" : "below");
        }
        if (f.size() > 0) {
            h.table(f.wide());
        }
    }

    /** What each run got, and each run's own report drawn by its own page. */
    private static void outcome(ReportJson r, RenderContext ctx, Html h) {
        JsonNode ran = r.array("/ran");
        h.section("plain", () -> {
            h.element("h3", "The run");
            if (ran.isEmpty()) {
                h.element("p", "Not run: advise --run runs the recommendation (the command above runs it too).");
                return;
            }
            Table t = new Table("What each run got (the first is the recommendation)", "recipe", "#val accuracy",
                    "#train accuracy", "#training images", "#validation images", "#seconds");
            for (int i = 0; i < ran.size(); i++) {
                String at = "/ran/" + i;
                t.rowWithClass(i == 0 ? "best" : null, r.text(at + "/description"), Headline.accuracy(
                        r.number(at + "/val_accuracy"), r.number(at + "/n_val")), Markup.figure(
                        r.number(at + "/train_accuracy"), 4), r.text(at + "/n_train"), r.text(at + "/n_val"),
                        Markup.figure(r.number(at + "/seconds"), 3));
            }
            h.table(t);
            if (r.has("/runner_up_not_run")) {
                h.element("p", "The runner-up did not run: " + r.text("/runner_up_not_run") + ".");
            }
        });
        for (int i = 0; i < ran.size(); i++) {
            if (!r.has("/ran/" + i + "/report")) {
                continue;
            }
            ReportJson run = r.child("/ran/" + i + "/report");
            ReportPage page = ReportPages.of(run);
            String title = "Run " + (i + 1) + " (" + page.kind(run) + "): " + r.text("/ran/" + i + "/description");
            h.open("section", "class", "nested", "aria-label", title).element("h3", title);
            page.body(run, ctx, h);
            h.close("section");
        }
    }
}
