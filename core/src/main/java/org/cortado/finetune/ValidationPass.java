package org.cortado.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.data.Hdf5Data;
import org.cortado.data.ImageDataset;
import org.cortado.data.NoUsableImages;
import org.cortado.heads.HeadReport;
import org.cortado.tensor.Tensor;

/**
 * One pass of the training net over the validation set, as {@link FineTuner} runs it after every epoch: the mean loss,
 * the accuracy (or, for a target objective, the target metrics) and one prediction per image for the report.
 */
final class ValidationPass {
    /** What one pass found; {@code accuracy} is null for a target objective, {@code targets} null otherwise. */
    record Outcome(double loss, Double accuracy, TargetMetrics targets, List<Map<String, Object>> predictions) {
    }

    private final DataFeed feed;
    private final NetSurgery.TrainingNet training;
    private final ImageDataset val;
    private final Objective objective;
    /** The training set's targets, which a target objective's metrics compare against; empty otherwise. */
    private final List<float[]> trainTargets;

    ValidationPass(DataFeed feed, NetSurgery.TrainingNet training, ImageDataset val, Objective objective,
                   List<float[]> trainTargets) {
        this.feed = feed;
        this.training = training;
        this.val = val;
        this.objective = objective;
        this.trainTargets = trainTargets;
    }

    Outcome run() {
        double[] sums = new double[3];
        List<Map<String, Object>> predictions = new ArrayList<>();
        TargetEvaluation targets = objective.hasTargets()
                ? new TargetEvaluation(objective, trainTargets, val.classes().size()) : null;
        feed.infer(val, (n, labels, samples) -> {
            Tensor scores = n.backend().download(n.blob(training.scores()));
            int k = scores.count() / labels.length;
            for (int i = 0; targets != null && i < labels.length; i++) {
                var sample = val.samples().get(samples[i]);
                float[] target = Hdf5Data.target(sample);
                targets.add(scores.hostData(), i * k, target);
                predictions.add(TargetEvaluation.prediction(objective, sample.file().toString(), target,
                        scores.hostData(), i * k, k));
            }
            for (int i = 0; targets == null && i < labels.length; i++) {
                predictions.add(classPrediction(scores.hostData(), i * k, k, labels[i],
                        val.samples().get(samples[i]).file().toString()));
            }
            float loss = n.backend().download(n.blob(training.loss())).hostData()[0];
            float acc = targets != null ? 0 : n.backend().download(n.blob(training.accuracy())).hostData()[0];
            sums[0] += (double) loss * labels.length;
            sums[1] += (double) acc * labels.length;
            sums[2] += labels.length;
        });
        if (sums[2] == 0) {
            throw NoUsableImages.error("validation", val, feed.skipped());
        }
        return new Outcome(sums[0] / sums[2], targets == null ? sums[1] / sums[2] : null,
                targets == null ? null : targets.metrics(), predictions);
    }

    /** The report's entry for one image of a classification: the arg-max class and the softmax of the scores. */
    private static Map<String, Object> classPrediction(float[] scores, int offset, int k, int label, String file) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (scores[offset + c] > scores[offset + best]) {
                best = c;
            }
        }
        double[] probability = new double[k];
        for (int c = 0; c < k; c++) {
            probability[c] = scores[offset + c];
        }
        probability = HeadReport.softmax(probability);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("file", file);
        p.put("label", label);
        p.put("predicted", best);
        p.put("probability", probability[best]);
        p.put("true_probability", probability[label]);
        return p;
    }
}
