package org.cortado.transfer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.ConcatParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.PoolingParameter;
import org.cortado.caffe.proto.Caffe.PoolingParameter.PoolMethod;
import org.cortado.caffe.proto.Caffe.ReshapeParameter;
import org.cortado.image.Oversample;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;

/**
 * Builds a code net's definition from the deploy net and one or more {@link CodeSpec}s: the deploy net cut after the
 * deepest code layer, each code's global pooling placed right where its blob is produced (after the layer's in-place
 * followers for post-activation codes, right after the layer for pre-activation ones), and, for several codes, their
 * concatenation, so that one forward pass gives every code of an image and no feature map outlives the pass.
 *
 * <p>One code keeps the single-layer form that exports and feature files have always had: {@value CodeNet#POOL_LAYER}
 * on the code blob (or the blob itself, flattened when read). Several codes become {@code cortado_code_pool_K} and a
 * Flatten {@code cortado_code_flat_K} each (K from 1, in the order given), joined by the Concat
 * {@value #CONCAT_LAYER} into rows of the codes side by side.
 */
final class CodeNetDefinition {
    /** The Concat that joins several codes. */
    static final String CONCAT_LAYER = "cortado_codes";

    /**
     * The code net's definition, without the input batch set.
     *
     * @param definition the layers
     * @param codeBlob   the blob that holds the codes after a forward pass
     * @param dim        the length of a row of codes
     * @param parts      each code's columns
     */
    record Built(NetParameter definition, String codeBlob, int dim, List<CodeNet.Part> parts) {
    }

    private CodeNetDefinition() {
    }

    /**
     * The code net of {@code specs} over the normalised deploy net {@code full}.
     *
     * @throws NetDefinitionException naming {@code deploy} when a layer is missing or has no top, when pooling is
     *                                asked of a blob with no spatial axes, or when a name the code net adds is taken
     */
    static Built build(NetParameter full, Path deploy, List<CodeSpec> specs, InputRecipe input, Backend backend) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("a code net needs at least one code layer");
        }
        List<LayerParameter> layers = full.getLayerList();
        int n = specs.size();
        int[] at = new int[n];
        int[] end = new int[n];
        for (int k = 0; k < n; k++) {
            at[k] = indexOf(full, specs.get(k).layer(), deploy);
            if (layers.get(at[k]).getTopCount() == 0) {
                throw new NetDefinitionException(deploy + ": layer '" + specs.get(k).layer()
                        + "' has no top blob to take codes from");
            }
            end[k] = specs.get(k).activation() == CodeSpec.Activation.POST ? lastInPlaceFollower(layers, at[k]) : at[k];
        }
        boolean[] keep = kept(layers, at, end);
        NetParameter trunk = full.toBuilder().clearLayer().addAllLayer(select(layers, keep)).build();
        Shape[] shapes = codeShapes(trunk, specs, input, backend);

        List<CodeNet.Part> parts = new ArrayList<>();
        List<List<LayerParameter>> after = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            after.add(new ArrayList<>());
        }
        List<String> rowBlobs = new ArrayList<>();
        int offset = 0;
        for (int k = 0; k < n; k++) {
            CodeSpec spec = specs.get(k);
            CodeSpec.Pooling pooling = effectivePooling(spec, shapes[k], deploy);
            String blob = layers.get(at[k]).getTop(0);
            int d = pooling == CodeSpec.Pooling.NONE ? shapes[k].countFrom(1) : shapes[k].dim(1);
            String suffix = n == 1 ? "" : "_" + (k + 1);
            if (pooling != CodeSpec.Pooling.NONE) {
                String name = CodeNet.POOL_LAYER + suffix;
                requireFreeName(full, name, deploy);
                after.get(end[k]).add(LayerParameter.newBuilder().setName(name).setType("Pooling").addBottom(blob)
                        .addTop(name).setPoolingParam(PoolingParameter.newBuilder()
                                .setPool(pooling == CodeSpec.Pooling.AVG ? PoolMethod.AVE : PoolMethod.MAX)
                                .setGlobalPooling(true)).build());
                blob = name;
            }
            if (n > 1) {
                String name = "cortado_code_flat" + suffix;
                requireFreeName(full, name, deploy);
                after.get(end[k]).add(LayerParameter.newBuilder().setName(name).setType("Flatten").addBottom(blob)
                        .addTop(name).build());
                blob = name;
            }
            rowBlobs.add(blob);
            parts.add(new CodeNet.Part(spec, pooling, offset, d));
            offset += d;
        }
        NetParameter.Builder def = full.toBuilder().clearLayer();
        for (int i = 0; i < layers.size(); i++) {
            if (keep[i]) {
                def.addLayer(layers.get(i));
            }
            after.get(i).forEach(def::addLayer);
        }
        String codeBlob = rowBlobs.get(0);
        if (n > 1) {
            requireFreeName(full, CONCAT_LAYER, deploy);
            LayerParameter.Builder concat = LayerParameter.newBuilder().setName(CONCAT_LAYER).setType("Concat")
                    .addTop(CONCAT_LAYER).setConcatParam(ConcatParameter.newBuilder().setAxis(1));
            rowBlobs.forEach(concat::addBottom);
            def.addLayer(concat);
            codeBlob = CONCAT_LAYER;
        }
        if (input.oversample()) {
            requireFreeName(full, CodeNet.VIEWS_LAYER, deploy);
            requireFreeName(full, CodeNet.VIEW_MEAN_LAYER, deploy);
            def.addLayer(LayerParameter.newBuilder().setName(CodeNet.VIEWS_LAYER).setType("Reshape")
                    .addBottom(codeBlob).addTop(CodeNet.VIEWS_LAYER).setReshapeParam(ReshapeParameter.newBuilder()
                            .setShape(BlobShape.newBuilder().addDim(-1).addDim(1).addDim(Oversample.VIEWS)
                                    .addDim(offset))));
            def.addLayer(LayerParameter.newBuilder().setName(CodeNet.VIEW_MEAN_LAYER).setType("Pooling")
                    .addBottom(CodeNet.VIEWS_LAYER).addTop(CodeNet.VIEW_MEAN_LAYER)
                    .setPoolingParam(PoolingParameter.newBuilder().setPool(PoolMethod.AVE)
                            .setKernelH(Oversample.VIEWS).setKernelW(1).setStride(1)));
            codeBlob = CodeNet.VIEW_MEAN_LAYER;
        }
        return new Built(def.build(), codeBlob, offset, List.copyOf(parts));
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

    /** Each code layer's first top shape for one view of the recipe's size (the declared size when that varies). */
    private static Shape[] codeShapes(NetParameter trunk, List<CodeSpec> specs, InputRecipe input, Backend backend) {
        Net probe = Net.build(trunk, Phase.TEST, backend);
        String in = probe.inputNames().get(0);
        int[] view = input.viewSize();
        Shape declared = probe.inputShape(in);
        if (view != null) {
            probe.setInputShape(in, Shape.of(1, declared.dim(1), view[0], view[1]));
        } else {
            probe.setInputShape(in, declared.withDim(0, 1));
        }
        Shape[] shapes = new Shape[specs.size()];
        for (int k = 0; k < shapes.length; k++) {
            shapes[k] = probe.topShapesOf(probe.indexOf(specs.get(k).layer())).get(0);
        }
        return shapes;
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
