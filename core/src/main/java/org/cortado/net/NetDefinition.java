package org.cortado.net;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.io.AtomicFiles;
import org.cortado.layers.Phase;
import org.cortado.net.proto.LayerInsertion;
import org.cortado.net.proto.NetProtos;

/**
 * A Caffe net definition (a {@code .prototxt}), immutable: what {@link Net#build} and {@link LoadedNet#load} build
 * and what {@link org.cortado.finetune.NetSurgery} edits. Legacy V1 {@code layers} are upgraded to V2 when read.
 * Errors name the file (or source) with line and column.
 */
public final class NetDefinition {
    static {
        NetProtos.register(new NetProtos.Access() {
            @Override
            public NetParameter proto(NetDefinition d) {
                return d.proto;
            }

            @Override
            public NetDefinition of(NetParameter proto, boolean normalized, Phase phase) {
                return new NetDefinition(proto, normalized ? phase : null);
            }

            @Override
            public LoadedNet load(NetParameter normalized, LayerInsertion insertion, Path weights, Phase phase,
                    Backend backend, Set<String> mayLack) {
                return LoadedNet.loadNormalized(normalized, insertion, weights, phase, backend, mayLack);
            }
        });
    }

    /** One layer as the definition states it. */
    public record Layer(String name, String type, List<String> bottoms, List<String> tops) {
        public Layer {
            bottoms = List.copyOf(bottoms);
            tops = List.copyOf(tops);
        }
    }

    private final NetParameter proto;
    /** The phase {@link #normalized} was made for, or null: such a definition is built without normalising again. */
    private final Phase normalizedFor;

    private NetDefinition(NetParameter proto, Phase normalizedFor) {
        this.proto = Objects.requireNonNull(proto, "proto");
        this.normalizedFor = normalizedFor;
    }

    /** Reads a {@code .prototxt}; errors give {@code file:line:column: what}. */
    public static NetDefinition read(Path prototxt) {
        return new NetDefinition(Prototxt.readNet(prototxt), null);
    }

    /** Parses prototxt {@code text}, naming {@code source} (a file name, or any words) in errors. */
    public static NetDefinition parse(String source, String text) {
        return new NetDefinition(Prototxt.parseNet(source, text), null);
    }

    /** Parses prototxt {@code text}; errors name it "prototxt". */
    public static NetDefinition parse(String text) {
        return parse("prototxt", text);
    }

    /** The net's {@code name}. */
    public String name() {
        return proto.getName();
    }

    /** The layers in order (V2 {@code layer}s; the legacy {@code input} fields become a layer when normalised). */
    public List<Layer> layers() {
        return proto.getLayerList().stream().map(l -> new Layer(l.getName(), l.getType(), l.getBottomList(),
                l.getTopList())).toList();
    }

    /** The layer names in order. */
    public List<String> layerNames() {
        return proto.getLayerList().stream().map(LayerParameter::getName).toList();
    }

    /** Whether a layer is named {@code name}. */
    public boolean hasLayer(String name) {
        return proto.getLayerList().stream().anyMatch(l -> l.getName().equals(name));
    }

    /**
     * This definition as it is built for {@code phase}: the legacy {@code input}/{@code input_dim} fields as an
     * Input layer named "input" placed first (Caffe's UpgradeNetInput), and only the layers whose include/exclude
     * rules admit {@code phase}.
     */
    public NetDefinition normalized(Phase phase) {
        return phase == normalizedFor ? this : new NetDefinition(NetDefinitions.normalize(proto, phase), phase);
    }

    /**
     * The layers needed to compute layer {@code last}'s output, in order; with {@code withInPlaceFollowers}, also
     * those after it that run in place on its top (its ReLU, its test-time Dropout): for CaffeNet, truncating at
     * {@code fc7} keeps {@code relu7}.
     */
    public NetDefinition truncatedAfter(String last, boolean withInPlaceFollowers) {
        return new NetDefinition(NetDefinitions.truncateAfter(proto, last, withInPlaceFollowers), normalizedFor);
    }

    /** The definition as prototxt text (layers without any blobs a prototxt may carry). */
    public String toPrototxt() {
        return CaffeModelWriter.deployPrototxt(proto);
    }

    /** Writes {@link #toPrototxt} to {@code file} (its folder made when missing), atomically. */
    public void writeTo(Path file) {
        AtomicFiles.writeString(AtomicFiles.withParentFolder(file), toPrototxt());
    }

    /** A definition that {@link NetDefinitions#normalize} made for {@code phase}. */
    static NetDefinition ofNormalized(NetParameter proto, Phase phase) {
        return new NetDefinition(proto, phase);
    }

    /** The proto, normalised for {@code phase} unless it already is. */
    NetParameter normalizedProto(Phase phase) {
        return normalized(phase).proto;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetDefinition d && d.proto.equals(proto);
    }

    @Override
    public int hashCode() {
        return proto.hashCode();
    }

    @Override
    public String toString() {
        return "net '" + name() + "' (" + proto.getLayerCount() + " layers)";
    }
}
