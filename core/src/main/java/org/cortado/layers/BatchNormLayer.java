package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.BatchNormParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * BatchNorm over channels of {@code (N, C, ...)}: with stored statistics,
 * {@code top = (bottom - mean/s) / sqrt(variance/s + eps)} where the three blobs are the running mean sum
 * {@code (C)}, the running variance sum {@code (C)} and the moving-average scale factor {@code s} {@code (1)}
 * ({@code s == 0} reads as 0, as Caffe does). Caffe's BatchNorm has no affine part; a Scale layer follows it.
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
    private int outer;
    private int channels;
    private int inner;

    public BatchNormLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
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
        return p.useGlobalStats() != null ? p.useGlobalStats() : phase == Phase.TEST;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        if (!usesGlobalStats(phase)) {
            throw error("training with batch statistics is not available yet");
        }
        // Fold the statistics into a per-channel affine map on the host: C values, negligible next to the data.
        float[] mean = backend.download(params().get(0).data()).hostData();
        float[] var = backend.download(params().get(1).data()).hostData();
        float s = backend.download(params().get(2).data()).hostData()[0];
        float factor = s == 0f ? 0f : 1f / s;
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            float inv = (float) (1.0 / Math.sqrt(var[c] * factor + p.eps()));
            scale[c] = inv;
            shift[c] = -mean[c] * factor * inv;
        }
        Tensor scaleT = backend.upload(Tensor.wrap(Shape.of(channels), scale));
        Tensor shiftT = backend.upload(Tensor.wrap(Shape.of(channels), shift));
        backend.channelAffine(bottoms.get(0), scaleT, shiftT, tops.get(0), outer, channels, inner);
    }
}
