package org.cortado.net;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Phase;

/**
 * A net built from a deploy prototxt with weights from a caffemodel, and what the loading noticed.
 *
 * @param net           the net, on the backend it was loaded for
 * @param ignoredLayers layers with blobs in the caffemodel that the net does not have (a training net's data and
 *                      loss layers, a removed classifier); Caffe ignores them too, callers may say so
 */
public record LoadedNet(Net net, List<String> ignoredLayers) {

    /** Reads {@code deploy} and {@code weights} and builds the net for {@code phase} on {@code backend}. */
    public static LoadedNet load(Path deploy, Path weights, Phase phase, Backend backend) {
        return load(Prototxt.readNet(deploy), weights, phase, backend, Set.of());
    }

    /**
     * Builds {@code definition} and copies weights by layer name; layers in {@code mayLack} may be absent from the
     * caffemodel (they keep zero or filler values).
     */
    public static LoadedNet load(NetParameter definition, Path weights, Phase phase, Backend backend,
                                 Set<String> mayLack) {
        return withWeights(Net.build(definition, phase, backend), weights, mayLack);
    }

    /**
     * Reads {@code weights} into {@code net}, which was built without them ({@link NetWeights#copy}); with
     * {@code weights} null the net keeps its zero parameters.
     */
    public static LoadedNet withWeights(Net net, Path weights, Set<String> mayLack) {
        if (weights == null) {
            return new LoadedNet(net, List.of());
        }
        return new LoadedNet(net, NetWeights.copy(CaffeModelReader.read(weights), net, mayLack));
    }
}
