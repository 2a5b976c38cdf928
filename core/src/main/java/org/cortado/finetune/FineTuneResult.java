package org.cortado.finetune;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * What a fine-tuning run did: the JSON report (architecture.md's contract fields {@code val_accuracy},
 * {@code train_accuracy}, {@code n_train}, {@code n_val}, {@code skipped}, {@code warnings}, plus the history and
 * the settings).
 *
 * @param valAccuracy      validation accuracy of the final net
 * @param trainAccuracy    running training accuracy of the last epoch (augmented images, dropout on)
 * @param bestValAccuracy  the best validation accuracy after any epoch (epoch 0: the initialised net)
 * @param bestEpoch        the epoch that reached it
 * @param skipped          files left out, each with its reason
 * @param warnings         files used despite damage their decoder got past, each with its warning (as "reason")
 * @param cachedThrough    the last layer of a frozen prefix whose outputs were computed once, or null
 * @param linearProbe      what linear probing did, or null
 * @param frozenParams     parameter blobs frozen by {@code freeze_through}
 * @param learnedParams    parameter blobs that learn
 * @param imagesPerSecond  training throughput (training passes only)
 * @param wallSeconds      wall time of the whole run
 * @param valPredictions   per validation image of the final net: file, label, predicted class (first maximum), the
 *                         probability of the predicted class and of the true one (softmax of the scores)
 * @param exported         the exported files (deploy, caffemodel), or null
 * @param iterationLog     loss and learning rate of every iteration, one log per run (a resumed run adds one)
 * @param layers           every layer with parameters: its multipliers, and whether it was frozen
 * @param objective        what the new layer was trained for ({@link Objective#id}): softmax, sigmoid_cross_entropy
 *                         or euclidean; under the last two the accuracies are null and {@code valTargets} and
 *                         {@code bestValTargets} (after {@code bestEpoch}, the best by {@link TargetMetrics#score})
 *                         hold the figures, and each validation prediction has the row's target and outputs
 */
public record FineTuneResult(Double valAccuracy, Double trainAccuracy, Double bestValAccuracy, int bestEpoch,
                             int nTrain, int nVal, List<Map<String, String>> skipped,
                             List<Map<String, String>> warnings, List<String> classes,
                             String replaced, String newLayer, String freezeThrough, String cachedThrough,
                             LinearProbe.Result linearProbe, int frozenParams, int learnedParams, int iterations,
                             double imagesPerSecond, double wallSeconds, List<EpochRecord> history,
                             List<Map<String, Object>> valPredictions, Map<String, Object> settings,
                             Map<String, String> exported, List<IterationLog> iterationLog,
                             List<LayerSettings> layers, String objective,
                             @JsonInclude(JsonInclude.Include.NON_NULL) TargetMetrics valTargets,
                             @JsonInclude(JsonInclude.Include.NON_NULL) TargetMetrics bestValTargets) {
}
