package org.cortado.layers;

import org.cortado.backend.Pointwise;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.LogParameter;

/**
 * Log, any shape: {@code top = log_base(shift + scale x)} (natural log when {@code base} is -1, the default),
 * computed as Caffe does: {@code ln(scale x + shift) / ln(base)}; {@code dinp = dout scale / (ln(base) (scale x +
 * shift))}.
 */
public final class LogLayer extends PointwiseLayer {
    public record Params(float base, float scale, float shift) {
        public static Params from(LayerParameter layer) {
            LogParameter p = layer.getLogParam();
            Params params = new Params(p.getBase(), p.getScale(), p.getShift());
            float logBase = params.logBase();
            if (!(params.base() == -1f || params.base() > 0f) || !Float.isFinite(logBase)
                    || !Float.isFinite(1f / logBase)) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Log): base must be -1 (for e) or "
                        + "strictly positive, not 1, with a finite logarithm, got " + params.base());
            }
            return params;
        }

        /** Caffe's log_base, in float: 1 for base e. */
        float logBase() {
            return base == -1f ? 1f : (float) Math.log(base);
        }
    }

    public LogLayer(LayerConfig config, Params p) {
        super(config, Pointwise.log(p.scale(), p.shift(), 1f / p.logBase(), p.scale() / p.logBase()));
    }
}
