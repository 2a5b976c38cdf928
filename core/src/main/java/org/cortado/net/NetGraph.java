package org.cortado.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.InputLayer;
import org.cortado.layers.Layer;
import org.cortado.layers.LayerFactory;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.proto.LayerInsertion;
import org.cortado.tensor.InsufficientMemoryException;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The structure of a net: its layers in order, which top each bottom reads, and every top's shape. A blob name maps
 * to its last writer, as in Caffe. The graph holds no values; {@link Net} puts tensors on it.
 */
final class NetGraph {
    private final String netName;
    private final List<Layer> layers = new ArrayList<>();
    private final List<LayerParameter> definitions = new ArrayList<>();
    private final Map<String, Integer> layerIndex = new HashMap<>();
    private final List<List<BlobRef>> bottomRefs = new ArrayList<>();
    private final List<List<Shape>> topShapes = new ArrayList<>();
    private final Map<String, BlobRef> blobs = new LinkedHashMap<>();
    private final Map<String, BlobRef> inputs = new LinkedHashMap<>();

    private NetGraph(String netName) {
        this.netName = netName;
    }

    /**
     * The graph of a normalized definition ({@link NetDefinitions#normalize}) with the layers {@code insertion}
     * adds: each layer is created, set up on {@code backend} (its parameters allocated) and shaped, in order.
     *
     * @throws NetDefinitionException naming the layer at fault, or the net when it has no layers
     */
    static NetGraph build(NetParameter normalized, Backend backend, Phase phase, LayerInsertion insertion) {
        NetGraph graph = new NetGraph(normalized.getName());
        for (LayerParameter lp : normalized.getLayerList()) {
            graph.add(lp, backend);
            for (LayerParameter inserted : insertion.after(lp, name -> graph.topShapes(graph.indexOf(name)).get(0))) {
                graph.add(inserted, backend);
            }
        }
        if (graph.layers.isEmpty()) {
            throw new NetDefinitionException("net '" + normalized.getName() + "' has no layers for phase " + phase);
        }
        return graph;
    }

    /** The definition of the layers as built, insertions included, in order. */
    List<LayerParameter> definitions() {
        return Collections.unmodifiableList(definitions);
    }

    private void add(LayerParameter definition, Backend backend) {
        Layer layer = LayerFactory.create(definition);
        if (layerIndex.containsKey(layer.name())) {
            throw new NetDefinitionException(layer.config().describe() + ": a layer of this name already exists");
        }
        int index = layers.size();
        List<BlobRef> refs = new ArrayList<>();
        List<Shape> bottomShapes = new ArrayList<>();
        for (String bottom : layer.bottoms()) {
            BlobRef ref = blobs.get(bottom);
            if (ref == null) {
                throw new NetDefinitionException(layer.config().describe() + ": bottom blob '" + bottom
                        + "' is not produced by any earlier layer");
            }
            refs.add(ref);
            bottomShapes.add(shapeOf(ref));
        }
        List<Shape> shapes;
        try {
            layer.setUp(backend, bottomShapes);
            shapes = layer.reshape(bottomShapes);
        } catch (IllegalArgumentException e) {
            // Shape arithmetic (a product past 2^31-1, a bad geometry) fails without knowing the layer it serves.
            throw new NetDefinitionException(layer.config().describe() + ": " + e.getMessage(), e);
        }
        layers.add(layer);
        definitions.add(definition);
        layerIndex.put(layer.name(), index);
        bottomRefs.add(List.copyOf(refs));
        topShapes.add(shapes);
        for (int t = 0; t < layer.tops().size(); t++) {
            blobs.put(layer.tops().get(t), new BlobRef(index, t));
            if (layer instanceof InputLayer) {
                inputs.put(layer.tops().get(t), new BlobRef(index, t));
            }
        }
    }

    /** Re-derives every top shape from the input shapes, layer by layer. Modified: this graph's shapes. */
    void reshape() {
        for (int i = 0; i < layers.size(); i++) {
            List<Shape> bottomShapes = new ArrayList<>();
            for (BlobRef ref : bottomRefs.get(i)) {
                bottomShapes.add(shapeOf(ref));
            }
            try {
                topShapes.set(i, layers.get(i).reshape(bottomShapes));
            } catch (IllegalArgumentException e) {
                throw new NetDefinitionException(layers.get(i).config().describe() + ": " + e.getMessage(), e);
            }
        }
    }

    /** A tensor for {@code layer} on {@code backend}; a refusal names the layer and {@code what} the tensor is. */
    static Tensor allocate(Backend backend, Layer layer, String what, Shape shape) {
        try {
            return backend.allocate(shape);
        } catch (InsufficientMemoryException e) {
            throw e.about(layer.config().describe() + ": " + what + " " + shape);
        }
    }

    String netName() {
        return netName;
    }

    int size() {
        return layers.size();
    }

    Layer layer(int i) {
        return layers.get(i);
    }

    List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** Where each bottom of layer {@code i} comes from. */
    List<BlobRef> bottoms(int i) {
        return bottomRefs.get(i);
    }

    List<Shape> topShapes(int i) {
        return topShapes.get(i);
    }

    Shape shapeOf(BlobRef ref) {
        return topShapes.get(ref.layer()).get(ref.top());
    }

    /** How many layers read top {@code ref} (a layer reading it twice counts twice). */
    int readers(BlobRef ref) {
        int n = 0;
        for (List<BlobRef> refs : bottomRefs) {
            for (BlobRef r : refs) {
                if (r.equals(ref)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The index of layer {@code name}, or -1. */
    int indexOrMinusOne(String name) {
        Integer i = layerIndex.get(name);
        return i == null ? -1 : i;
    }

    /** The index of layer {@code name}; an error names the net. */
    int indexOf(String name) {
        int i = indexOrMinusOne(name);
        if (i < 0) {
            throw new NetDefinitionException("net '" + netName + "' has no layer '" + name + "'");
        }
        return i;
    }

    /** The last writer of blob {@code name}, or null. */
    BlobRef blob(String name) {
        return blobs.get(name);
    }

    /** The blob names, in order of first appearance. */
    List<String> blobNames() {
        return List.copyOf(blobs.keySet());
    }

    /** The input blobs (tops of Input layers), in order. */
    Map<String, BlobRef> inputs() {
        return Collections.unmodifiableMap(inputs);
    }

    /** Input blob {@code name}; an error lists the inputs there are. */
    BlobRef input(String name) {
        BlobRef ref = inputs.get(name);
        if (ref == null) {
            throw new NetDefinitionException("net '" + netName + "' has no input blob '" + name + "'; inputs: "
                    + inputs.keySet());
        }
        return ref;
    }
}
