package org.cortado.layers;

import java.util.Arrays;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.RowReduction;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.ReductionParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Reduction: bottom {@code (d_0, ..., d_k)}, top {@code (d_0, ..., d_{axis-1})} (a scalar for axis 0, the default):
 * each top value reduces all the bottom's values from {@code axis} on, times {@code coeff}: SUM of x, ASUM of |x|,
 * SUMSQ of x^2, MEAN (SUM with {@code coeff / count}). {@code dinp = coeff dout} times 1, sign(x) or 2x.
 */
public final class ReductionLayer extends Layer {
    public enum Operation { SUM, ASUM, SUMSQ, MEAN }

    public record Params(Operation operation, int axis, float coeff) {
        public static Params from(LayerParameter layer) {
            ReductionParameter p = layer.getReductionParam();
            return new Params(Operation.valueOf(p.getOperation().name()), p.getAxis(), p.getCoeff());
        }
    }

    private final Params p;
    private int rows;
    private int dim;
    private float coeff;

    public ReductionLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    private RowReduction op() {
        return switch (p.operation()) {
            case SUM, MEAN -> RowReduction.SUM;
            case ASUM -> RowReduction.ASUM;
            case SUMSQ -> RowReduction.SUMSQ;
        };
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        int axis = in.rank() == 0 ? 0 : canonicalAxis(in, p.axis());
        rows = in.count(0, axis);
        dim = in.countFrom(axis);
        // Caffe divides the coefficient in float.
        coeff = p.operation() == Operation.MEAN ? p.coeff() / dim : p.coeff();
        return List.of(Shape.of(Arrays.copyOf(in.dims(), axis)));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.layerOps().reduceRows(op(), bottoms.get(0), tops.get(0), rows, dim, coeff);
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            backend.layerOps().reduceRowsBackward(op(), bottoms.get(0), topDiffs.get(0), bottomDiffs.get(0), rows, dim,
                    coeff);
        }
    }
}
