package org.cortado.caffe;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The layers of one caffemodel (those without blobs too, such as data and loss layers), by name, in file order. */
public final class CaffeWeights {
    private final Path source;
    private final String netName;
    private final Map<String, LayerWeights> layers = new LinkedHashMap<>();

    public CaffeWeights(Path source, String netName, Collection<LayerWeights> layers) {
        this.source = source;
        this.netName = netName;
        for (LayerWeights l : layers) {
            // A later layer of the same name replaces an earlier one, as Caffe's CopyTrainedLayersFrom does.
            this.layers.put(l.layerName(), l);
        }
    }

    /** The file these weights were read from (null when built in memory). */
    public Path source() {
        return source;
    }

    public String netName() {
        return netName;
    }

    public Optional<LayerWeights> layer(String name) {
        return Optional.ofNullable(layers.get(name));
    }

    public Collection<LayerWeights> layers() {
        return layers.values();
    }
}
