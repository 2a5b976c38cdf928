package org.cortado.heads;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.cortado.data.DecodeWarning;
import org.cortado.json.FileNotes;
import org.cortado.data.Skipped;
import org.cortado.features.FeatureSet;
import org.cortado.io.JsonReport;
import org.cortado.json.JsonTree;

/**
 * The JSON report of a trained head (architecture.md's contract): {@code val_accuracy}, {@code train_accuracy},
 * {@code n_train}, {@code n_val}, {@code skipped} (file and reason each), {@code warnings} (images used despite
 * damage their decoder got past: file and reason each), and the head, C and how it was chosen, the
 * cross-validation table, the preprocessing, per-class precision/recall/F1 and the confusion matrix (rows: true
 * class, columns: predicted). The command line adds its own fields (model, layer, timings).
 */
public final class HeadReport {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private HeadReport() {
    }

    /**
     * The report.
     *
     * @param head    the trained head
     * @param classes class names, indexed by label
     * @param train   the head's evaluation on its training codes
     * @param val     its evaluation on the validation codes, or null when there are none
     * @param skipped images left out of training or validation
     */
    public static JsonReport toJson(TrainedHead head, List<String> classes, Evaluation train, Evaluation val,
            List<Skipped> skipped) {
        return toJson(head, classes, train, val, skipped, List.of());
    }

    /**
     * The report, with the images that were used despite decoder warnings.
     *
     * @param warnings images of training or validation decoded despite damage, with the decoder's warning
     */
    public static JsonReport toJson(TrainedHead head, List<String> classes, Evaluation train, Evaluation val,
            List<Skipped> skipped, List<DecodeWarning> warnings) {
        ObjectNode r = JSON.objectNode();
        HeadSpec spec = head.spec();
        r.put("head", spec.type().id());
        if (spec.type() == HeadType.SVM) {
            r.put("loss", spec.svmLoss().id());
            r.put("bias_feature", spec.svmBias());
        }
        r.put("preprocessing", spec.preprocessing().id());
        r.put("c", head.c());
        r.put("c_selection", head.crossValidation() == null ? "given" : "cross-validation");
        r.put("val_accuracy", val == null ? null : val.accuracy());
        r.put("train_accuracy", train.accuracy());
        r.put("n_train", train.count());
        r.put("n_val", val == null ? 0 : val.count());
        ArrayNode names = r.putArray("classes");
        classes.forEach(names::add);
        if (val != null) {
            r.set("per_class", perClass(classes, val));
            r.set("confusion", matrix(val.confusion()));
        }
        r.set("train_confusion", matrix(train.confusion()));
        r.put("confusion_layout", "rows: true class, columns: predicted class, in the order of classes");
        r.set("skipped", FileNotes.toJson(skipped));
        r.set("warnings", FileNotes.toJson(warnings));
        if (head.crossValidation() != null) {
            r.set("cross_validation", crossValidation(head.crossValidation(), spec.seed()));
        }
        r.put("optimizer", head.optimizerSummary());
        r.put("converged", head.converged());
        return JsonTree.of(r);
    }

    /**
     * {@code report} with {@code val_predictions} added at its end: the head's prediction for every row of
     * {@code set} ({@link #predictions}).
     */
    public static JsonReport withPredictions(JsonReport report, TrainedHead head, FeatureSet set) {
        return withPredictions(report, head.spec().type(), set.files(), set.labels(), head.scores(set.rowArrays()));
    }

    /**
     * As {@link #withPredictions(JsonReport, TrainedHead, FeatureSet)}, from a head's class scores of each file
     * computed elsewhere (such as by Spark's executors).
     */
    public static JsonReport withPredictions(JsonReport report, HeadType type, List<String> files, int[] labels,
            double[][] scores) {
        ObjectNode r = JsonTree.edit(report);
        r.set("val_predictions", predictions(type, files, labels, scores));
        return JsonTree.of(r);
    }

    /**
     * The head's prediction for every row of {@code set}, for the report's {@code val_predictions}: {@code file},
     * {@code label} (true class index), {@code predicted} (first maximum), and for a softmax head the
     * {@code probability} of the predicted class and the {@code true_probability} of the true one; an SVM gives
     * decision values instead ({@code score}, {@code true_score}), which are not probabilities.
     */
    private static ArrayNode predictions(HeadType type, List<String> files, int[] labels, double[][] scores) {
        boolean softmax = type == HeadType.SOFTMAX;
        ArrayNode a = JSON.arrayNode();
        for (int i = 0; i < scores.length; i++) {
            double[] s = softmax ? softmax(scores[i]) : scores[i];
            int best = 0;
            for (int k = 1; k < s.length; k++) {
                if (s[k] > s[best]) {
                    best = k;
                }
            }
            int label = labels[i];
            a.addObject().put("file", files.get(i)).put("label", label).put("predicted", best)
                    .put(softmax ? "probability" : "score", s[best])
                    .put(softmax ? "true_probability" : "true_score", s[label]);
        }
        return a;
    }

    /** The softmax of a score vector, in double. */
    public static double[] softmax(double[] s) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : s) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[s.length];
        for (int k = 0; k < s.length; k++) {
            p[k] = Math.exp(s[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < s.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    private static ArrayNode perClass(List<String> classes, Evaluation e) {
        ArrayNode a = JSON.arrayNode();
        for (int k = 0; k < classes.size(); k++) {
            a.addObject().put("class", classes.get(k)).put("precision", e.precision()[k])
                    .put("recall", e.recall()[k]).put("f1", e.f1()[k]).put("support", e.support()[k]);
        }
        return a;
    }

    private static ArrayNode matrix(int[][] m) {
        ArrayNode rows = JSON.arrayNode();
        for (int[] row : m) {
            ArrayNode r = rows.addArray();
            for (int v : row) {
                r.add(v);
            }
        }
        return rows;
    }

    private static ObjectNode crossValidation(CrossValidation.Result cv, long seed) {
        ObjectNode o = JSON.objectNode();
        o.put("folds", cv.folds());
        o.put("seed", seed);
        o.put("best_c", cv.bestC());
        ArrayNode cands = o.putArray("candidates");
        for (CrossValidation.Candidate c : cv.candidates()) {
            ObjectNode n = cands.addObject().put("c", c.c()).put("mean_accuracy", c.meanAccuracy())
                    .put("std_accuracy", c.stdAccuracy());
            ArrayNode folds = n.putArray("fold_accuracy");
            for (double a : c.foldAccuracy()) {
                folds.add(a);
            }
        }
        return o;
    }
}
