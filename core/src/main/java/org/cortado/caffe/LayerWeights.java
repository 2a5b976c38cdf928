package org.cortado.caffe;

import java.util.List;

/**
 * The stored blobs of one layer of a caffemodel, in the layer's order (Convolution: weight, then bias).
 *
 * @param layerName the layer's name, by which weights are matched to a deploy net's layers, as Caffe does
 * @param layerType the V2 type string ("Convolution"); V1 enum types are translated
 */
public record LayerWeights(String layerName, String layerType, List<WeightBlob> blobs) {
    public LayerWeights {
        blobs = List.copyOf(blobs);
    }
}
