package org.cortado.report;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The headline figures common to the kinds of report, in the order the comparison table shows them. */
final class Headline {
    private Headline() {
    }

    /** Model, validation and training accuracy, image counts: what every classification report has. */
    static Map<String, String> common(ReportJson r, String kind) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kind", kind);
        String model = r.firstText("/recipe/known_model", "/recipe/model", "/codes/model", "/settings/model");
        m.put("model", model == null ? null : fileName(model));
        m.put("val accuracy", accuracy(r.number("/val_accuracy"), r.number("/n_val")));
        m.put("train accuracy", Markup.figure(r.number("/train_accuracy"), 4));
        m.put("training images", r.text("/n_train"));
        m.put("validation images", r.text("/n_val"));
        m.put("skipped images", Integer.toString(r.array("/skipped").size()));
        return m;
    }

    /** "0.9412 (144 of 153)". */
    static String accuracy(double accuracy, double n) {
        if (Double.isNaN(accuracy)) {
            return "n/a";
        }
        return Markup.figure(accuracy, 4) + (Double.isNaN(n) ? "" : " (" + Math.round(accuracy * n) + " of "
                + (long) n + ")");
    }

    static String fileName(String path) {
        try {
            Path p = Path.of(path).getFileName();
            return p == null ? path : p.toString();
        } catch (java.nio.file.InvalidPathException e) {
            return path;
        }
    }
}
