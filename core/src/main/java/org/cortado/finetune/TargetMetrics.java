package org.cortado.finetune;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Validation figures of a net trained on target vectors, each beside the trivial baseline that shows whether the net
 * learned anything. Regression (EuclideanLoss): the mean squared error over every output of every row and its root,
 * against predicting the training targets' mean. Multi-label (SigmoidCrossEntropyLoss): a label is predicted present
 * when its probability exceeds 0.5 (its score is above 0) and is present when its target is at least 0.5; the
 * accuracy of each label, their mean and the ratio of rows with every label right, against predicting each label's
 * training majority. When every validation target is one-hot, {@code argmaxAccuracy} is the ratio of rows whose
 * largest output is at the target's 1, for comparison with a softmax classifier.
 *
 * @param kind "regression" or "multi_label"
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TargetMetrics(String kind, int rows, int outputs, Double mse, Double rmse, Double baselineMse,
                            Double baselineRmse, Double meanLabelAccuracy, Double exactMatch,
                            List<Double> labelAccuracy, Double baselineMeanLabelAccuracy, Double baselineExactMatch,
                            Double argmaxAccuracy) {
    public static final String REGRESSION = "regression";
    public static final String MULTI_LABEL = "multi_label";

    /** Higher is better: minus the MSE for regression, the mean label accuracy for multi-label. */
    @JsonIgnore
    public double score() {
        return REGRESSION.equals(kind) ? -mse : meanLabelAccuracy;
    }

    /** The figures in one line, for the log. */
    public String summary() {
        String s = REGRESSION.equals(kind)
                ? String.format(java.util.Locale.ROOT, "val MSE %.6g (RMSE %.4g; predicting the train mean: MSE %.6g)",
                        mse, rmse, baselineMse)
                : String.format(java.util.Locale.ROOT, "val mean label accuracy %.4f, exact match %.4f (majority "
                        + "per label: %.4f, %.4f)", meanLabelAccuracy, exactMatch, baselineMeanLabelAccuracy,
                        baselineExactMatch);
        return argmaxAccuracy == null ? s : s + String.format(java.util.Locale.ROOT, ", argmax accuracy %.4f",
                argmaxAccuracy);
    }
}
