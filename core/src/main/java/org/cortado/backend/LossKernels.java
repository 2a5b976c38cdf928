package org.cortado.backend;

/**
 * The reference loops of the loss and accuracy operations of {@link Backend} over host arrays: Backend's defaults
 * run them on host copies (the CPU backend's copies are cheap: a loss sees one value per sample and class), a GPU
 * backend runs kernels with the same per-element float formulas and sums in double in another order.
 *
 * <p>Scores are viewed as {@code (outer, channels, inner)} with classes along the middle axis and one label per
 * {@code (outer, inner)} position, at {@code labels[o * inner + i]}.
 */
public final class LossKernels {
    private LossKernels() {
    }

    /**
     * The class index held by {@code labels[position]}: -1 when it equals {@code ignoreLabel} (null: none), else an
     * integer in {@code [0, classes)}.
     *
     * @throws InvalidLabelException for any other value
     */
    public static int classIndex(float[] labels, int position, int classes, Integer ignoreLabel) {
        float v = labels[position];
        if (ignoreLabel != null && v == ignoreLabel) {
            return -1;
        }
        if (!isClassIndex(v, classes)) {
            throw new InvalidLabelException(v, position, classes);
        }
        return (int) v;
    }

    /** Whether {@code v} is an integer in {@code [0, classes)} (NaN is not). */
    public static boolean isClassIndex(float v, int classes) {
        return v == Math.rint(v) && v >= 0 && v < classes;
    }

    /** See {@link Backend#softmaxLossForward}. */
    public static LabelledSum softmaxLoss(float[] prob, float[] labels, int outer, int channels, int inner,
                                          Integer ignoreLabel) {
        double loss = 0;
        long labelled = 0;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int label = classIndex(labels, o * inner + i, channels, ignoreLabel);
                if (label < 0) {
                    continue;
                }
                loss -= Math.log(Math.max(prob[(o * channels + label) * inner + i], Float.MIN_NORMAL));
                labelled++;
            }
        }
        return new LabelledSum(loss, labelled);
    }

    /** See {@link Backend#softmaxLossBackward}. */
    public static void softmaxLossGradient(float[] prob, float[] labels, float[] dinp, int outer, int channels,
                                           int inner, Integer ignoreLabel, float scale) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int label = classIndex(labels, o * inner + i, channels, ignoreLabel);
                for (int c = 0; c < channels; c++) {
                    int idx = (o * channels + c) * inner + i;
                    dinp[idx] = label < 0 ? 0f : (prob[idx] - (c == label ? 1f : 0f)) * scale;
                }
            }
        }
    }

    /** The hinge margin {@code max(0, 1 - t * score)}, {@code t = +1} for the label's class and -1 otherwise. */
    private static float margin(float score, boolean isLabel) {
        return Math.max(0f, 1f - (isLabel ? score : -score));
    }

    /** See {@link Backend#hingeLossForward}. */
    public static double hingeLoss(float[] scores, float[] labels, int num, int dim, boolean squared) {
        double loss = 0;
        for (int n = 0; n < num; n++) {
            int label = classIndex(labels, n, dim, null);
            for (int k = 0; k < dim; k++) {
                float m = margin(scores[n * dim + k], k == label);
                loss += squared ? (double) m * m : m;
            }
        }
        return loss;
    }

    /** See {@link Backend#hingeLossBackward}. */
    public static void hingeLossGradient(float[] scores, float[] labels, float[] dinp, int num, int dim,
                                         boolean squared, float scale) {
        for (int n = 0; n < num; n++) {
            int label = classIndex(labels, n, dim, null);
            for (int k = 0; k < dim; k++) {
                int i = n * dim + k;
                float m = margin(scores[i], k == label);
                float g = squared ? 2f * m : (m > 0f ? 1f : 0f);
                dinp[i] = (k == label ? -g : g) * scale;
            }
        }
    }

    /** See {@link Backend#accuracy}. */
    public static LabelledSum accuracy(float[] scores, float[] labels, int outer, int channels, int inner, int topK,
                                       Integer ignoreLabel) {
        long correct = 0;
        long labelled = 0;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int label = classIndex(labels, o * inner + i, channels, ignoreLabel);
                if (label < 0) {
                    continue;
                }
                float truth = scores[(o * channels + label) * inner + i];
                int better = -1; // the label's own score counts once
                for (int c = 0; c < channels && better < topK; c++) {
                    if (scores[(o * channels + c) * inner + i] >= truth) {
                        better++;
                    }
                }
                if (better < topK) {
                    correct++;
                }
                labelled++;
            }
        }
        return new LabelledSum(correct, labelled);
    }
}
