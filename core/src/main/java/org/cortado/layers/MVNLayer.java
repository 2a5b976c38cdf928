package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.MVNParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * MVN (mean-variance normalisation): bottom {@code (N, C, H, W)} (at most 4 axes, read as Caffe's legacy num,
 * channels, height, width), top of Caffe's legacy 4-axis shape {@code (N, C, H, W)}. Over each {@code (n, c)} plane
 * (each {@code n} with {@code across_channels}): {@code top = x - mean}, divided by {@code sqrt(var) + eps} with
 * {@code normalize_variance} (the default). Backward is Caffe's: {@code dinp = (dout - (sum(dout top) top +
 * sum(dout)) / dim) / (sqrt(var) + eps)}, or {@code dout - mean(dout)} without the variance.
 */
public final class MVNLayer extends Layer {
    public record Params(boolean normalizeVariance, boolean acrossChannels, float eps) {
        public static Params from(LayerParameter layer) {
            MVNParameter p = layer.getMvnParam();
            return new Params(p.getNormalizeVariance(), p.getAcrossChannels(), p.getEps());
        }
    }

    private final Params p;
    private int rows;
    private int dim;

    public MVNLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    /** Caffe's legacy accessor: axis {@code a} of {@code s}, 1 past its last axis. */
    private static int legacy(Shape s, int a) {
        return a < s.rank() ? s.dim(a) : 1;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        if (in.rank() > 4) {
            throw error("bottom " + in + " has more than 4 axes; Caffe's MVN reads num, channels, height, width");
        }
        rows = p.acrossChannels() ? legacy(in, 0) : legacy(in, 0) * legacy(in, 1);
        dim = rows == 0 ? 0 : in.count() / rows;
        return List.of(Shape.of(legacy(in, 0), legacy(in, 1), legacy(in, 2), legacy(in, 3)));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor std = p.normalizeVariance() ? scratch(backend, "std", Shape.of(rows)) : null;
        backend.layerOps().mvnForward(bottoms.get(0), tops.get(0), std, rows, dim, p.normalizeVariance(), p.eps());
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            backend.layerOps().mvnBackward(tops.get(0), existingScratch("std"), topDiffs.get(0), bottomDiffs.get(0),
                    rows, dim, p.normalizeVariance());
        }
    }
}
