package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.ReshapeParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Reshape: replaces axes {@code [axis, axis + num_axes)} of the bottom's shape by {@code shape}, where a 0 copies
 * the bottom's dimension at that position and one -1 is inferred from the element count (Caffe's rules). The top
 * is a view of the bottom's memory.
 */
public final class ReshapeLayer extends Layer {
    public record Params(long[] dims, int axis, int numAxes) {
        public static Params from(LayerParameter layer) {
            ReshapeParameter p = layer.getReshapeParam();
            long[] dims = p.getShape().getDimList().stream().mapToLong(Long::longValue).toArray();
            int inferred = 0;
            for (long d : dims) {
                if (d == -1) {
                    inferred++;
                } else if (d < 0) {
                    throw new NetDefinitionException("layer '" + layer.getName() + "' (Reshape): dimension " + d
                            + " is invalid; use 0 to copy and -1 to infer");
                }
            }
            if (inferred > 1) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Reshape): at most one -1 dimension");
            }
            if (p.getNumAxes() < -1) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Reshape): num_axes "
                        + p.getNumAxes() + " is invalid; -1 means all axes from axis on");
            }
            return new Params(dims, p.getAxis(), p.getNumAxes());
        }
    }

    private final Params p;

    public ReshapeLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        // axis may be rank (insert at the end), so canonicalise against rank + 1 as Caffe does.
        int start = p.axis() < 0 ? p.axis() + in.rank() + 1 : p.axis();
        if (start < 0 || start > in.rank()) {
            throw error("axis " + p.axis() + " out of range for bottom " + in);
        }
        long lastAxis = p.numAxes() == -1 ? in.rank() : (long) start + p.numAxes();
        if (lastAxis > in.rank()) {
            throw error("axis " + p.axis() + " + num_axes " + p.numAxes() + " exceeds bottom " + in);
        }
        int end = (int) lastAxis;
        int[] out = new int[start + p.dims().length + in.rank() - end];
        int k = 0;
        for (int a = 0; a < start; a++) {
            out[k++] = in.dim(a);
        }
        int inferAt = -1;
        for (int i = 0; i < p.dims().length; i++) {
            long d = p.dims()[i];
            if (d == 0) {
                if (start + i >= in.rank()) {
                    throw error("dimension 0 at position " + i + " copies an axis the bottom " + in + " lacks");
                }
                out[k++] = in.dim(start + i);
            } else if (d == -1) {
                inferAt = k;
                out[k++] = 1;
            } else if (d > Integer.MAX_VALUE) {
                throw error("dimension " + d + " is out of range");
            } else {
                out[k++] = (int) d;
            }
        }
        for (int a = end; a < in.rank(); a++) {
            out[k++] = in.dim(a);
        }
        long known = Shape.product(java.util.Arrays.stream(out).asLongStream().toArray());
        if (inferAt >= 0) {
            if (known == 0 || in.count() % known != 0) {
                throw error("cannot infer the -1 dimension: " + in.count() + " elements over " + known);
            }
            out[inferAt] = (int) (in.count() / known);
        } else if (known != in.count()) {
            throw error("new shape " + Shape.of(out) + " has " + known + " elements, bottom " + in + " has "
                    + in.count());
        }
        return List.of(Shape.of(out));
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
