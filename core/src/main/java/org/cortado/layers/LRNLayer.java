package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.LrnParams;
import org.cortado.caffe.proto.Caffe.LRNParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * LRN: bottom and top {@code (N, C, H, W)}; {@code top = bottom * scale^-beta} with the scale of
 * {@link LrnParams} (ACROSS_CHANNELS: {@code k + alpha/n * sum of squares over n channels}; WITHIN_CHANNEL:
 * {@code 1 + alpha * mean of squares over an n x n window}).
 */
public final class LRNLayer extends Layer {
    public static LrnParams paramsFrom(LayerParameter layer) {
        LRNParameter p = layer.getLrnParam();
        if (p.getLocalSize() % 2 == 0 || p.getLocalSize() < 1) {
            throw new NetDefinitionException("layer '" + layer.getName() + "' (LRN): local_size must be odd, got "
                    + p.getLocalSize());
        }
        return new LrnParams(p.getNormRegion() == LRNParameter.NormRegion.ACROSS_CHANNELS, p.getLocalSize(),
                p.getAlpha(), p.getBeta(), p.getK());
    }

    private final LrnParams p;

    public LRNLayer(LayerConfig config, LrnParams params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public LrnParams settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        requireRank(bottomShapes.get(0), 4, "bottom");
        return List.of(bottomShapes.get(0));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor scale = scratch(backend, "scale", bottoms.get(0).shape());
        backend.lrnForward(p, bottoms.get(0), tops.get(0), scale);
    }

    /** The LRN gradient of {@link org.cortado.backend.Backend#lrnBackward}, from the forward's saved scale. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            Tensor scale = existingScratch("scale");
            if (scale == null || !scale.shape().equals(bottoms.get(0).shape())) {
                throw error("backward needs the scale of a forward of this shape");
            }
            backend.lrnBackward(p, bottoms.get(0), tops.get(0), scale, topDiffs.get(0), bottomDiffs.get(0));
        }
    }
}
