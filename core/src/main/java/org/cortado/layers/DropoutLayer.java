package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.CounterRng;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Dropout, any shape. Training: {@code top = bottom * mask} where each element of the mask is {@code 1/(1-ratio)}
 * with probability {@code 1 - ratio} and 0 otherwise (Caffe scales at training time, so that inference is the
 * identity). The mask comes from {@link CounterRng} through {@link Backend#dropoutMask}: forward number {@code s}
 * of the stream set by {@link #setRandomState} uses seed {@code CounterRng.derive(seed, s)}, so that a resumed run
 * draws the masks an uninterrupted one would.
 */
public final class DropoutLayer extends Layer {
    public record Params(float ratio) {
        public static Params from(LayerParameter layer) {
            float r = layer.getDropoutParam().getDropoutRatio();
            if (!(r >= 0f && r < 1f)) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Dropout): dropout_ratio must be in "
                        + "[0, 1), got " + r);
            }
            return new Params(r);
        }
    }

    private final Params p;
    private long seed;
    private long step;
    /** Whether the last forward applied a mask (TRAIN) or copied (TEST), which decides what backward does. */
    private boolean masked;

    public DropoutLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public void setRandomState(long seed, long step) {
        this.seed = seed;
        this.step = step;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        return List.of(bottomShapes.get(0));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        masked = phase == Phase.TRAIN && p.ratio() > 0f;
        if (!masked) {
            backend.copy(bottoms.get(0), tops.get(0));
            return;
        }
        Tensor mask = scratch(backend, "mask", bottoms.get(0).shape());
        backend.dropoutMask(mask, p.ratio(), CounterRng.derive(seed, step++));
        backend.multiply(bottoms.get(0), mask, tops.get(0));
    }

    /** Elementwise (a copy at test time, a product with the mask in training): the top may be the bottom's tensor. */
    @Override
    public boolean forwardInPlace() {
        return true;
    }

    /** {@code dinp = dout * mask} after a training forward, {@code dout} after an inference one. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        if (masked) {
            backend.multiply(topDiffs.get(0), existingScratch("mask"), bottomDiffs.get(0));
        } else {
            backend.copy(topDiffs.get(0), bottomDiffs.get(0));
        }
    }
}
