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
        AxisSplit split = splitAt(in, p.axis());
        outer = split.outer();
        channels = split.channels();
        inner = split.inner();
        return List.of(in);
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.softmaxForward(bottoms.get(0), tops.get(0), outer, channels, inner);
    }

    /** {@code dinp = top * (dout - sum over the axis of dout * top)}. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            backend.softmaxBackward(tops.get(0), topDiffs.get(0), bottomDiffs.get(0), outer, channels, inner);
        }
    }
}
