package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cortado.heads.Evaluation;

/**
 * The page of a fine-tuning report: the figures, the loss of every iteration, the accuracy after every epoch, the
 * learning rate, the layers and which were frozen, then the validation confusion matrix, per-class metrics and the
 * misclassified images of the final net, and the provenance. A resumed run shows each run as its own curve.
 */
final class FinetunePage implements ReportPage {
    /** Points drawn per curve; longer logs are drawn as means of equal runs of iterations. */
    static final int CURVE_POINTS = 1500;
    /** Iterations listed in the page's table; longer logs list every k-th. */
    static final int LISTED_ITERATIONS = 1000;

    @Override
    public boolean accepts(ReportJson r) {
        return r.has("/history") && r.has("/new_layer");
    }

    @Override
    public String kind(ReportJson r) {
        return "fine-tuning";
    }

    @Override
    public Map<String, String> headline(ReportJson r) {
        Map<String, String> m = Headline.common(r, kind(r));
        m.put("layer", r.text("/replaced") + " replaced by " + r.text("/new_layer")
                + (r.has("/freeze_through") ? ", frozen through " + r.text("/freeze_through") : ""));
        if (r.has("/val_targets")) {
            TrainingCurves.Metric metric = TrainingCurves.Metric.of(r);
            // No accuracy of classes: the objective's own figure instead.
            m.remove("val accuracy");
            m.remove("train accuracy");
            m.put("val " + metric.axis(), Markup.figure(r.number(metric.pointer()), 4));
            m.put("best val " + metric.axis(), Markup.figure(r.number("/best_val_targets"
                    + metric.pointer().substring("/val_targets".length())), 4) + " (epoch " + r.text("/best_epoch")
                    + ")");
        } else {
            m.put("best val accuracy", Markup.figure(r.number("/best_val_accuracy"), 4) + " (epoch "
                    + r.text("/best_epoch") + ")");
        }
        m.put("images/s", Markup.figure(r.number("/images_per_second"), 3));
        m.put("wall time", HeadPage.seconds(r.number("/wall_seconds"), Double.NaN));
        return m;
    }

    @Override
    public void body(ReportJson r, RenderContext ctx, Html h) {
        List<String> classes = r.classes();
        figures(r, h);
        List<Run> runs = runs(r);
        h.section("pair", () -> TrainingCurves.render(r, ctx, h, runs));
        h.section("plain", () -> layers(r, h));
        // Target vectors have no classes to confuse: their figures are in the table above.
        List<Prediction> predictions = r.has("/val_targets") ? List.of() : Prediction.read(r, classes.size());
        if (!predictions.isEmpty()) {
            int[] truth = predictions.stream().mapToInt(Prediction::label).toArray();
            int[] predicted = predictions.stream().mapToInt(Prediction::predicted).toArray();
            Evaluation e = Evaluation.of(truth, predicted, classes.size());
            h.section("pair", () -> ConfusionSection.render(ctx, h, "Confusion matrix of the validation images"
                    + " (final net)", classes, e.confusion()));
            h.section("pair", () -> PerClassSection.render(ctx, h, classes, e.precision(), e.recall(), e.f1(),
                    e.support()));
            h.section("gallery-section", () -> Gallery.render(ctx, h, classes, predictions));
        }
        h.section("plain", () -> Skipped.render(h, r));
    }

    /** One run's iterations: a fresh run, or the continuation of a resumed one. */
    record Run(int firstIteration, double[] loss, double[] learningRate, double imagesPerSecond) {
        int lastIteration() {
            return firstIteration + loss.length - 1;
        }
    }

    static List<Run> runs(ReportJson r) {
        JsonNode log = r.array("/iteration_log");
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            String at = "/iteration_log/" + i;
            double[] loss = r.numbers(at + "/loss");
            double[] lr = r.numbers(at + "/learning_rate");
            if (loss.length != lr.length) {
                throw r.error(at, "has " + loss.length + " losses but " + lr.length + " learning rates");
            }
            runs.add(new Run((int) r.number(at + "/first_iteration"), loss, lr, r.number(at + "/images_per_second")));
        }
        return runs;
    }

    private static void figures(ReportJson r, Html h) {
        Table t = new Table("Figures", "", "value");
        if (r.has("/val_targets")) {
            TargetFigures.rows(r, t);
        } else {
            t.row("final validation accuracy", Headline.accuracy(r.number("/val_accuracy"), r.number("/n_val")));
            t.row("best validation accuracy", Markup.figure(r.number("/best_val_accuracy"), 4) + " after epoch "
                    + r.text("/best_epoch"));
            t.row("training accuracy (last epoch, augmented)", Markup.figure(r.number("/train_accuracy"), 4));
        }
        t.row("images", r.text("/n_train") + " training, " + r.text("/n_val") + " validation, "
                + r.array("/skipped").size() + " skipped");
        t.row("classifier", r.text("/replaced") + " replaced by " + r.text("/new_layer") + " (" + r.classes().size()
                + (r.has("/val_targets") ? " outputs, trained under " + r.text("/objective") + ")" : " classes)"));
        t.row("frozen", r.has("/freeze_through") ? "every layer through " + r.text("/freeze_through") + " ("
                + r.text("/frozen_params") + " parameter blobs; " + r.text("/learned_params") + " learn)"
                : "nothing (" + r.text("/learned_params") + " parameter blobs learn)");
        if (r.has("/cached_through")) {
            t.row("computed once", "the outputs of the layers through " + r.text("/cached_through"));
        }
        if (r.has("/linear_probe") && r.has("/val_targets")) {
            t.row("linear probe", r.text("/linear_probe/optimizer") + " on " + r.text("/linear_probe/samples")
                    + " codes of " + r.text("/linear_probe/dimensions") + " values; training " + (r.has(
                    "/val_targets/mse") ? "MSE " : "mean label accuracy ") + Markup.figure(r.number(
                    "/linear_probe/train_accuracy"), 4));
        } else if (r.has("/linear_probe")) {
            t.row("linear probe", "softmax head on " + r.text("/linear_probe/samples") + " codes of "
                    + r.text("/linear_probe/dimensions") + " values, C = " + Markup.figure(r.number("/linear_probe/c"),
                    3) + ", training accuracy " + Markup.figure(r.number("/linear_probe/train_accuracy"), 4));
        }
        t.row("iterations", r.text("/iterations") + " (batch " + r.text("/settings/batch_size") + ", "
                + r.text("/settings/epochs") + " epochs)");
        t.row("training speed", Markup.figure(r.number("/images_per_second"), 3) + " images/s");
        t.row("wall time", Markup.figure(r.number("/wall_seconds"), 3) + " s");
        h.table(t);
    }

    private static void layers(ReportJson r, Html h) {
        JsonNode layers = r.array("/layers");
        h.element("h3", "Layers and their learning-rate multipliers");
        if (layers.isEmpty()) {
            h.element("p", "The report does not list the layers"
                    + (r.has("/freeze_through") ? "; every layer through " + r.text("/freeze_through") + " was frozen."
                    : "."));
            return;
        }
        Table t = new Table("Layers with parameters, in the net's order (frozen ones greyed)", "layer", "type",
                "lr_mult", "decay_mult", "trained");
        for (int i = 0; i < layers.size(); i++) {
            String at = "/layers/" + i;
            boolean frozen = "true".equals(r.text(at + "/frozen"));
            t.rowWithClass(frozen ? "dim" : null, r.text(at + "/name"), r.text(at + "/type"), list(r, at + "/lr_mult"),
                    list(r, at + "/decay_mult"), frozen ? "frozen" : "learns");
        }
        h.table(t);
    }

    /** The numbers at {@code pointer}, comma-separated, four significant digits. */
    static String list(ReportJson r, String pointer) {
        StringBuilder s = new StringBuilder();
        for (double v : r.numbers(pointer)) {
            s.append(s.length() == 0 ? "" : ", ").append(Markup.figure(v, 4));
        }
        return s.toString();
    }
}
