package org.cortado.layers;

import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.SliceParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Slice along {@code axis} (default 1; the legacy {@code slice_dim} when no axis is given): bottom
 * {@code (..., C, ...)}, tops {@code (..., C_i, ...)} that agree on every other axis, cut at the increasing
 * {@code slice_point}s (one fewer than the tops), or into equal parts when none are given. Each bottom gradient
 * slice is its top's gradient: Concat backwards.
 */
public final class SliceLayer extends Layer {
    /** {@code axis} null when the legacy {@code slice_dim} applies. */
    public record Params(Integer axis, int sliceDim, List<Integer> slicePoints) {
        public static Params from(LayerParameter layer) {
            SliceParameter p = layer.getSliceParam();
            String who = "layer '" + layer.getName() + "' (Slice): ";
            if (p.hasAxis() && p.hasSliceDim()) {
                throw new NetDefinitionException(who + "give either axis or slice_dim, not both");
            }
            if (p.getSliceDim() < 0) {
                throw new NetDefinitionException(who + "slice_dim " + Integer.toUnsignedString(p.getSliceDim())
                        + " is past 2^31-1");
            }
            int prev = 0;
            for (int point : p.getSlicePointList()) {
                // uint32 in Caffe's proto: past 2^31-1 a point reads negative here.
                if (point <= prev) {
                    throw new NetDefinitionException(who + "slice_point values must increase from 1, got "
                            + p.getSlicePointList().stream().map(Integer::toUnsignedString).toList());
                }
                prev = point;
            }
            return new Params(p.hasSliceDim() ? null : p.getAxis(), p.getSliceDim(), p.getSlicePointList());
        }
    }

    private final Params p;
    private int axis;
    private int outer;
    private int inner;

    public SliceLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, Integer.MAX_VALUE);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        if (p.axis() == null) {
            if (p.sliceDim() >= in.rank()) {
                throw error("slice_dim " + p.sliceDim() + " is out of range for bottom " + in);
            }
            axis = p.sliceDim();
        } else {
            axis = canonicalAxis(in, p.axis());
        }
        int size = in.dim(axis);
        int tops = config.tops().size();
        List<Integer> sizes = new ArrayList<>();
        if (!p.slicePoints().isEmpty()) {
            if (p.slicePoints().size() != tops - 1) {
                throw error(p.slicePoints().size() + " slice_point(s) for " + tops + " tops; give one fewer than the "
                        + "tops");
            }
            int prev = 0;
            for (int point : p.slicePoints()) {
                sizes.add(point - prev);
                prev = point;
            }
            if (prev >= size) {
                throw error("slice_point " + prev + " is not inside axis " + axis + " of bottom " + in);
            }
            sizes.add(size - prev);
        } else {
            if (size % tops != 0) {
                throw error(tops + " tops do not divide axis " + axis + " of bottom " + in + " evenly");
            }
            for (int i = 0; i < tops; i++) {
                sizes.add(size / tops);
            }
        }
        outer = in.count(0, axis);
        inner = in.countFrom(axis + 1);
        List<Shape> shapes = new ArrayList<>();
        for (int s : sizes) {
            shapes.add(in.withDim(axis, s));
        }
        return shapes;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor in = bottoms.get(0);
        int bottomAxis = in.shape().dim(axis);
        int offset = 0;
        for (Tensor top : tops) {
            int block = top.shape().dim(axis) * inner;
            backend.copyBlocks(in, offset * inner, bottomAxis * inner, top, 0, block, block, outer, false);
            offset += top.shape().dim(axis);
        }
    }

    /** Each top's gradient goes to its slice of {@code dinp}. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        Tensor dinp = bottomDiffs.get(0);
        int bottomAxis = dinp.shape().dim(axis);
        int offset = 0;
        for (Tensor dout : topDiffs) {
            int block = dout.shape().dim(axis) * inner;
            backend.copyBlocks(dout, 0, block, dinp, offset * inner, bottomAxis * inner, block, outer, false);
            offset += dout.shape().dim(axis);
        }
    }
}
