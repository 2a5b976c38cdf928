package org.cortado.backend.cpu;

import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LabelledSum;
import org.cortado.backend.LossKernels;

/**
 * Reference loops of the losses besides softmax and hinge (those are {@link LossKernels}): sigmoid cross-entropy,
 * multinomial logistic, infogain and contrastive, as Caffe's CPU code computes them, each loss summed in double; the
 * oracle of the GPU's {@code cross_entropy.cu} and {@code contrastive.cu}. Gradients are per element in float.
 */
public final class CpuLosses {
    /** Probabilities are clamped to at least this before their log (Caffe's kLOG_THRESHOLD). */
    public static final float LOG_THRESHOLD = 1e-20f;
    /** Added to the distance in the contrastive gradient's divisor (Caffe's constant). */
    public static final float CONTRASTIVE_DIVISOR_SLACK = 1e-4f;

    private CpuLosses() {
    }

    /**
     * Whether a target is ignored: Caffe compares {@code static_cast<int>(target)} with ignore_label, so 2.7 counts
     * as 2.
     */
    static boolean ignored(float target, Integer ignoreLabel) {
        return ignoreLabel != null && (int) target == ignoreLabel;
    }

    /**
     * Sigmoid cross-entropy over all elements whose target is not ignored: {@code sum} of Caffe's stable
     * {@code -(x (t - [x >= 0]) - log(1 + exp(x - 2 x [x >= 0])))}, {@code labelled} their number.
     */
    public static LabelledSum sigmoidCrossEntropy(float[] x, float[] t, int count, Integer ignoreLabel) {
        double loss = 0;
        long valid = 0;
        for (int i = 0; i < count; i++) {
            if (ignored(t[i], ignoreLabel)) {
                continue;
            }
            float v = x[i];
            float positive = v >= 0 ? 1f : 0f;
            loss -= v * (t[i] - positive) - (float) Math.log(1 + (float) Math.exp(v - 2 * v * positive));
            valid++;
        }
        return new LabelledSum(loss, valid);
    }

    /** Its gradient: {@code dx = (sigmoid - t) * scale}, 0 where the target is ignored. */
    public static void sigmoidCrossEntropyGradient(float[] sigmoid, float[] t, float[] dx, int count,
                                                   Integer ignoreLabel, float scale) {
        for (int i = 0; i < count; i++) {
            dx[i] = ignored(t[i], ignoreLabel) ? 0f : (sigmoid[i] - t[i]) * scale;
        }
    }

    /**
     * Multinomial logistic loss of probabilities {@code (num, dim)}: {@code sum over n of -log(max(prob[n, label],
     * 1e-20))}.
     *
     * @throws InvalidLabelException for the first label that is not a class index in {@code [0, dim)}
     */
    public static double multinomialLogistic(float[] prob, float[] labels, int num, int dim) {
        double loss = 0;
        for (int n = 0; n < num; n++) {
            int label = LossKernels.classIndex(labels, n, dim, null);
            loss -= Math.log(Math.max(prob[n * dim + label], LOG_THRESHOLD));
        }
        return loss;
    }

    /** Its gradient: 0 except {@code dx[n, label] = scale / max(prob[n, label], 1e-20)}. */
    public static void multinomialLogisticGradient(float[] prob, float[] labels, float[] dx, int num, int dim,
                                                   float scale) {
        java.util.Arrays.fill(dx, 0, num * dim, 0f);
        for (int n = 0; n < num; n++) {
            int at = n * dim + (int) labels[n];
            dx[at] = scale / Math.max(prob[at], LOG_THRESHOLD);
        }
    }

    /**
     * Infogain loss of probabilities {@code (outer, channels, inner)} with the {@code channels x channels} matrix
     * {@code h}: {@code sum} over labelled positions of {@code -sum over l of h[label, l] log(max(prob[l], 1e-20))},
     * {@code labelled} their number.
     *
     * @throws InvalidLabelException for the first label (lowest position) that is neither ignored nor a class index
     */
    public static LabelledSum infogain(float[] prob, float[] labels, float[] h, int outer, int channels, int inner,
                                       Integer ignoreLabel) {
        double loss = 0;
        long valid = 0;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int position = o * inner + i;
                if (ignored(labels[position], ignoreLabel)) {
                    continue;
                }
                int label = LossKernels.classIndex(labels, position, channels, null);
                for (int l = 0; l < channels; l++) {
                    float p = Math.max(prob[(o * channels + l) * inner + i], LOG_THRESHOLD);
                    loss -= h[label * channels + l] * Math.log(p);
                }
                valid++;
            }
        }
        return new LabelledSum(loss, valid);
    }

    /**
     * Its gradient with respect to the scores under the softmax: {@code dx[l] = (prob[l] * rowSum(h[label]) -
     * h[label, l]) * scale}, 0 at ignored positions (the row sum in float, in column order, as Caffe).
     */
    public static void infogainGradient(float[] prob, float[] labels, float[] h, float[] dx, int outer, int channels,
                                        int inner, Integer ignoreLabel, float scale) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int position = o * inner + i;
                boolean skip = ignored(labels[position], ignoreLabel);
                int label = skip ? 0 : (int) labels[position];
                float rowSum = 0f;
                for (int l = 0; l < channels && !skip; l++) {
                    rowSum += h[label * channels + l];
                }
                for (int l = 0; l < channels; l++) {
                    int at = (o * channels + l) * inner + i;
                    dx[at] = skip ? 0f : (prob[at] * rowSum - h[label * channels + l]) * scale;
                }
            }
        }
    }

    /**
     * Contrastive loss of feature pairs {@code a, b (num, channels)} with similarity labels {@code y (num)} (similar
     * when {@code (int) y != 0}): {@code distSq[n] = |a_n - b_n|^2} is written (float), and the sum over pairs of
     * {@code distSq} (similar) or {@code max(margin - sqrt(distSq), 0)^2} ({@code max(margin - distSq, 0)} with
     * {@code legacy}) is returned.
     */
    public static double contrastive(float[] a, float[] b, float[] y, float[] distSq, int num, int channels,
                                     float margin, boolean legacy) {
        double loss = 0;
        for (int n = 0; n < num; n++) {
            double d2 = 0;
            for (int c = n * channels; c < (n + 1) * channels; c++) {
                float diff = a[c] - b[c];
                d2 += diff * diff;
            }
            float dist2 = (float) d2;
            distSq[n] = dist2;
            if ((int) y[n] != 0) {
                loss += dist2;
            } else if (legacy) {
                loss += Math.max(margin - dist2, 0f);
            } else {
                float m = Math.max(margin - (float) Math.sqrt(dist2), 0f);
                loss += m * m;
            }
        }
        return loss;
    }

    /**
     * Its gradient for one of the two feature bottoms, {@code alpha = ±lossWeight / num} (+ for {@code a}, - for
     * {@code b}): {@code dx_n = alpha (a_n - b_n)} for similar pairs; for dissimilar ones, where the margin is not
     * met, {@code -alpha (a_n - b_n)} (legacy) or {@code -alpha (margin - d) / (d + 1e-4) (a_n - b_n)}, else 0.
     */
    public static void contrastiveGradient(float[] a, float[] b, float[] y, float[] distSq, float[] dx, int num,
                                           int channels, float margin, boolean legacy, float alpha) {
        for (int n = 0; n < num; n++) {
            float beta;
            if ((int) y[n] != 0) {
                beta = alpha;
            } else {
                float mdist;
                if (legacy) {
                    mdist = margin - distSq[n];
                    beta = -alpha;
                } else {
                    float dist = (float) Math.sqrt(distSq[n]);
                    mdist = margin - dist;
                    beta = -alpha * mdist / (dist + CONTRASTIVE_DIVISOR_SLACK);
                }
                if (!(mdist > 0f)) {
                    beta = 0f;
                }
            }
            for (int c = n * channels; c < (n + 1) * channels; c++) {
                dx[c] = beta == 0f ? 0f : beta * (a[c] - b[c]);
            }
        }
    }
}
