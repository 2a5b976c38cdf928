package org.cortado.layers;

import org.cortado.backend.Pointwise;

/** AbsVal, any shape: {@code top = |x|}; {@code dinp = dout sign(x)} (0 at 0). */
public final class AbsValLayer extends PointwiseLayer {
    public AbsValLayer(LayerConfig config) {
        super(config, Pointwise.absVal());
    }
}
