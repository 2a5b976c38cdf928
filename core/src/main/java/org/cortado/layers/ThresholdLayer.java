package org.cortado.layers;

import org.cortado.backend.Pointwise;
import org.cortado.caffe.proto.Caffe.LayerParameter;

/**
 * Threshold, any shape: {@code top = x > threshold ? 1 : 0}. Forward only, as in Caffe: a backward that a net asks
 * of it fails naming the layer.
 */
public final class ThresholdLayer extends PointwiseLayer {
    public record Params(float threshold) {
        public static Params from(LayerParameter layer) {
            return new Params(layer.getThresholdParam().getThreshold());
        }
    }

    public ThresholdLayer(LayerConfig config, Params p) {
        super(config, Pointwise.threshold(p.threshold()));
    }
}
