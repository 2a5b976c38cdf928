package org.cortado.layers;

import org.cortado.backend.Pointwise;

/**
 * BNLL (binomial normal log likelihood), any shape: {@code top = log(1 + exp(x))}, computed as
 * {@code x + log(1 + exp(-x))} for positive x; {@code dinp = dout e / (e + 1)}, {@code e = exp(min(x, 50))}.
 */
public final class BNLLLayer extends PointwiseLayer {
    public BNLLLayer(LayerConfig config) {
        super(config, Pointwise.bnll());
    }
}
