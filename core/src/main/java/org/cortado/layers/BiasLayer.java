package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.BiasParameter;
import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Bias: {@code top = bottom + bias}, with {@code bias} broadcast over the axes before {@code axis} and after its own
 * ones: a learned parameter of shape {@code bottom.shape[axis, axis + num_axes)} (num_axes -1: to the end) with one
 * bottom, or the second bottom. A scalar bias ({@code num_axes: 0}) is added everywhere. {@code dinp = dout},
 * {@code dbias = sum of dout over the broadcast axes} (accumulated for the parameter, overwritten for a bottom). The
 * parameter starts at a constant filler's value (Caffe's default filler: constant 0); other fillers are not drawn at
 * build time.
 */
public final class BiasLayer extends Layer {
    public record Params(int axis, int numAxes, FillerParameter filler) {
        public static Params from(LayerParameter layer) {
            BiasParameter p = layer.getBiasParam();
            if (p.getNumAxes() < -1) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Bias): num_axes must be >= -1, got "
                        + p.getNumAxes());
            }
            return new Params(p.getAxis(), p.getNumAxes(), p.getFiller());
        }
    }

    private final Params p;
    private int outer;
    private int channels;
    private int inner;

    public BiasLayer(LayerConfig config, Params params) {
        super(config, 1, 2, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    private boolean biasIsBottom() {
        return config.bottoms().size() == 2;
    }

    @Override
    public void setUp(Backend backend, List<Shape> bottomShapes) {
        if (biasIsBottom()) {
            return;
        }
        Shape in = bottomShapes.get(0);
        int axis = canonicalAxis(in, p.axis());
        // In long: num_axes comes from the prototxt and may be near 2^31.
        long end = p.numAxes() == -1 ? in.rank() : (long) axis + p.numAxes();
        if (end > in.rank()) {
            throw error("axis " + axis + " + num_axes " + p.numAxes() + " exceeds bottom " + in);
        }
        int[] dims = new int[(int) end - axis];
        System.arraycopy(in.dims(), axis, dims, 0, dims.length);
        Param bias = addParam(backend, Shape.of(dims));
        if (p.filler().getType().equals("constant")) {
            backend.fill(bias.data(), p.filler().getValue());
        }
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        Shape bias = biasIsBottom() ? bottomShapes.get(1) : params().get(0).shape();
        // Caffe: a scalar bias is the same on any axis, so it takes axis 0.
        int axis = bias.rank() == 0 ? 0 : canonicalAxis(in, p.axis());
        for (int i = 0; i < bias.rank(); i++) {
            if (axis + i >= in.rank() || in.dim(axis + i) != bias.dim(i)) {
                throw error("bias " + bias + " does not match bottom " + in + " from axis " + axis);
            }
        }
        outer = in.count(0, axis);
        channels = bias.count();
        inner = in.countFrom(axis + bias.rank());
        return List.of(in);
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor bias = biasIsBottom() ? bottoms.get(1) : params().get(0).data();
        backend.copy(bottoms.get(0), tops.get(0));
        backend.addBias(tops.get(0), bias, outer, channels, inner);
    }

    /** Elementwise in its bottom: {@code dinp = dout}, the bias gradient read from {@code dout} first. */
    @Override
    public boolean backwardInPlace() {
        return true;
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Tensor dout = topDiffs.get(0);
        if (biasIsBottom() && wants(bottomDiffs, 1)) {
            backend.fill(bottomDiffs.get(1), 0f);
            backend.biasBackward(dout, bottomDiffs.get(1), outer, channels, inner);
        } else if (!biasIsBottom() && params().get(0).isLearned()) {
            backend.biasBackward(dout, params().get(0).diff(backend), outer, channels, inner);
        }
        if (wants(bottomDiffs, 0) && bottomDiffs.get(0) != dout) {
            backend.copy(dout, bottomDiffs.get(0));
        }
    }
}
