package org.cortado.net.proto;

import java.nio.file.Path;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.Phase;
import org.cortado.net.FillerSpec;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;

/**
 * Internal: the protobuf {@link NetParameter} inside the API's {@link NetDefinition}, for the engine's own code that
 * edits definitions at the level of Caffe's messages (code nets, net surgery, export). The API names no protobuf
 * type, so {@link NetDefinition} hands this class its access when it is initialised (the JDK's SharedSecrets
 * pattern).
 */
public final class NetProtos {
    /** What {@link NetDefinition} lets this class do. */
    public interface Access {
        NetParameter proto(NetDefinition definition);

        NetDefinition of(NetParameter proto, boolean normalized, Phase phase);

        LoadedNet load(NetParameter normalized, LayerInsertion insertion, Path weights, Phase phase, Backend backend,
                Set<String> mayLack);
    }

    private static volatile Access access;

    private NetProtos() {
    }

    /** Called once, by {@link NetDefinition}'s static initialiser. */
    public static void register(Access a) {
        if (access != null) {
            throw new IllegalStateException("NetProtos' access is registered already");
        }
        access = a;
    }

    /** The definition's message (V2 layers; normalised if the definition is). */
    public static NetParameter proto(NetDefinition definition) {
        return access().proto(definition);
    }

    /** A definition of {@code proto} (V2 layers). */
    public static NetDefinition of(NetParameter proto) {
        return access().of(proto, false, null);
    }

    /** A definition of {@code proto}, which {@link NetDefinition#normalized} already normalised for {@code phase}. */
    public static NetDefinition ofNormalized(NetParameter proto, Phase phase) {
        return access().of(proto, true, phase);
    }

    /**
     * Builds {@code normalized} (a definition {@link NetDefinition#normalized} made for {@code phase}) with the
     * layers {@code insertion} adds while the net is built, and copies {@code weights} (null: none; the parameters
     * stay as the layers make them) by layer name; layers in {@code mayLack} may be absent from the caffemodel.
     */
    public static LoadedNet load(NetParameter normalized, LayerInsertion insertion, Path weights, Phase phase,
            Backend backend, Set<String> mayLack) {
        return access().load(normalized, insertion, weights, phase, backend, mayLack);
    }

    /** {@code prototxt} read and normalised for {@code phase} ({@link NetDefinition#normalized}). */
    public static NetParameter readNormalized(Path prototxt, Phase phase) {
        return proto(NetDefinition.read(prototxt).normalized(phase));
    }

    /** Builds {@code proto} for {@code phase} on {@code backend}, as {@link Net#build} does its definition. */
    public static Net build(NetParameter proto, Phase phase, Backend backend) {
        return Net.build(of(proto), phase, backend);
    }

    /** Caffe's message as the API's {@link FillerSpec}. */
    public static FillerSpec filler(FillerParameter p) {
        return new FillerSpec(p.getType(), p.getValue(), p.getMin(), p.getMax(), p.getMean(), p.getStd(),
                p.getSparse(), FillerSpec.VarianceNorm.valueOf(p.getVarianceNorm().name()));
    }

    /** {@code f} as Caffe's message, for a layer definition. */
    public static FillerParameter filler(FillerSpec f) {
        return FillerParameter.newBuilder().setType(f.type()).setValue(f.value()).setMin(f.min()).setMax(f.max())
                .setMean(f.mean()).setStd(f.std()).setSparse(f.sparse())
                .setVarianceNorm(FillerParameter.VarianceNorm.valueOf(f.varianceNorm().name())).build();
    }

    private static Access access() {
        if (access == null) {
            try {
                Class.forName(NetDefinition.class.getName(), true, NetDefinition.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return access;
    }
}
