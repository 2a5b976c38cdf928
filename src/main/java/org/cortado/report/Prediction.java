package org.cortado.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One validation image's prediction from a report's {@code val_predictions}.
 *
 * @param confidence     the probability of the predicted class, or the SVM's decision value (see {@code isScore}),
 *                       NaN when the report has neither
 * @param trueConfidence the same for the true class
 * @param isScore        {@code confidence} is a decision value, not a probability
 */
record Prediction(String file, int label, int predicted, double confidence, double trueConfidence, boolean isScore) {
    boolean wrong() {
        return label != predicted;
    }

    /** "p 0.83" or "score 0.42", or empty when the report has no confidence. */
    String describeConfidence() {
        if (Double.isNaN(confidence)) {
            return "";
        }
        if (isScore) {
            return "score " + Markup.figure(confidence, 3);
        }
        // Three digits would round 0.9996 to 1, a certainty no model has.
        return confidence > 0.999 ? "p > 0.999" : "p " + Markup.figure(confidence, 3);
    }

    /** The report's predictions, each checked against the classes. */
    static List<Prediction> read(ReportJson r, int classes) {
        JsonNode all = r.array("/val_predictions");
        List<Prediction> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            String at = "/val_predictions/" + i;
            String file = r.text(at + "/file");
            if (file == null) {
                throw r.error(at + "/file", "is missing");
            }
            boolean score = !r.has(at + "/probability") && r.has(at + "/score");
            out.add(new Prediction(file, r.classIndex(at + "/label", classes), r.classIndex(at + "/predicted", classes),
                    r.number(at + (score ? "/score" : "/probability")),
                    r.number(at + (score ? "/true_score" : "/true_probability")), score));
        }
        return out;
    }
}
