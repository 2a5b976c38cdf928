package org.cortado.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cortado.caffe.CaffeWeights;
import org.cortado.layers.Layer;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.tensor.Tensor;

/** Copies a caffemodel's blobs into a net's parameters by layer name, as Caffe's CopyTrainedLayersFrom does. */
public final class NetWeights {
    private NetWeights() {
    }

    /**
     * Copies {@code weights} into {@code net}. Every layer with parameters must find its blobs, of fitting shapes,
     * unless listed in {@code mayLack} (freshly initialised layers, such as a replaced classifier). Modified: the
     * net's parameters.
     *
     * @return the names of layers with blobs in {@code weights} that the net does not have (ignored)
     * @throws NetDefinitionException naming the layer and the file when a layer's blobs are missing or do not fit
     * @throws IllegalStateException  for a net planned for inference ({@link Net#planInference})
     */
    public static List<String> copy(CaffeWeights weights, Net net, Set<String> mayLack) {
        if (net.isPlanned()) {
            // A plan may have folded BatchNorm into the convolutions' weights, which new weights would undo.
            throw new IllegalStateException("net '" + net.name() + "' is planned for inference: copy its weights "
                    + "before planning it");
        }
        String file = weights.source() == null ? "the weights" : weights.source().toString();
        for (Layer layer : net.layers()) {
            if (layer.params().isEmpty()) {
                continue;
            }
            var stored = weights.layer(layer.name());
            if (stored.isEmpty()) {
                if (mayLack.contains(layer.name())) {
                    continue;
                }
                throw new NetDefinitionException(layer.config().describe() + ": no weights for it in " + file
                        + " (expected " + describeParams(layer) + ")");
            }
            var blobsOfLayer = stored.get().blobs();
            if (blobsOfLayer.size() != layer.params().size()) {
                throw new NetDefinitionException(layer.config().describe() + ": " + file + " has "
                        + blobsOfLayer.size() + " blob(s), the layer has " + layer.params().size() + ": "
                        + describeParams(layer));
            }
            for (int i = 0; i < blobsOfLayer.size(); i++) {
                Param param = layer.params().get(i);
                var blob = blobsOfLayer.get(i);
                if (!blob.fits(param.shape())) {
                    throw new NetDefinitionException(layer.config().describe() + ": blob " + i + " has shape "
                            + blob.shape() + " in " + file + ", the prototxt makes it " + param.shape());
                }
                Tensor host = blob.toTensor(param.shape());
                param.setData(net.backend().device().equals(host.device()) ? host : net.backend().upload(host));
            }
        }
        List<String> ignored = new ArrayList<>();
        for (var lw : weights.layers()) {
            if (!net.hasLayer(lw.layerName()) && !lw.blobs().isEmpty()) {
                ignored.add(lw.layerName());
            }
        }
        for (var lw : weights.layers()) {
            if (net.hasLayer(lw.layerName()) && net.layer(lw.layerName()).params().isEmpty()
                    && !lw.blobs().isEmpty()) {
                throw new NetDefinitionException(net.layer(lw.layerName()).config().describe() + ": " + file + " has "
                        + lw.blobs().size() + " blob(s) for it, but the layer takes no parameters");
            }
        }
        return ignored;
    }

    /** {@link #copy(CaffeWeights, Net, Set)} where every layer must be found. */
    public static List<String> copy(CaffeWeights weights, Net net) {
        return copy(weights, net, Set.of());
    }

    private static String describeParams(Layer layer) {
        List<String> parts = new ArrayList<>();
        for (Param p : layer.params()) {
            parts.add(p.shape().toString());
        }
        return String.join(", ", parts);
    }
}
