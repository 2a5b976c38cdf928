package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.FlattenParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Flatten axes {@code [axis, end_axis]} into one: {@code (N, C, H, W)} becomes {@code (N, C*H*W)} by default. The
 * top is a view of the bottom's memory.
 */
public final class FlattenLayer extends Layer {
    public record Params(int axis, int endAxis) {
        public static Params from(LayerParameter layer) {
            FlattenParameter p = layer.getFlattenParam();
            return new Params(p.getAxis(), p.getEndAxis());
        }
    }

    private final Params p;

    public FlattenLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        int start = canonicalAxis(in, p.axis());
        int end = canonicalAxis(in, p.endAxis());
        if (end < start) {
            throw error("end_axis " + p.endAxis() + " comes before axis " + p.axis() + " for bottom " + in);
        }
        int[] dims = new int[in.rank() - (end - start)];
        int k = 0;
        for (int a = 0; a < start; a++) {
            dims[k++] = in.dim(a);
        }
        dims[k++] = in.count(start, end + 1);
        for (int a = end + 1; a < in.rank(); a++) {
            dims[k++] = in.dim(a);
        }
        return List.of(Shape.of(dims));
    }

    @Override
    public List<Tensor> topViews(List<Tensor> bottoms, List<Shape> topShapes) {
        return List.of(bottoms.get(0).reshape(topShapes.get(0)));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        // The top is a view of the bottom: nothing to compute.
    }

    /** The gradient is {@code dout} in the bottom's shape. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            backend.copy(topDiffs.get(0), bottomDiffs.get(0));
        }
    }
}
