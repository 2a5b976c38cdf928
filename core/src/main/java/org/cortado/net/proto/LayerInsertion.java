package org.cortado.net.proto;

import java.util.List;
import java.util.function.Function;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;

/**
 * Layers added to a definition while its net is built, each group right after a given layer, once the shapes it
 * depends on are known: a code net's pooling depends on the shape of the blob it pools, which only building tells.
 */
@FunctionalInterface
public interface LayerInsertion {
    /** Adds nothing. */
    LayerInsertion NONE = (layer, topShape) -> List.of();

    /**
     * The layers to add right after {@code layer} (not offered to this insertion in turn).
     *
     * @param layer    a layer of the definition, just built
     * @param topShape the first top shape of a layer built so far, by layer name
     */
    List<LayerParameter> after(LayerParameter layer, Function<String, Shape> topShape);
}
