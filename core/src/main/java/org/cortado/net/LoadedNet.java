package org.cortado.net;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Phase;
import org.cortado.net.proto.LayerInsertion;
import org.cortado.net.proto.NetProtos;

/**
 * A net built from a deploy prototxt with weights from a caffemodel, and what the loading noticed. The parameters
 * the caffemodel gives are never allocated as zeros first ({@link DeferredParameters}), and the net owns them:
 * {@link Net#planInference} folds BatchNorm and Scale into them in place.
 *
 * @param net           the net, on the backend it was loaded for
 * @param ignoredLayers layers with blobs in the caffemodel that the net does not have (a training net's data and
 *                      loss layers, a removed classifier); Caffe ignores them too, callers may say so
 */
public record LoadedNet(Net net, List<String> ignoredLayers) {

    /** Reads {@code deploy} and {@code weights} and builds the net for {@code phase} on {@code backend}. */
    public static LoadedNet load(Path deploy, Path weights, Phase phase, Backend backend) {
        return load(NetDefinition.read(deploy), weights, phase, backend, Set.of());
    }

    /**
     * Builds {@code definition} and copies weights by layer name; layers in {@code mayLack} may be absent from the
     * caffemodel (they keep zero or filler values).
     */
    public static LoadedNet load(NetDefinition definition, Path weights, Phase phase, Backend backend,
                                 Set<String> mayLack) {
        return loadNormalized(definition.normalizedProto(phase), LayerInsertion.NONE, weights, phase, backend,
                mayLack);
    }

    /**
     * {@link #load(NetDefinition, Path, Phase, Backend, Set)} of a definition already normalized for {@code phase},
     * with the layers {@code insertion} adds while the net is built; {@code weights} may be null (the parameters
     * then stay as the layers make them: zeros, Scale's ones). The engine's code nets reach it through
     * {@link NetProtos#load}.
     */
    static LoadedNet loadNormalized(NetParameter normalized, LayerInsertion insertion, Path weights,
                                    Phase phase, Backend backend, Set<String> mayLack) {
        DeferredParameters deferred = new DeferredParameters(backend);
        Net net = Net.buildNormalized(normalized, phase, backend, deferred.backend(), insertion);
        List<String> ignored = weights == null ? List.of()
                : NetWeights.copy(CaffeModelReader.read(weights), net, mayLack);
        deferred.materialize(net);
        // The caffemodel's blobs became the parameters and nothing else keeps them.
        net.ownWeights();
        return new LoadedNet(net, ignored);
    }
}
