package org.cortado.layers;

import org.cortado.backend.Pointwise;
import org.cortado.caffe.proto.Caffe.ExpParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;

/**
 * Exp, any shape: {@code top = base^(shift + scale x)} (base e when {@code base} is -1, the default), computed as
 * Caffe does: {@code outer exp(inner x)} with {@code inner = ln(base) scale} and {@code outer = base^shift};
 * {@code dinp = dout top inner}.
 */
public final class ExpLayer extends PointwiseLayer {
    public record Params(float base, float scale, float shift) {
        public static Params from(LayerParameter layer) {
            ExpParameter p = layer.getExpParam();
            Params params = new Params(p.getBase(), p.getScale(), p.getShift());
            float logBase = params.logBase();
            if (!(params.base() == -1f || params.base() > 0f) || !Float.isFinite(logBase)) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Exp): base must be -1 (for e) or "
                        + "strictly positive with a finite logarithm, got " + params.base());
            }
            return params;
        }

        /** Caffe's log_base, in float: 1 for base e. */
        float logBase() {
            return base == -1f ? 1f : (float) Math.log(base);
        }
    }

    public ExpLayer(LayerConfig config, Params p) {
        super(config, Pointwise.exp(p.logBase() * p.scale(), p.shift() == 0f ? 1f
                : (float) (p.base() != -1f ? Math.pow(p.base(), p.shift()) : Math.exp(p.shift()))));
    }
}
