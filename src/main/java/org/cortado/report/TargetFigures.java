package org.cortado.report;

/**
 * The figures of a fine-tuning run on target vectors (EuclideanLoss or SigmoidCrossEntropyLoss), each beside its
 * trivial baseline, in the page's table of figures.
 */
final class TargetFigures {
    private TargetFigures() {
    }

    static void rows(ReportJson r, Table t) {
        String v = "/val_targets/";
        String b = "/best_val_targets/";
        if (r.has(v + "mse")) {
            t.row("final validation MSE (RMSE)", Markup.figure(r.number(v + "mse"), 4) + " ("
                    + Markup.figure(r.number(v + "rmse"), 4) + ") over " + r.text(v + "rows") + " rows x "
                    + r.text(v + "outputs") + " outputs");
            t.row("predicting the training mean", "MSE " + Markup.figure(r.number(v + "baseline_mse"), 4) + " (RMSE "
                    + Markup.figure(r.number(v + "baseline_rmse"), 4) + ")");
            t.row("best validation MSE", Markup.figure(r.number(b + "mse"), 4) + " after epoch "
                    + r.text("/best_epoch"));
        } else {
            t.row("final validation mean label accuracy", Markup.figure(r.number(v + "mean_label_accuracy"), 4)
                    + " (per label: " + FinetunePage.list(r, v + "label_accuracy") + ")");
            t.row("exact match (every label right)", Markup.figure(r.number(v + "exact_match"), 4));
            t.row("predicting each label's majority", "mean label accuracy " + Markup.figure(r.number(
                    v + "baseline_mean_label_accuracy"), 4) + ", exact match " + Markup.figure(r.number(
                    v + "baseline_exact_match"), 4));
            t.row("best validation mean label accuracy", Markup.figure(r.number(b + "mean_label_accuracy"), 4)
                    + " after epoch " + r.text("/best_epoch"));
        }
        if (r.has(v + "argmax_accuracy")) {
            t.row("argmax accuracy (one-hot targets)", Markup.figure(r.number(v + "argmax_accuracy"), 4));
        }
    }
}
