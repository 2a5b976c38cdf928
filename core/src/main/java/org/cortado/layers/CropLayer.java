package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.CropParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Crop: bottom 0 {@code (d_0, ..., d_k)} is cut to the size of bottom 1 on every axis from {@code axis} (default 2)
 * on, keeping the axes before: top {@code (d_0, ..., d_{axis-1}, s_axis, ..., s_k)}, starting at {@code offset}
 * (none: 0; one: on every cropped axis; else one per cropped axis). FCN nets crop a Deconvolution's output to the
 * input's size this way. {@code dinp} is {@code dout} in the window and 0 around it; bottom 1 only gives the size.
 */
public final class CropLayer extends Layer {
    public record Params(int axis, List<Integer> offsets) {
        public static Params from(LayerParameter layer) {
            CropParameter p = layer.getCropParam();
            for (int offset : p.getOffsetList()) {
                if (offset < 0) {
                    // uint32 in Caffe's proto: past 2^31-1 it reads negative here.
                    throw new NetDefinitionException("layer '" + layer.getName() + "' (Crop): offset "
                            + Integer.toUnsignedString(offset) + " is past 2^31-1");
                }
            }
            return new Params(p.getAxis(), p.getOffsetList());
        }
    }

    private final Params p;
    private int[] offsets;

    public CropLayer(LayerConfig config, Params params) {
        super(config, 2, 2, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        Shape like = bottomShapes.get(1);
        int start = canonicalAxis(in, p.axis());
        if (p.offsets().size() > 1 && start + p.offsets().size() != in.rank()) {
            throw error(p.offsets().size() + " offsets for the " + (in.rank() - start) + " axes from axis " + start
                    + " of bottom " + in + "; give one per cropped axis, or one for all");
        }
        if (like.rank() < in.rank()) {
            throw error("bottom 1 " + like + " has fewer axes than bottom 0 " + in);
        }
        int[] dims = in.dims();
        offsets = new int[in.rank()];
        for (int a = start; a < in.rank(); a++) {
            int offset = p.offsets().isEmpty() ? 0 : p.offsets().get(p.offsets().size() == 1 ? 0 : a - start);
            if ((long) offset + like.dim(a) > in.dim(a)) {
                throw error("the crop of axis " + a + " to " + like.dim(a) + " at offset " + offset
                        + " does not fit in bottom " + in);
            }
            offsets[a] = offset;
            dims[a] = like.dim(a);
        }
        return List.of(Shape.of(dims));
    }

    /** Bottom 1 gives only the size. */
    @Override
    public boolean canPropagateTo(int index) {
        return index == 0;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.layerOps().copyWindow(bottoms.get(0), offsets, tops.get(0), false);
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            backend.fill(bottomDiffs.get(0), 0f);
            backend.layerOps().copyWindow(bottomDiffs.get(0), offsets, topDiffs.get(0), true);
        }
    }
}
