package org.cortado.layers;

import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.InnerProductParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * InnerProduct (fully connected): the bottom is viewed as {@code (M, K)} with {@code M} the product of the axes
 * before {@code axis} and {@code K} of the rest; weight {@code (N, K)} ({@code (K, N)} when {@code transpose}),
 * bias {@code (N)}; top {@code (dims before axis..., N)} = {@code bottom * weight^T + bias}.
 */
public final class InnerProductLayer extends Layer {
    public record Params(int numOutput, boolean biasTerm, int axis, boolean transpose,
                         FillerParameter weightFiller, FillerParameter biasFiller) {
        public static Params from(LayerParameter layer) {
            InnerProductParameter p = layer.getInnerProductParam();
            if (!p.hasNumOutput() || p.getNumOutput() < 1) {
                throw new NetDefinitionException("layer '" + layer.getName()
                        + "' (InnerProduct): inner_product_param.num_output must be set and positive");
            }
            return new Params(p.getNumOutput(), p.getBiasTerm(), p.getAxis(), p.getTranspose(),
                    p.getWeightFiller(), p.getBiasFiller());
        }
    }

    private final Params p;
    private int m;
    private int k;

    public InnerProductLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public void setUp(Backend backend, List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        int axis = canonical(in);
        int inputs = in.countFrom(axis);
        addParam(backend, p.transpose() ? Shape.of(inputs, p.numOutput()) : Shape.of(p.numOutput(), inputs));
        if (p.biasTerm()) {
            addParam(backend, Shape.of(p.numOutput()));
        }
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        int axis = canonical(in);
        int expected = params().get(0).shape().dim(p.transpose() ? 0 : 1);
        if (in.countFrom(axis) != expected) {
            throw error("bottom " + in + " has " + in.countFrom(axis) + " inputs per sample from axis " + axis
                    + ", weights expect " + expected);
        }
        m = in.count(0, axis);
        k = expected;
        int[] dims = new int[axis + 1];
        System.arraycopy(in.dims(), 0, dims, 0, axis);
        dims[axis] = p.numOutput();
        return List.of(Shape.of(dims));
    }

    private int canonical(Shape in) {
        return canonicalAxis(in, p.axis());
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        // Weight stored (N, K) is op(B) = W^T with transB; stored (K, N) it is used as is.
        backend.gemm(false, !p.transpose(), m, p.numOutput(), k, 1f, bottoms.get(0), 0,
                params().get(0).data(), 0, 0f, tops.get(0), 0);
        if (p.biasTerm()) {
            backend.addBias(tops.get(0), params().get(1).data(), m, p.numOutput(), 1);
        }
    }

    /** Shapes of the parameters for a given input count, for building replacement classifiers. */
    public static List<Shape> parameterShapes(Params p, int inputs) {
        List<Shape> shapes = new ArrayList<>();
        shapes.add(p.transpose() ? Shape.of(inputs, p.numOutput()) : Shape.of(p.numOutput(), inputs));
        if (p.biasTerm()) {
            shapes.add(Shape.of(p.numOutput()));
        }
        return shapes;
    }

    /**
     * With the bottom as {@code X (M, K)}, weight {@code W (N, K)} and {@code dout (M, N)}: {@code dinp = dout W},
     * {@code dW += dout^T X} ({@code dW (K, N) += X^T dout} when transposed), {@code dbias += column sums of dout}.
     */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Tensor dout = topDiffs.get(0);
        Param weight = params().get(0);
        int n = p.numOutput();
        if (weight.isLearned()) {
            if (p.transpose()) {
                backend.gemm(true, false, k, n, m, 1f, bottoms.get(0), 0, dout, 0, 1f, weight.diff(backend), 0);
            } else {
                backend.gemm(true, false, n, k, m, 1f, dout, 0, bottoms.get(0), 0, 1f, weight.diff(backend), 0);
            }
        }
        if (p.biasTerm() && params().get(1).isLearned()) {
            backend.biasBackward(dout, params().get(1).diff(backend), m, n, 1);
        }
        if (wants(bottomDiffs, 0)) {
            // W stored (N, K) is used as is; stored (K, N) it is W^T, read transposed.
            backend.gemm(false, p.transpose(), m, k, n, 1f, dout, 0, weight.data(), 0, 0f, bottomDiffs.get(0), 0);
        }
    }
}
