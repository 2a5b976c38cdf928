package org.cortado.transfer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.ConcatParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.PoolingParameter;
import org.cortado.caffe.proto.Caffe.PoolingParameter.PoolMethod;
import org.cortado.caffe.proto.Caffe.ReshapeParameter;
import org.cortado.image.Oversample;
import org.cortado.layers.NetDefinitionException;
import org.cortado.net.LoadedNet;
import org.cortado.net.proto.LayerInsertion;
import org.cortado.tensor.Shape;

/**
 * A code net's definition from the deploy net and one or more {@link CodeSpec}s: the deploy net cut after the deepest
 * code layer, each code's global pooling placed right where its blob is produced (after the layer's in-place followers
 * for post-activation codes, right after the layer for pre-activation ones), and, for several codes, their
 * concatenation, so that one forward pass gives every code of an image and no feature map outlives the pass. The cut
 * is made first ({@link #of}); the layers after each code blob depend on its shape, so they are inserted while the net
 * is built, which learns the shapes as it goes ({@link LayerInsertion}).
 *
 * <p>One code keeps the single-layer form that exports and feature files have always had: {@value CodeNet#POOL_LAYER}
 * on the code blob (or the blob itself, flattened when read). Several codes become {@code cortado_code_pool_K} and a
 * Flatten {@code cortado_code_flat_K} each (K from 1, in the order given), joined by the Concat
 * {@value #CONCAT_LAYER} into rows of the codes side by side.
 */
final class CodeNetDefinition implements LayerInsertion {
    /** The Concat that joins several codes. */
    static final String CONCAT_LAYER = "cortado_codes";

    private final NetParameter full;
    private final Path deploy;
    private final List<CodeSpec> specs;
    private final InputRecipe input;
    private final NetParameter trunk;
    /** Per code: the layer whose first top it reads, that top, and the layer after which its pooling goes. */
    private final String[] codeLayer;
    private final String[] codeTop;
    private final String[] endLayer;
    private final String lastLayer;
    /** Learnt while the net is built, in spec order: each code's pooling in effect, length and blob in a row. */
    private final CodeSpec.Pooling[] poolings;
    private final int[] dims;
    private final String[] rowBlobs;
    /** Set when the last layer is built. */
    private List<CodeNet.Part> parts;
    private String codeBlob;

    private CodeNetDefinition(NetParameter full, Path deploy, List<CodeSpec> specs, InputRecipe input,
                              NetParameter trunk, String[] codeLayer, String[] codeTop, String[] endLayer,
                              String lastLayer) {
        this.full = full;
        this.deploy = deploy;
        this.specs = specs;
        this.input = input;
        this.trunk = trunk;
        this.codeLayer = codeLayer;
        this.codeTop = codeTop;
        this.endLayer = endLayer;
        this.lastLayer = lastLayer;
        this.poolings = new CodeSpec.Pooling[specs.size()];
        this.dims = new int[specs.size()];
        this.rowBlobs = new String[specs.size()];
    }

    /**
     * The code net of {@code specs} over the normalised deploy net {@code full}: its trunk is cut and its input
     * batch set now; the layers that pool and join the codes are added while the net is built
     * ({@link LoadedNet#loadNormalized}), when the code blobs' shapes are known.
     *
     * @throws NetDefinitionException naming {@code deploy} when a layer is missing or has no top; while building,
     *                                when pooling is asked of a blob with no spatial axes, or when a name the code
     *                                net adds is taken
     */
    static CodeNetDefinition of(NetParameter full, Path deploy, List<CodeSpec> specs, InputRecipe input) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("a code net needs at least one code layer");
        }
        List<LayerParameter> layers = full.getLayerList();
        int n = specs.size();
        int[] at = new int[n];
        int[] end = new int[n];
        String[] codeLayer = new String[n];
        String[] codeTop = new String[n];
        String[] endLayer = new String[n];
        for (int k = 0; k < n; k++) {
            at[k] = indexOf(full, specs.get(k).layer(), deploy);
            if (layers.get(at[k]).getTopCount() == 0) {
                throw new NetDefinitionException(deploy + ": layer '" + specs.get(k).layer()
                        + "' has no top blob to take codes from");
            }
            end[k] = specs.get(k).activation() == CodeSpec.Activation.POST ? lastInPlaceFollower(layers, at[k]) : at[k];
            codeLayer[k] = layers.get(at[k]).getName();
            codeTop[k] = layers.get(at[k]).getTop(0);
            endLayer[k] = layers.get(end[k]).getName();
        }
        boolean[] keep = kept(layers, at, end);
        NetParameter trunk = withInputBatch(full.toBuilder().clearLayer().addAllLayer(select(layers, keep)).build(),
                input);
        String last = trunk.getLayer(trunk.getLayerCount() - 1).getName();
        return new CodeNetDefinition(full, deploy, List.copyOf(specs), input, trunk, codeLayer, codeTop, endLayer,
                last);
    }

    /** The deploy net cut after the deepest code, its input batch set to one image's views and their size. */
    NetParameter trunk() {
        return trunk;
    }

    /** The codes' pooling (and, for several, flattening) after their blobs; the join and the views' mean last. */
    @Override
    public List<LayerParameter> after(LayerParameter layer, Function<String, Shape> topShape) {
        List<LayerParameter> added = new ArrayList<>();
        int n = specs.size();
        for (int k = 0; k < n; k++) {
            if (endLayer[k].equals(layer.getName())) {
                added.addAll(codeLayers(k, topShape.apply(codeLayer[k])));
            }
        }
        if (!layer.getName().equals(lastLayer)) {
            return added;
        }
        List<CodeNet.Part> row = new ArrayList<>();
        int offset = 0;
        for (int k = 0; k < n; k++) {
            row.add(new CodeNet.Part(specs.get(k), poolings[k], offset, dims[k]));
            offset += dims[k];
        }
        parts = List.copyOf(row);
        codeBlob = rowBlobs[0];
        if (n > 1) {
            requireFreeName(full, CONCAT_LAYER, deploy);
            LayerParameter.Builder concat = LayerParameter.newBuilder().setName(CONCAT_LAYER).setType("Concat")
                    .addTop(CONCAT_LAYER).setConcatParam(ConcatParameter.newBuilder().setAxis(1));
            List.of(rowBlobs).forEach(concat::addBottom);
            added.add(concat.build());
            codeBlob = CONCAT_LAYER;
        }
        if (input.oversample()) {
            requireFreeName(full, CodeNet.VIEWS_LAYER, deploy);
            requireFreeName(full, CodeNet.VIEW_MEAN_LAYER, deploy);
            added.add(LayerParameter.newBuilder().setName(CodeNet.VIEWS_LAYER).setType("Reshape")
                    .addBottom(codeBlob).addTop(CodeNet.VIEWS_LAYER).setReshapeParam(ReshapeParameter.newBuilder()
                            .setShape(BlobShape.newBuilder().addDim(-1).addDim(1).addDim(Oversample.VIEWS)
                                    .addDim(offset))).build());
            added.add(LayerParameter.newBuilder().setName(CodeNet.VIEW_MEAN_LAYER).setType("Pooling")
                    .addBottom(CodeNet.VIEWS_LAYER).addTop(CodeNet.VIEW_MEAN_LAYER)
                    .setPoolingParam(PoolingParameter.newBuilder().setPool(PoolMethod.AVE)
                            .setKernelH(Oversample.VIEWS).setKernelW(1).setStride(1)).build());
            codeBlob = CodeNet.VIEW_MEAN_LAYER;
        }
        return added;
    }

    /** Code {@code k}'s pooling and flattening of its blob of {@code shape}; records its part of a row. */
    private List<LayerParameter> codeLayers(int k, Shape shape) {
        List<LayerParameter> added = new ArrayList<>();
        CodeSpec spec = specs.get(k);
        int n = specs.size();
        CodeSpec.Pooling pooling = effectivePooling(spec, shape, deploy);
        String blob = codeTop[k];
        String suffix = n == 1 ? "" : "_" + (k + 1);
        if (pooling != CodeSpec.Pooling.NONE) {
            String name = CodeNet.POOL_LAYER + suffix;
            requireFreeName(full, name, deploy);
            added.add(LayerParameter.newBuilder().setName(name).setType("Pooling").addBottom(blob).addTop(name)
                    .setPoolingParam(PoolingParameter.newBuilder()
                            .setPool(pooling == CodeSpec.Pooling.AVG ? PoolMethod.AVE : PoolMethod.MAX)
                            .setGlobalPooling(true)).build());
            blob = name;
        }
        if (n > 1) {
            String name = "cortado_code_flat" + suffix;
            requireFreeName(full, name, deploy);
            added.add(LayerParameter.newBuilder().setName(name).setType("Flatten").addBottom(blob).addTop(name)
                    .build());
            blob = name;
        }
        rowBlobs[k] = blob;
        poolings[k] = pooling;
        dims[k] = pooling == CodeSpec.Pooling.NONE ? shape.countFrom(1) : shape.dim(1);
        return added;
    }

    /** Each code's place in a row, in the order given; known once the net is built. */
    List<CodeNet.Part> parts() {
        return requireBuilt(parts);
    }

    /** The blob that holds the rows of codes after a forward pass; known once the net is built. */
    String codeBlob() {
        return requireBuilt(codeBlob);
    }

    /** The length of a row of codes; known once the net is built. */
    int dim() {
        return requireBuilt(parts).stream().mapToInt(CodeNet.Part::dim).sum();
    }

    private static <T> T requireBuilt(T learnt) {
        if (learnt == null) {
            throw new IllegalStateException("the code net's shapes are known once its net is built");
        }
        return learnt;
    }

    /** The definition with its input's batch set to one image's views and its size to the view size. */
    private static NetParameter withInputBatch(NetParameter def, InputRecipe input) {
        NetParameter.Builder b = def.toBuilder();
        int[] view = input.viewSize();
        for (LayerParameter.Builder l : b.getLayerBuilderList()) {
            if (l.getType().equals("Input") && l.getInputParam().getShapeCount() > 0) {
                BlobShape.Builder s = l.getInputParamBuilder().getShapeBuilder(0);
                s.setDim(0, input.views());
                if (view != null && s.getDimCount() == 4) {
                    s.setDim(2, view[0]).setDim(3, view[1]);
                }
                break;
            }
        }
        return b.build();
    }

    /** The index of the last layer named {@code name} (Caffe resolves a name to its last definition). */
    static int indexOf(NetParameter net, String name, Path deploy) {
        int found = -1;
        for (int i = 0; i < net.getLayerCount(); i++) {
            if (net.getLayer(i).getName().equals(name)) {
                found = i;
            }
        }
        if (found < 0) {
            List<String> names = net.getLayerList().stream().map(LayerParameter::getName).toList();
            throw new NetDefinitionException(deploy + ": net '" + net.getName() + "' has no layer '" + name
                    + "'; its layers: " + String.join(", ", names));
        }
        return found;
    }

    /** The last of the layers right after layer {@code i} that run in place on its top (its ReLU, its Dropout). */
    static int lastInPlaceFollower(List<LayerParameter> layers, int i) {
        Set<String> tops = new HashSet<>(layers.get(i).getTopList());
        int end = i;
        while (end + 1 < layers.size() && isInPlaceOn(layers.get(end + 1), tops)) {
            end++;
        }
        return end;
    }

    private static boolean isInPlaceOn(LayerParameter l, Set<String> blobs) {
        return l.getBottomCount() == 1 && l.getTopCount() == 1 && l.getBottom(0).equals(l.getTop(0))
                && blobs.contains(l.getTop(0));
    }

    /**
     * Which layers the code net keeps: each code layer with, for post-activation codes, its in-place followers, and
     * every earlier layer that writes a blob a kept layer reads (as {@code NetDefinitions.truncateAfter} does for one
     * layer).
     */
    private static boolean[] kept(List<LayerParameter> layers, int[] at, int[] end) {
        boolean[] keep = new boolean[layers.size()];
        boolean[] forced = new boolean[layers.size()];
        int last = 0;
        for (int k = 0; k < at.length; k++) {
            for (int i = at[k]; i <= end[k]; i++) {
                forced[i] = true;
            }
            last = Math.max(last, end[k]);
        }
        Set<String> needed = new HashSet<>();
        for (int i = last; i >= 0; i--) {
            LayerParameter l = layers.get(i);
            if (forced[i] || l.getTopList().stream().anyMatch(needed::contains)) {
                keep[i] = true;
                needed.addAll(l.getBottomList());
            }
        }
        return keep;
    }

    private static List<LayerParameter> select(List<LayerParameter> layers, boolean[] keep) {
        List<LayerParameter> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (keep[i]) {
                out.add(layers.get(i));
            }
        }
        return out;
    }

    /** The spec's pooling, or none where the blob has no spatial extent to pool over (the identity). */
    private static CodeSpec.Pooling effectivePooling(CodeSpec spec, Shape shape, Path deploy) {
        boolean spatial = shape.rank() == 4 && shape.countFrom(2) > 1;
        if (spatial || spec.pooling() == CodeSpec.Pooling.NONE) {
            return spec.pooling();
        }
        if (shape.rank() == 4 || shape.rank() == 2) {
            return CodeSpec.Pooling.NONE;
        }
        throw new NetDefinitionException(deploy + ": layer '" + spec.layer() + "' gives codes of shape " + shape
                + "; spatial pooling takes (N, C, H, W), use pooling none to flatten");
    }

    private static void requireFreeName(NetParameter net, String name, Path deploy) {
        for (LayerParameter l : net.getLayerList()) {
            if (l.getName().equals(name) || l.getTopList().contains(name)) {
                throw new NetDefinitionException(deploy + ": the net already has a layer or blob '" + name
                        + "', a name the code net adds");
            }
        }
    }
}
