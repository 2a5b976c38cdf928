package org.cortado.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Accumulates a validation pass of a net trained on target vectors and gives its {@link TargetMetrics}; the
 * baselines come from the training targets.
 */
final class TargetEvaluation {
    private final boolean regression;
    private final int k;
    private final double[] baseline;
    private final double[] squared = new double[2];
    private final long[] labelRight;
    private final long[] baselineRight;
    private long exact;
    private long baselineExact;
    private long argmaxRight;
    private boolean oneHot = true;
    private int rows;

    /**
     * @param objective     SIGMOID_CROSS_ENTROPY or EUCLIDEAN
     * @param trainTargets  the training rows' targets, K each
     */
    TargetEvaluation(Objective objective, List<float[]> trainTargets, int k) {
        if (!objective.hasTargets()) {
            throw new IllegalArgumentException(objective + " has no target vectors");
        }
        this.regression = objective == Objective.EUCLIDEAN;
        this.k = k;
        this.labelRight = new long[k];
        this.baselineRight = new long[k];
        this.baseline = new double[k];
        // Regression: the mean of each output; multi-label: 1 where more than half of the rows have the label.
        for (float[] t : trainTargets) {
            for (int c = 0; c < k; c++) {
                baseline[c] += regression ? t[c] : (present(t[c]) ? 1 : 0);
            }
        }
        for (int c = 0; c < k; c++) {
            baseline[c] /= Math.max(1, trainTargets.size());
            if (!regression) {
                baseline[c] = baseline[c] > 0.5 ? 1 : 0;
            }
        }
    }

    private static boolean present(float target) {
        return target >= 0.5f;
    }

    /** One validation row: the net's K outputs (scores: logits under the sigmoid loss) and its target. */
    void add(float[] output, int offset, float[] target) {
        rows++;
        boolean allRight = true;
        boolean baselineAllRight = true;
        int best = 0;
        int hot = -1;
        int ones = 0;
        for (int c = 0; c < k; c++) {
            float y = output[offset + c];
            if (y > output[offset + best]) {
                best = c;
            }
            if (target[c] == 1f) {
                hot = c;
                ones++;
            } else if (target[c] != 0f) {
                ones = 2;
            }
            if (regression) {
                squared[0] += (y - (double) target[c]) * (y - (double) target[c]);
                squared[1] += (baseline[c] - target[c]) * (baseline[c] - target[c]);
            } else {
                boolean truth = present(target[c]);
                boolean right = (y > 0) == truth;
                boolean baselineRightNow = (baseline[c] == 1) == truth;
                labelRight[c] += right ? 1 : 0;
                baselineRight[c] += baselineRightNow ? 1 : 0;
                allRight &= right;
                baselineAllRight &= baselineRightNow;
            }
        }
        exact += allRight ? 1 : 0;
        baselineExact += baselineAllRight ? 1 : 0;
        oneHot &= ones == 1;
        argmaxRight += best == hot ? 1 : 0;
    }

    int rows() {
        return rows;
    }

    TargetMetrics metrics() {
        Double argmax = oneHot && rows > 0 ? argmaxRight / (double) rows : null;
        if (regression) {
            double n = (double) rows * k;
            double mse = squared[0] / n;
            double base = squared[1] / n;
            return new TargetMetrics(TargetMetrics.REGRESSION, rows, k, mse, Math.sqrt(mse), base, Math.sqrt(base),
                    null, null, null, null, null, argmax);
        }
        List<Double> perLabel = new ArrayList<>();
        double mean = 0;
        double baseMean = 0;
        for (int c = 0; c < k; c++) {
            perLabel.add(labelRight[c] / (double) rows);
            mean += labelRight[c] / (double) rows / k;
            baseMean += baselineRight[c] / (double) rows / k;
        }
        return new TargetMetrics(TargetMetrics.MULTI_LABEL, rows, k, null, null, null, null, mean,
                exact / (double) rows, perLabel, baseMean, baselineExact / (double) rows, argmax);
    }

    /** A validation row's prediction: its target and the net's outputs (probabilities under the sigmoid). */
    static Map<String, Object> prediction(Objective objective, String file, float[] target, float[] scores,
                                          int offset, int k) {
        List<Double> output = new ArrayList<>();
        List<Double> wanted = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            double y = scores[offset + c];
            output.add(objective == Objective.SIGMOID_CROSS_ENTROPY ? 1 / (1 + Math.exp(-y)) : y);
            wanted.add((double) target[c]);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("file", file);
        p.put("target", wanted);
        p.put(objective == Objective.SIGMOID_CROSS_ENTROPY ? "probability" : "output", output);
        return p;
    }
}
