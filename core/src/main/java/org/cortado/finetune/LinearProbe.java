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
     * What the probe did. Under a target objective ({@link #initializeTargets}) {@code trainAccuracy} is the training
     * MSE (EuclideanLoss) or mean label accuracy (SigmoidCrossEntropyLoss) and {@code optimizer} names the fit.
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
        Codes codes = Codes.of(net, feed, train, classifier);
        float[][] x = codes.x;
        int[] y = new int[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = train.samples().get(codes.samples[i]).label();
        }
        double c = chooseC(x, y, classes);
        TrainedHead head = TrainedHead.fit(HeadSpec.defaults(HeadType.SOFTMAX).withC(c), x, y, classes);
        double trainAccuracy = head.evaluate(x, y).accuracy();
        double[][] w = head.model().weights();
        double[] b = head.model().bias();
        double s = codes.fold(head.preprocessor().mean(), head.preprocessor().std(), w, b, true);
        double decay = 1 / (head.c() * codes.x.length) / (s * s);
        return new Result(trainAccuracy, head.c(), codes.d, x.length, decay, codes.offset, head.optimizerSummary());
    }

    /**
     * The probe of a target objective: ridge regression (EuclideanLoss) or a logistic regression per label
     * (SigmoidCrossEntropyLoss) on the standardised codes, fitted by {@link TargetHeads} with the penalty chosen by
     * cross-validation and folded in as the softmax head is. When a ReLU follows the classifier, the outputs get the
     * softmax probe's offset, so that no training position starts below zero, and the fixed Bias layer that
     * {@link NetSurgery#insertOutputShift} put on the net's outputs takes it off again: the net's outputs are the
     * head's, where an unlifted ReLU would clip each position's negative responses before the pooling.
     * The result's {@code trainAccuracy} is the training MSE, or the training mean label accuracy, and its
     * {@code c} is {@code 1 / (lambda N)}, the softmax probe's C for the same penalty.
     */
    static Result initializeTargets(Net net, DataFeed feed, ImageDataset train, String classifier,
                                    Objective objective) {
        Codes codes = Codes.of(net, feed, train, classifier);
        float[][] t = new float[codes.x.length][];
        for (int i = 0; i < t.length; i++) {
            t[i] = org.cortado.data.Hdf5Data.target(train.samples().get(codes.samples[i]));
        }
        org.cortado.heads.Preprocessor standardize = org.cortado.heads.Preprocessor.fit(
                org.cortado.heads.Preprocessing.STANDARDIZE, codes.x);
        float[][] z = standardize.apply(codes.x);
        TargetHeads.Fit fit = objective == Objective.EUCLIDEAN ? TargetHeads.ridge(z, t)
                : TargetHeads.logistic(z, t);
        Layer shift = net.layers().stream().filter(l -> l.name().equals(NetSurgery.outputShiftOf(classifier)))
                .findFirst().orElse(null);
        double s = codes.fold(standardize.mean(), standardize.std(), fit.weights(), fit.bias(), shift != null);
        if (shift != null) {
            float[] down = new float[fit.bias().length];
            java.util.Arrays.fill(down, (float) -codes.offset);
            Param p = shift.params().get(0);
            net.backend().copy(net.backend().upload(Tensor.wrap(p.shape(), down)), p.data());
        }
        return new Result(fit.trainFigure(), 1 / (fit.lambda() * z.length), codes.d, z.length,
                fit.lambda() / (s * s), codes.offset, fit.method());
    }

    /** The log line of a target probe. */
    static String describeTargets(Result probe, Objective objective, String classifier) {
        return String.format(java.util.Locale.ROOT, "linear probe: %s on %d standardised %d-D codes, train %s %.4g%s",
                probe.optimizer(), probe.samples(), probe.dimensions(), objective == Objective.EUCLIDEAN ? "MSE"
                : "mean label accuracy", probe.trainAccuracy(), probe.reluOffset() > 0 ? String.format(
                java.util.Locale.ROOT, "; outputs lifted by %.3g above the ReLU after %s, and lowered as much by the "
                + "fixed %s", probe.reluOffset(), classifier, NetSurgery.outputShiftOf(classifier)) : "");
    }

    /**
     * The classifier's input codes of the usable training images (averaged over space), in data set order, with
     * what folding a head into the net needs.
     */
    private static final class Codes {
        Net net;
        Layer layer;
        Layer scale;
        int index;
        boolean conv;
        Follow follow;
        float[][] x;
        float[][] maps;
        int[] samples;
        int d;
        int area;
        double offset;

        static Codes of(Net net, DataFeed feed, ImageDataset train, String classifier) {
            Codes out = new Codes();
            out.net = net;
            out.index = net.indexOf(classifier);
            out.layer = net.layer(classifier);
            int scaleIndex = net.producerOf(out.index, 0)[0];
            out.scale = net.layers().get(scaleIndex);
            Layer layer = out.layer;
            if (!out.scale.name().equals(NetSurgery.standardizationOf(classifier))) {
                throw new IllegalStateException(layer + ": linear probing needs the standardisation layer before it");
            }
            out.follow = follow(net, out.index);
            out.conv = layer instanceof ConvolutionLayer;
            if (out.conv) {
                var g = ((ConvolutionLayer) layer).settings();
                if (g.kernelH() != 1 || g.kernelW() != 1 || g.strideH() != 1 || g.strideW() != 1 || g.group() != 1
                        || !out.follow.globalAverage()) {
                    throw new NetDefinitionException(layer + ": linear probing needs an InnerProduct classifier or a "
                            + "1x1 stride-1 convolution followed by global average pooling");
                }
            } else if (!(layer instanceof InnerProductLayer ip) || ip.settings().transpose()
                    || ip.settings().axis() != 1) {
                throw new NetDefinitionException(layer + ": linear probing needs an InnerProduct (axis 1, not "
                        + "transposed) or a 1x1 convolution classifier");
            }
            if (layer.params().size() < 2) {
                throw new NetDefinitionException(layer + ": linear probing needs the classifier's bias (bias_term)");
            }
            int n = train.size();
            float[][] codes = new float[n][];
            float[][] maps = new float[n][];
            int[] mapShape = new int[2];
            Backend backend = net.backend();
            boolean conv = out.conv;
            boolean keepMaps = out.follow.relu();
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
                    maps[samples[k]] = keepMaps ? java.util.Arrays.copyOfRange(host, k * per, (k + 1) * per) : null;
                }
            });
            int usable = 0;
            for (float[] c : codes) {
                usable += c != null ? 1 : 0;
            }
            if (usable == 0) {
                throw NoUsableImages.error("training", train, feed.skipped());
            }
            out.x = new float[usable][];
            out.maps = new float[usable][];
            out.samples = new int[usable];
            for (int i = 0, k = 0; i < n; i++) {
                if (codes[i] != null) {
                    out.x[k] = codes[i];
                    out.maps[k] = maps[i];
                    out.samples[k++] = i;
                }
            }
            out.d = mapShape[0];
            out.area = mapShape[1];
            return out;
        }

        /**
         * Writes the standardisation and the head ({@code w[k][d]}, {@code b[k]}, in standardised units) into the
         * net; with {@code reluOffset}, lifts every output above a following ReLU. Returns the spatial factor.
         */
        double fold(double[] mean, double[] std, double[][] hw, double[] hb, boolean reluOffset) {
            int classes = hb.length;
            float[] scaleValues = new float[d];
            float[] shiftValues = new float[d];
            for (int j = 0; j < d; j++) {
                scaleValues[j] = (float) (1 / std[j]);
                shiftValues[j] = (float) (-mean[j] / std[j]);
            }
            double s = 1;
            if (conv) {
                var out = net.topShapesOf(index).get(0);
                s = out.dim(2) * out.dim(3) / (double) area;
            }
            float[] w = new float[classes * d];
            float[] b = new float[classes];
            for (int k = 0; k < classes; k++) {
                b[k] = (float) hb[k];
                for (int j = 0; j < d; j++) {
                    w[k * d + j] = (float) (hw[k][j] * s);
                }
            }
            if (reluOffset && follow.relu()) {
                offset = LinearProbe.reluOffset(w, b, maps, scaleValues, shiftValues, d, classes);
                for (int k = 0; k < classes; k++) {
                    b[k] += (float) offset;
                }
            }
            Backend backend = net.backend();
            List<Param> scaleParams = scale.params();
            backend.copy(backend.upload(Tensor.wrap(scaleParams.get(0).shape(), scaleValues)),
                    scaleParams.get(0).data());
            backend.copy(backend.upload(Tensor.wrap(scaleParams.get(1).shape(), shiftValues)),
                    scaleParams.get(1).data());
            List<Param> params = layer.params();
            backend.copy(backend.upload(Tensor.wrap(params.get(0).shape(), w)), params.get(0).data());
            backend.copy(backend.upload(Tensor.wrap(params.get(1).shape(), b)), params.get(1).data());
            return s;
        }
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
