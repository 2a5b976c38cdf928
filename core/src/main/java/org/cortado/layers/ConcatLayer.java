package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.ConcatParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Concat along {@code axis} (default 1, channels): bottoms {@code (N, C_i, H, W)} that agree on every other axis,
 * top {@code (N, sum C_i, H, W)}.
 */
public final class ConcatLayer extends Layer {
    public record Params(int axis) {
        public static Params from(LayerParameter layer) {
            ConcatParameter p = layer.getConcatParam();
            // The deprecated concat_dim counts only when axis is not given, as in Caffe.
            return new Params(!p.hasAxis() && p.hasConcatDim() ? p.getConcatDim() : p.getAxis());
        }
    }

    private final Params p;
    private int axis;
    private int outer;
    private int inner;

    public ConcatLayer(LayerConfig config, Params params) {
        super(config, 1, Integer.MAX_VALUE, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    /** The axis concatenated on, non-negative, as of the last {@link #reshape}. */
    public int axis() {
        return axis;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape first = bottomShapes.get(0);
        axis = canonicalAxis(first, p.axis());
        long total = 0;
        for (int i = 0; i < bottomShapes.size(); i++) {
            Shape s = bottomShapes.get(i);
            if (s.rank() != first.rank()) {
                throw error("bottom " + i + " " + s + " and bottom 0 " + first + " differ in rank");
            }
            for (int a = 0; a < s.rank(); a++) {
                if (a != axis && s.dim(a) != first.dim(a)) {
                    throw error("bottom " + i + " " + s + " and bottom 0 " + first + " differ on axis " + a
                            + " (concatenating on axis " + axis + ")");
                }
            }
            total += s.dim(axis);
        }
        if (total > Integer.MAX_VALUE) {
            throw error("the bottoms add up to " + total + " entries along axis " + axis + ", out of range");
        }
        outer = first.count(0, axis);
        inner = first.countFrom(axis + 1);
        return List.of(first.withDim(axis, (int) total));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor top = tops.get(0);
        int topAxis = top.shape().dim(axis);
        int offset = 0;
        for (Tensor b : bottoms) {
            int block = b.shape().dim(axis) * inner;
            backend.copyBlocks(b, 0, block, top, offset * inner, topAxis * inner, block, outer, false);
            offset += b.shape().dim(axis);
        }
    }

    /** Each bottom's gradient is its slice of {@code dout} along the axis. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Tensor dout = topDiffs.get(0);
        int topAxis = dout.shape().dim(axis);
        int offset = 0;
        for (int i = 0; i < bottoms.size(); i++) {
            int size = bottoms.get(i).shape().dim(axis);
            if (wants(bottomDiffs, i)) {
                int block = size * inner;
                backend.copyBlocks(dout, offset * inner, topAxis * inner, bottomDiffs.get(i), 0, block, block, outer,
                        false);
            }
            offset += size;
        }
    }
}
