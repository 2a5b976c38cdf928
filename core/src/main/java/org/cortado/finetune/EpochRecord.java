package org.cortado.finetune;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One line of the training history: after epoch {@code epoch} (0: after initialisation, before any update).
 * Training figures are means over the epoch's passes (augmented images, dropout on); null for epoch 0.
 *
 * @param iteration    solver iterations done
 * @param learningRate the base rate of the epoch's last update (null for epoch 0)
 * @param seconds      wall time since the run (or the resumed run) started
 * @param valAccuracy  validation accuracy of a softmax classifier; null under the target objectives, whose figures
 *                     are {@code valTargets} (absent for a softmax classifier); so is the train accuracy
 */
public record EpochRecord(int epoch, int iteration, Double trainLoss, Double trainAccuracy, double valLoss,
                          Double valAccuracy, Double learningRate, double seconds,
                          @JsonInclude(JsonInclude.Include.NON_NULL) TargetMetrics valTargets) {
    /** A softmax classifier's record. */
    public EpochRecord(int epoch, int iteration, Double trainLoss, Double trainAccuracy, double valLoss,
                       double valAccuracy, Double learningRate, double seconds) {
        this(epoch, iteration, trainLoss, trainAccuracy, valLoss, (Double) valAccuracy, learningRate, seconds, null);
    }

    /** Higher is better: the accuracy, or the targets' {@link TargetMetrics#score}. */
    double score() {
        return valTargets != null ? valTargets.score() : valAccuracy;
    }
}
