package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/** ReLU: top = bottom &gt; 0 ? bottom : negative_slope * bottom, any shape. Caffe usually runs it in place. */
public final class ReLULayer extends Layer {
    public record Params(float negativeSlope) {
        public static Params from(LayerParameter layer) {
            return new Params(layer.getReluParam().getNegativeSlope());
        }
    }

    private final Params p;

    public ReLULayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        return List.of(bottomShapes.get(0));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.reluForward(bottoms.get(0), tops.get(0), p.negativeSlope());
    }

    /** Elementwise: the top may be the bottom's tensor. */
    @Override
    public boolean forwardInPlace() {
        return true;
    }

    /** Elementwise, and {@link Backend#reluBackward} may run in place. */
    @Override
    public boolean backwardInPlace() {
        return true;
    }

    /** {@code dinp = dout * (bottom > 0 ? 1 : negative_slope)}. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            backend.reluBackward(bottoms.get(0), topDiffs.get(0), bottomDiffs.get(0), p.negativeSlope());
        }
    }
}
