package org.cortado.finetune;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.data.ImageDataset;
import org.cortado.heads.AffineMap;
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
 * Linear probing before fine-tuning: the new classifier starts as a softmax head fitted (L-BFGS, L2, C by 5-fold
 * cross-validation, standardised codes) on the frozen codes of the training images, the classifier's own input.
 * On small data sets this keeps the first fine-tuning steps from wrecking the pretrained features with the large
 * gradients of a random classifier (Kumar et al., "Fine-Tuning can Distort Pretrained Features", ICLR 2022).
 *
 * <p>An InnerProduct classifier takes the head as is. A 1x1 convolution followed by global average pooling (the
 * SqueezeNet form) is fitted on codes averaged over space; since it sees the padded map, its weights are scaled by
 * {@code H'W' / HW} (output over input positions) so that the pooled score equals the head's. When a ReLU follows
 * the classifier, every class score gets the same offset, large enough that no training-image position starts
 * below zero: the softmax does not change, and no class starts dead behind its ReLU.
 */
final class LinearProbe {
    /** What the probe did, for the report. */
    record Result(double trainAccuracy, double c, int dimensions, double reluOffset, String optimizer) {
    }

    /** Extra room above the lowest training response, as a fraction of the responses' range. */
    static final double OFFSET_MARGIN = 0.1;

    private LinearProbe() {
    }

    static Result initialize(Net net, DataFeed feed, ImageDataset train, String classifier, int classes, long seed) {
        int index = net.indexOf(classifier);
        Layer layer = net.layer(classifier);
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
        int n = train.size();
        float[][] codes = new float[n][];
        float[][] maps = new float[n][];
        int[] labels = new int[n];
        boolean[] seen = new boolean[n];
        int[] mapShape = new int[3];
        Backend backend = net.backend();
        feed.infer(train, (netAfter, batchLabels, samples) -> {
            Tensor in = netAfter.bottomsOf(index).get(0);
            float[] host = backend.download(in).hostData();
            int per = in.count() / samples.length;
            int channels = conv ? in.shape().dim(1) : per;
            int area = per / channels;
            mapShape[0] = channels;
            mapShape[1] = conv ? in.shape().dim(2) : 1;
            mapShape[2] = conv ? in.shape().dim(3) : 1;
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
                seen[samples[k]] = true;
            }
        });
        int usable = 0;
        for (boolean s : seen) {
            usable += s ? 1 : 0;
        }
        float[][] x = new float[usable][];
        float[][] xMaps = new float[usable][];
        int[] y = new int[usable];
        for (int i = 0, k = 0; i < n; i++) {
            if (seen[i]) {
                x[k] = codes[i];
                xMaps[k] = maps[i];
                y[k++] = labels[i];
            }
        }
        HeadSpec spec = HeadSpec.defaults(HeadType.SOFTMAX)
                .withCrossValidation(HeadSpec.DEFAULT_GRID, HeadSpec.DEFAULT_FOLDS, seed);
        TrainedHead head = TrainedHead.fit(spec, x, y, classes);
        AffineMap map = head.affineOnRawCodes();
        double trainAccuracy = head.evaluate(x, y).accuracy();

        int d = mapShape[0];
        List<Param> params = layer.params();
        float scale = 1f;
        if (conv) {
            var out = net.topShapesOf(index).get(0);
            double inArea = (double) mapShape[1] * mapShape[2];
            scale = (float) (out.dim(2) * out.dim(3) / inArea);
        }
        float[] w = new float[classes * d];
        float[] b = map.bias().clone();
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < d; j++) {
                w[k * d + j] = map.weights()[k][j] * scale;
            }
        }
        double offset = 0;
        if (follow.relu()) {
            offset = reluOffset(w, b, xMaps, d, classes);
            for (int k = 0; k < classes; k++) {
                b[k] += (float) offset;
            }
        }
        backend.copy(backend.upload(Tensor.wrap(params.get(0).shape(), w)), params.get(0).data());
        if (params.size() > 1) {
            backend.copy(backend.upload(Tensor.wrap(params.get(1).shape(), b)), params.get(1).data());
        } else if (offset != 0 || java.util.Arrays.stream(toDouble(map.bias())).anyMatch(v -> v != 0)) {
            throw new NetDefinitionException(layer + ": linear probing needs the classifier's bias (bias_term)");
        }
        return new Result(trainAccuracy, head.c(), d, offset, head.optimizerSummary());
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /**
     * The common offset that lifts every class response {@code w_k . x_p + b_k} at every position {@code p} of every
     * training map above zero, plus {@link #OFFSET_MARGIN} of their range (positions in the padding see only
     * {@code b_k}).
     */
    private static double reluOffset(float[] w, float[] b, float[][] maps, int d, int classes) {
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
                        r += (double) w[k * d + j] * m[j * area + a];
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
