package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Dropout: at test time the identity (Caffe scales at training time, by {@code 1/(1-ratio)}, so inference needs
 * no rescaling); any shape.
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

    public DropoutLayer(LayerConfig config, Params params) {
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
        if (phase == Phase.TRAIN) {
            throw error("training-phase dropout is not available yet");
        }
        backend.copy(bottoms.get(0), tops.get(0));
    }
}
