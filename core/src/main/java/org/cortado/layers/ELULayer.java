package org.cortado.layers;

import org.cortado.backend.Pointwise;
import org.cortado.caffe.proto.Caffe.LayerParameter;

/**
 * ELU, any shape: {@code top = max(x, 0) + alpha (exp(min(x, 0)) - 1)}; {@code dinp = dout (x > 0 ? 1 : alpha + top)}.
 */
public final class ELULayer extends PointwiseLayer {
    public record Params(float alpha) {
        public static Params from(LayerParameter layer) {
            return new Params(layer.getEluParam().getAlpha());
        }
    }

    public ELULayer(LayerConfig config, Params p) {
        super(config, Pointwise.elu(p.alpha()));
    }
}
