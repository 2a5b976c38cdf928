package org.cortado.layers;

import org.cortado.backend.Pointwise;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.PowerParameter;

/**
 * Power, any shape: {@code top = (shift + scale x)^power}; {@code dinp = dout power scale (shift + scale x)^(power-1)},
 * with Caffe's shortcuts (a constant top where {@code power * scale == 0}).
 */
public final class PowerLayer extends PointwiseLayer {
    public record Params(float power, float scale, float shift) {
        public static Params from(LayerParameter layer) {
            PowerParameter p = layer.getPowerParam();
            return new Params(p.getPower(), p.getScale(), p.getShift());
        }
    }

    public PowerLayer(LayerConfig config, Params p) {
        super(config, Pointwise.power(p.power(), p.scale(), p.shift()));
    }
}
