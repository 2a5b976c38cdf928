package org.cortado.finetune;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.data.ImageDataset;
import org.cortado.data.NoUsableImages;
import org.cortado.heads.CrossValidation;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.TrainedHead;
import org.cortado.layers.ConvolutionLayer;
import org.cortado.layers.InnerProductLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.layers.PoolingLayer;
import org.cortado.layers.ReLULayer;
import org.cortado.net.Net;
import org.cortado.tensor.Tensor;

/**
 * Linear probing before fine-tuning (Kumar et al., "Fine-Tuning can Distort Pretrained Features", ICLR 2022): the
 * new classifier starts as a softmax head fitted (L-BFGS, L2, C by repeated cross-validation) on the standardised
 * frozen codes of the training images, so that the first steps do not wreck the pretrained features with the large
 * gradients of a random classifier.
 *
 * <p>The standardisation lives in the net, in the fixed Scale layer {@link NetSurgery#insertStandardization} put
 * before the classifier, so the classifier holds the head's weights in standardised units. The head minimised
 * {@code 0.5 ||W||^2 + C * sum of losses}, i.e. the mean loss plus {@code lambda/2 ||W||^2} with
 * {@code lambda = 1 / (C N)}; training the classifier with weight decay {@code lambda} (see {@link Result#decay})
 * keeps that objective, so that fine-tuning does not start by undoing the probe's regularisation.
 *
 * <p>An InnerProduct classifier takes the head as is. A 1x1 convolution followed by global average pooling (the
 * SqueezeNet form) is fitted on codes averaged over space and sees the padded map, so its weights are the head's
 * times {@code H'W' / HW} (output over input positions). When a ReLU follows the classifier, every class score gets
 * the same offset, large enough that no training position starts below zero: the softmax is unchanged and no class
 * starts dead behind its ReLU.
 */
public final class LinearProbe {
    /**
     * What the probe did.
     *
     * @param c          the head's C
     * @param decay      the weight decay of the classifier's weights that keeps the head's L2 penalty
     * @param reluOffset the offset added to every class score (0 without a following ReLU)
     */
    public record Result(double trainAccuracy, double c, int dimensions, int samples, double decay, double reluOffset,
                  String optimizer) {
    }

    /** Extra room above the lowest training response, as a fraction of the responses' range. */
    static final double OFFSET_MARGIN = 0.1;

    private LinearProbe() {
    }

    static Result initialize(Net net, DataFeed feed, ImageDataset train, String classifier, int classes) {
        int index = net.indexOf(classifier);
        Layer layer = net.layer(classifier);
        int scaleIndex = net.producerOf(index, 0)[0];
        Layer scale = net.layers().get(scaleIndex);
        if (!scale.name().equals(NetSurgery.standardizationOf(classifier))) {
            throw new IllegalStateException(layer + ": linear probing needs the standardisation layer before it");
        }
        Follow follow = follow(net, index);
        boolean conv = layer instanceof ConvolutionLayer;
        if (conv) {
            var g = ((ConvolutionLayer) layer).settings();
            if (g.kernelH() != 1 || g.kernelW() != 1 || g.strideH() != 1 || g.strideW() != 1 || g.group() != 1
                    || !follow.globalAverage()) {
                throw new NetDefinitionException(layer + ": linear probing needs an InnerProduct classifier or a 1x1 "
                        + "stride-1 convolution followed by global average pooling");
            }
        } else if (!(layer instanceof InnerProductLayer ip) || ip.settings().transpose() || ip.settings().axis() != 1) {
            throw new NetDefinitionException(layer + ": linear probing needs an InnerProduct (axis 1, not transposed) "
                    + "or a 1x1 convolution classifier");
        }
        if (layer.params().size() < 2) {
            throw new NetDefinitionException(layer + ": linear probing needs the classifier's bias (bias_term)");
        }
        int n = train.size();
        float[][] codes = new float[n][];
        float[][] maps = new float[n][];
        int[] labels = new int[n];
        int[] mapShape = new int[2];
        Backend backend = net.backend();
        feed.infer(train, (netAfter, batchLabels, samples) -> {
            Tensor in = netAfter.bottomsOf(scaleIndex).get(0);
            float[] host = backend.download(in).hostData();
            int per = in.count() / samples.length;
            int channels = conv ? in.shape().dim(1) : per;
            int area = per / channels;
            mapShape[0] = channels;
            mapShape[1] = area;
            for (int k = 0; k < samples.length; k++) {
                float[] code = new float[channels];
                for (int c = 0; c < channels; c++) {
                    double sum = 0;
                    for (int a = 0; a < area; a++) {
                        sum += host[k * per + c * area + a];
                    }
                    code[c] = (float) (sum / area);
                }
                codes[samples[k]] = code;
                maps[samples[k]] = follow.relu() ? java.util.Arrays.copyOfRange(host, k * per, (k + 1) * per) : null;
                labels[samples[k]] = batchLabels[k];
            }
        });
        int usable = 0;
        for (float[] c : codes) {
            usable += c != null ? 1 : 0;
        }
        if (usable == 0) {
            throw NoUsableImages.error("training", train, feed.skipped());
        }
        float[][] x = new float[usable][];
        float[][] xMaps = new float[usable][];
        int[] y = new int[usable];
        for (int i = 0, k = 0; i < n; i++) {
            if (codes[i] != null) {
                x[k] = codes[i];
                xMaps[k] = maps[i];
                y[k++] = labels[i];
            }
        }
        double c = chooseC(x, y, classes);
        TrainedHead head = TrainedHead.fit(HeadSpec.defaults(HeadType.SOFTMAX).withC(c), x, y, classes);
        double trainAccuracy = head.evaluate(x, y).accuracy();

        int d = mapShape[0];
        double[] mean = head.preprocessor().mean();
        double[] std = head.preprocessor().std();
        float[] scaleValues = new float[d];
        float[] shiftValues = new float[d];
        for (int j = 0; j < d; j++) {
            scaleValues[j] = (float) (1 / std[j]);
            shiftValues[j] = (float) (-mean[j] / std[j]);
        }
        double s = 1;
        if (conv) {
            var out = net.topShapesOf(index).get(0);
            s = out.dim(2) * out.dim(3) / (double) mapShape[1];
        }
        float[] w = new float[classes * d];
        float[] b = new float[classes];
        for (int k = 0; k < classes; k++) {
            b[k] = (float) head.model().bias()[k];
            for (int j = 0; j < d; j++) {
                w[k * d + j] = (float) (head.model().weights()[k][j] * s);
            }
        }
        double offset = 0;
        if (follow.relu()) {
            offset = reluOffset(w, b, xMaps, scaleValues, shiftValues, d, classes);
            for (int k = 0; k < classes; k++) {
                b[k] += (float) offset;
            }
        }
        List<Param> scaleParams = scale.params();
        backend.copy(backend.upload(Tensor.wrap(scaleParams.get(0).shape(), scaleValues)), scaleParams.get(0).data());
        backend.copy(backend.upload(Tensor.wrap(scaleParams.get(1).shape(), shiftValues)), scaleParams.get(1).data());
        List<Param> params = layer.params();
        backend.copy(backend.upload(Tensor.wrap(params.get(0).shape(), w)), params.get(0).data());
        backend.copy(backend.upload(Tensor.wrap(params.get(1).shape(), b)), params.get(1).data());
        double decay = 1 / (head.c() * usable) / (s * s);
        return new Result(trainAccuracy, head.c(), d, usable, decay, offset, head.optimizerSummary());
    }

    /**
     * C by {@link #CV_REPEATS} repetitions of stratified 5-fold cross-validation with fixed fold seeds 0, 1, ...:
     * the C of the best mean accuracy over all folds of all repetitions (ties to the smaller C). One 5-fold split of a
     * few hundred images picks C by a handful of borderline images; averaging ten splits makes the choice stable,
     * and fixed fold seeds make it the same for every run on the same data.
     */
    static double chooseC(float[][] x, int[] y, int classes) {
        double[] grid = GRID;
        double[] mean = new double[grid.length];
        for (int r = 0; r < CV_REPEATS; r++) {
            var result = CrossValidation.run(HeadSpec.defaults(HeadType.SOFTMAX)
                    .withCrossValidation(grid, HeadSpec.DEFAULT_FOLDS, r), x, y, classes);
            for (int g = 0; g < grid.length; g++) {
                mean[g] += result.candidates()[g].meanAccuracy() / CV_REPEATS;
            }
        }
        int best = 0;
        for (int g = 1; g < grid.length; g++) {
            if (mean[g] > mean[best]) {
                best = g;
            }
        }
        return grid[best];
    }

    /**
     * The probe's C values, 1e-5 to 1 in half decades: capped at scikit-learn's default of 1, since on separable
     * codes a weakly regularised head grows weights whose logits, under the dropout before most classifiers, swing by
     * hundreds in the first fine-tuning steps.
     */
    static final double[] GRID = HeadSpec.logGrid(-5, 0, 2);

    /** Repetitions of the cross-validation that chooses the probe's C. */
    static final int CV_REPEATS = 10;

    /**
     * The common offset that lifts every class response at every position of every training map above zero, plus
     * {@link #OFFSET_MARGIN} of their range. Positions in the classifier's padding see only the bias.
     */
    private static double reluOffset(float[] w, float[] b, float[][] maps, float[] scale, float[] shift, int d,
                                     int classes) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            min = Math.min(min, b[k]);
            max = Math.max(max, b[k]);
        }
        for (float[] m : maps) {
            int area = m.length / d;
            for (int k = 0; k < classes; k++) {
                for (int a = 0; a < area; a++) {
                    double r = b[k];
                    for (int j = 0; j < d; j++) {
                        r += (double) w[k * d + j] * (m[j * area + a] * scale[j] + shift[j]);
                    }
                    min = Math.min(min, r);
                    max = Math.max(max, r);
                }
            }
        }
        return Math.max(0, -min) + OFFSET_MARGIN * (max - min);
    }

    /** What follows the classifier: an in-place ReLU, and global average pooling. */
    private record Follow(boolean relu, boolean globalAverage) {
    }

    private static Follow follow(Net net, int index) {
        String top = net.layers().get(index).tops().get(0);
        boolean relu = false;
        boolean globalAverage = false;
        for (int j = index + 1; j < net.layers().size(); j++) {
            Layer l = net.layers().get(j);
            if (!l.bottoms().contains(top)) {
                continue;
            }
            if (l instanceof ReLULayer r && r.settings().negativeSlope() == 0f && l.tops().get(0).equals(top)) {
                relu = true;
            } else if (l instanceof PoolingLayer p && p.settings().method() == PoolingLayer.Method.AVE
                    && p.settings().global()) {
                globalAverage = true;
            }
        }
        return new Follow(relu, globalAverage);
    }
}
