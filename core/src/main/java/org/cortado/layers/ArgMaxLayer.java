package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.TopK;
import org.cortado.caffe.proto.Caffe.ArgMaxParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * ArgMax, forward only (as Caffe): the {@code top_k} largest values' indices, larger value first and, between equal
 * values, the larger index first (Caffe's sort of (value, index) pairs). With {@code axis}: along that axis, top of
 * the bottom's shape with {@code top_k} at the axis, holding the indices, or the values with {@code out_max_val}.
 * Without: over each sample's {@code count / N} values, top {@code (N, 1, top_k)} of indices, or {@code (N, 2,
 * top_k)} of indices then values with {@code out_max_val} (at least 3 axes, trailing ones 1).
 */
public final class ArgMaxLayer extends Layer {
    /** {@code axis} null when not given. */
    public record Params(boolean outMaxVal, int topK, Integer axis) {
        public static Params from(LayerParameter layer) {
            ArgMaxParameter p = layer.getArgmaxParam();
            if (p.getTopK() < 1) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (ArgMax): top_k must be at least 1, "
                        + "got " + Integer.toUnsignedString(p.getTopK()));
            }
            return new Params(p.getOutMaxVal(), p.getTopK(), p.hasAxis() ? p.getAxis() : null);
        }
    }

    private final Params p;
    private TopK layout;

    public ArgMaxLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        int k = p.topK();
        if (p.axis() != null) {
            int axis = canonicalAxis(in, p.axis());
            if (k > in.dim(axis)) {
                throw error("top_k " + k + " exceeds axis " + axis + " of bottom " + in);
            }
            int inner = in.countFrom(axis + 1);
            layout = new TopK(in.count(0, axis), in.dim(axis), inner, k, k * inner, p.outMaxVal() ? -1 : 0,
                    p.outMaxVal() ? 0 : -1);
            return List.of(in.withDim(axis, k));
        }
        if (in.rank() < 1 || k > in.countFrom(1)) {
            throw error("top_k " + k + " exceeds the " + (in.rank() < 1 ? 0 : in.countFrom(1)) + " values per sample "
                    + "of bottom " + in);
        }
        int[] dims = new int[Math.max(3, in.rank())];
        java.util.Arrays.fill(dims, 1);
        dims[0] = in.dim(0);
        dims[1] = p.outMaxVal() ? 2 : 1;
        dims[2] = k;
        layout = new TopK(in.dim(0), in.countFrom(1), 1, k, dims[1] * k, 0, p.outMaxVal() ? k : -1);
        return List.of(Shape.of(dims));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.layerOps().argMax(bottoms.get(0), tops.get(0), layout);
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        throw error("has no backward pass (Caffe's has none either), so no gradient can flow through it to the layers "
                + "below; freeze them (lr_mult 0) or move the layer out of the training path");
    }
}
