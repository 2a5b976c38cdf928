package org.cortado.report;

/**
 * Where a run's figures come from: command line, engine, model and weights with their checksums, layer and
 * preprocessing, gathered from wherever the kind of report keeps them ({@code provenance}, which the command line
 * adds, {@code recipe} of transfer and probe, {@code codes} of train-head, {@code settings} of finetune, the nested
 * {@code probe} of advise). A fact the report does
 * not hold is said to be missing rather than left out.
 */
final class ProvenanceSection {
    /** A row: its label, whether it is shown even when missing, and where to look, first found wins. */
    private record Row(String label, boolean essential, String... pointers) {
    }

    private static final Row[] ROWS = {
        new Row("command line", true, "/provenance/command_line"),
        new Row("working directory", false, "/provenance/working_directory"),
        new Row("engine", true, "/provenance/engine", "/recipe/engine", "/codes/engine"),
        new Row("model", true, "/recipe/model", "/codes/model", "/settings/model", "/provenance/model"),
        new Row("model SHA-1", true, "/provenance/model_sha1"),
        new Row("known model", false, "/recipe/known_model"),
        new Row("weights", true, "/recipe/weights", "/codes/weights", "/settings/weights", "/provenance/weights"),
        new Row("weights SHA-1", true, "/recipe/weights_sha1", "/codes/weightsSha1", "/provenance/weights_sha1"),
        new Row("layer", true, "/recipe/layer", "/codes/layer", "/provenance/layer"),
        new Row("activation", false, "/recipe/activation", "/codes/activation", "/probe/recipe/activation"),
        new Row("pooling", false, "/recipe/pooling", "/codes/pooling", "/probe/recipe/pooling"),
        new Row("replaced classifier", false, "/replaced"),
        new Row("new classifier", false, "/new_layer"),
        new Row("frozen through", false, "/freeze_through"),
        new Row("image preprocessing", true, "/recipe/preprocessing", "/codes/preprocessing",
            "/probe/recipe/preprocessing", "/settings/train_transform"),
        new Row("validation preprocessing", false, "/settings/val_transform"),
        new Row("code normalisation", false, "/recipe/head_preprocessing", "/preprocessing"),
        new Row("solver", false, "/settings/solver"),
        new Row("device", false, "/recipe/device", "/provenance/device", "/device"),
        new Row("feature files", false, "/train_features"),
        new Row("Java", false, "/provenance/java"),
        new Row("operating system", false, "/provenance/os"),
        new Row("written", false, "/provenance/written", "/codes/created"),
    };

    private ProvenanceSection() {
    }

    static void render(Html h, ReportJson r) {
        h.element("h3", "Provenance");
        h.open("dl", "class", "provenance");
        for (Row row : ROWS) {
            String value = r.firstText(row.pointers());
            // A fine-tuning report names its classifier instead of a code layer, a probe or advice many layers.
            boolean essential = row.essential() && !(row.label().equals("layer") && (r.has("/replaced")
                    || r.has("/best_layer") || r.has("/case")));
            if (value == null && !essential) {
                continue;
            }
            h.element("dt", row.label());
            if (value == null) {
                h.element("dd", "not recorded in this report", "class", "missing");
            } else {
                h.open("dd").element("code", value).close("dd");
            }
        }
        h.close("dl");
    }
}
