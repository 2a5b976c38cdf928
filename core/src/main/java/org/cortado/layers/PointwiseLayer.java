package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.Pointwise;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Caffe's NeuronLayer of one elementwise function ({@link Pointwise}): top = f(bottom), any shape, and
 * {@code dinp = dout * f'(bottom)} where Caffe has a backward. The function's own layer class holds its Params.
 */
public abstract class PointwiseLayer extends Layer {
    private final Pointwise f;

    protected PointwiseLayer(LayerConfig config, Pointwise f) {
        super(config, 1, 1, 1, 1);
        this.f = f;
    }

    /** The function with the constants this layer computed from its parameters. */
    public final Pointwise function() {
        return f;
    }

    @Override
    public final List<Shape> reshape(List<Shape> bottomShapes) {
        return List.of(bottomShapes.get(0));
    }

    @Override
    public final void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.layerOps().pointwiseForward(f, bottoms.get(0), tops.get(0));
    }

    /** Elementwise, each top gradient read before its bottom gradient is written. */
    @Override
    public final boolean backwardInPlace() {
        return f.hasBackward();
    }

    @Override
    public final void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                               List<Tensor> bottomDiffs) {
        if (!f.hasBackward()) {
            throw error("has no backward pass (Caffe's has none either), so no gradient can flow through it to the"
                    + " layers below; freeze them (lr_mult 0) or move the layer out of the training path");
        }
        if (wants(bottomDiffs, 0)) {
            backend.layerOps().pointwiseBackward(f, bottoms.get(0), tops.get(0), topDiffs.get(0), bottomDiffs.get(0));
        }
    }
}
