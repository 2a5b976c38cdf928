package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Softmax along {@code axis} (default 1, the channels): {@code top = exp(x - max) / sum exp(x - max)}, each
 * position of the other axes independently; same shape as the bottom.
 */
public final class SoftmaxLayer extends Layer {
    public record Params(int axis) {
        public static Params from(LayerParameter layer) {
            return new Params(layer.getSoftmaxParam().getAxis());
        }
    }

    private final Params p;
    private int outer;
    private int channels;
    private int inner;

    public SoftmaxLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        int axis;
        try {
            axis = in.canonicalAxis(p.axis());
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
        outer = in.count(0, axis);
        channels = in.dim(axis);
        inner = in.countFrom(axis + 1);
        return List.of(in);
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.softmaxForward(bottoms.get(0), tops.get(0), outer, channels, inner);
    }
}
