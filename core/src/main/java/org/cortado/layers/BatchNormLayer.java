package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.BatchNormParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * BatchNorm over channels of {@code (N, C, ...)}, top of the same shape, {@code top = (bottom - mean) /
 * sqrt(var + eps)} per channel. Caffe's three blobs are the running mean sum {@code (C)}, the running variance sum
 * {@code (C)} and the moving-average scale factor {@code s} {@code (1)}; the stored statistics are
 * {@code mean = blob0 / s}, {@code var = blob1 / s} ({@code s == 0} reads as 0, as in Caffe).
 *
 * <p>With batch statistics (training, unless {@code use_global_stats}) the mean and the biased variance are taken
 * over the {@code m = N * H * W} values of each channel, and the blobs move as Caffe's do:
 * {@code s = maf * s + 1}, {@code blob0 = maf * blob0 + mean}, {@code blob1 = maf * blob1 + m/(m-1) * var}
 * ({@code maf} = moving_average_fraction). The backward pass is then
 * {@code dinp = (dout - mean(dout) - top * mean(dout * top)) / sqrt(var + eps)}, and with stored statistics
 * {@code dout / sqrt(var + eps)}. Caffe's BatchNorm has no affine part; a Scale layer follows it.
 */
public final class BatchNormLayer extends Layer {
    /** {@code useGlobalStats} null means Caffe's default: stored statistics at test time, batch ones in training. */
    public record Params(Boolean useGlobalStats, float movingAverageFraction, float eps) {
        public static Params from(LayerParameter layer) {
            BatchNormParameter p = layer.getBatchNormParam();
            return new Params(p.hasUseGlobalStats() ? p.getUseGlobalStats() : null, p.getMovingAverageFraction(),
                    p.getEps());
        }
    }

    private final Params p;
    /** Set for layers in a frozen part of a net: they keep their stored statistics also in training. */
    private boolean frozen;
    private int outer;
    private int channels;
    private int inner;
    /** The per-channel {@code 1/sqrt(var + eps)} of the last forward, and whether it used batch statistics. */
    private float[] invStd;
    private boolean batchStats;

    public BatchNormLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    /** Makes training use the stored statistics and leave them unchanged (a frozen layer). Modified: this layer. */
    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
    }

    @Override
    public void setUp(Backend backend, List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        int c = in.rank() == 1 ? 1 : in.dim(1);
        addParam(backend, Shape.of(c));
        addParam(backend, Shape.of(c));
        addParam(backend, Shape.of(1));
        // The statistics are not learned by gradient descent; Caffe forces their lr_mult to 0.
        for (Param param : params()) {
            param.setLrMult(0f);
            param.setDecayMult(0f);
        }
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        channels = in.rank() == 1 ? 1 : in.dim(1);
        if (channels != params().get(0).shape().dim(0)) {
            throw error("bottom " + in + " has " + channels + " channels, statistics hold "
                    + params().get(0).shape().dim(0));
        }
        outer = in.dim(0);
        inner = in.rank() <= 2 ? 1 : in.countFrom(2);
        return List.of(in);
    }

    /** Whether this forward uses stored statistics. */
    public boolean usesGlobalStats(Phase phase) {
        if (frozen) {
            return true;
        }
        return p.useGlobalStats() != null ? p.useGlobalStats() : phase == Phase.TEST;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        batchStats = !usesGlobalStats(phase);
        if (batchStats) {
            forwardWithBatchStats(backend, bottoms.get(0), tops.get(0));
            return;
        }
        float[][] affine = storedAffine(backend);
        invStd = affine[0];
        backend.channelAffine(bottoms.get(0), vector(backend, invStd), vector(backend, affine[1]), tops.get(0), outer,
                channels, inner);
    }

    /**
     * The per-channel map {@code top = bottom * scale[c] + shift[c]} that the stored statistics make,
     * {@code {scale, shift}}: what a forward with stored statistics computes, and what a net folds into the
     * convolution before this layer at inference.
     */
    public float[][] storedAffine(Backend backend) {
        // On the host: C values, negligible next to the data.
        float[] mean = backend.download(params().get(0).data()).hostData();
        float[] var = backend.download(params().get(1).data()).hostData();
        float s = backend.download(params().get(2).data()).hostData()[0];
        float factor = s == 0f ? 0f : 1f / s;
        int c = mean.length;
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int i = 0; i < c; i++) {
            float inv = (float) (1.0 / Math.sqrt(var[i] * factor + p.eps()));
            scale[i] = inv;
            shift[i] = -mean[i] * factor * inv;
        }
        return new float[][] {scale, shift};
    }

    /** Elementwise per channel: the top may be the bottom's tensor. */
    @Override
    public boolean forwardInPlace() {
        return true;
    }

    private void forwardWithBatchStats(Backend backend, Tensor x, Tensor y) {
        int m = outer * inner;
        double[] mean = channelSums(backend, x);
        float[] negMean = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] /= m;
            negMean[c] = (float) -mean[c];
        }
        backend.channelAffine(x, ones(backend), vector(backend, negMean), y, outer, channels, inner);
        Tensor squares = scratch(backend, "squares", x.shape());
        backend.multiply(y, y, squares);
        double[] var = channelSums(backend, squares);
        invStd = new float[channels];
        for (int c = 0; c < channels; c++) {
            var[c] /= m;
            invStd[c] = (float) (1.0 / Math.sqrt(var[c] + p.eps()));
        }
        backend.channelAffine(y, vector(backend, invStd), null, y, outer, channels, inner);
        updateMovingAverages(backend, mean, var, m);
    }

    private void updateMovingAverages(Backend backend, double[] mean, double[] var, int m) {
        float maf = p.movingAverageFraction();
        float[] meanSum = backend.download(params().get(0).data()).hostData();
        float[] varSum = backend.download(params().get(1).data()).hostData();
        float[] scale = backend.download(params().get(2).data()).hostData();
        double correction = m > 1 ? (double) m / (m - 1) : 1.0;
        for (int c = 0; c < channels; c++) {
            meanSum[c] = (float) (maf * meanSum[c] + mean[c]);
            varSum[c] = (float) (maf * varSum[c] + correction * var[c]);
        }
        scale[0] = maf * scale[0] + 1f;
        backend.copy(vector(backend, meanSum), params().get(0).data());
        backend.copy(vector(backend, varSum), params().get(1).data());
        backend.copy(backend.upload(Tensor.wrap(Shape.of(1), new float[] {scale[0]})), params().get(2).data());
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        Tensor dout = topDiffs.get(0);
        Tensor dinp = bottomDiffs.get(0);
        if (!batchStats) {
            backend.channelAffine(dout, vector(backend, invStd), null, dinp, outer, channels, inner);
            return;
        }
        Tensor y = tops.get(0);
        int m = outer * inner;
        double[] meanDout = channelSums(backend, dout);
        Tensor product = scratch(backend, "squares", y.shape());
        backend.multiply(dout, y, product);
        double[] meanDoutY = channelSums(backend, product);
        float[] a = new float[channels];
        float[] b = new float[channels];
        for (int c = 0; c < channels; c++) {
            a[c] = (float) (meanDoutY[c] / m);
            b[c] = (float) (meanDout[c] / m);
        }
        // product = top * mean(dout * top) + mean(dout); dinp = (dout - product) * invStd.
        backend.channelAffine(y, vector(backend, a), vector(backend, b), product, outer, channels, inner);
        backend.copy(dout, dinp);
        backend.axpby(-1f, product, 1f, dinp);
        backend.channelAffine(dinp, vector(backend, invStd), null, dinp, outer, channels, inner);
    }

    private double[] channelSums(Backend backend, Tensor t) {
        Tensor sums = scratch(backend, "sums", Shape.of(channels));
        backend.fill(sums, 0f);
        backend.biasBackward(t, sums, outer, channels, inner);
        float[] host = backend.download(sums).hostData();
        double[] out = new double[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = host[c];
        }
        return out;
    }

    private Tensor ones(Backend backend) {
        Tensor t = scratch(backend, "ones", Shape.of(channels));
        backend.fill(t, 1f);
        return t;
    }

    private static Tensor vector(Backend backend, float[] values) {
        return backend.upload(Tensor.wrap(Shape.of(values.length), values));
    }
}
