package org.cortado.layers;

import java.util.List;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.ParamSpec;

/**
 * What every layer has, whatever its type: name, Caffe type, bottom and top blob names, per-parameter specs, and
 * the definition it came from (kept so that a net can be written back as a prototxt).
 */
public record LayerConfig(String name, LayerType type, List<String> bottoms, List<String> tops,
                          List<ParamSpec> paramSpecs, List<Float> lossWeights, LayerParameter definition) {
    public LayerConfig {
        bottoms = List.copyOf(bottoms);
        tops = List.copyOf(tops);
        paramSpecs = List.copyOf(paramSpecs);
        lossWeights = List.copyOf(lossWeights);
    }

    public static LayerConfig of(LayerParameter p, LayerType type) {
        return new LayerConfig(p.getName(), type, p.getBottomList(), p.getTopList(), p.getParamList(),
                p.getLossWeightList(), p);
    }

    /** "'conv1' (Convolution)", the way errors name a layer. */
    public String describe() {
        return "layer '" + name + "' (" + type.caffeName() + ")";
    }
}
