package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.ScaleParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Scale: {@code top = bottom * scale (+ bias)}, with {@code scale} broadcast over the axes before {@code axis} and
 * after {@code axis + num_axes}. The scale is a learned parameter of shape {@code bottom.shape[axis, axis+num_axes)}
 * with one bottom, or the second bottom. Supported: scales covering one axis run of the bottom (the usual per-channel
 * case after BatchNorm).
 */
public final class ScaleLayer extends Layer {
    public record Params(int axis, int numAxes, boolean biasTerm, FillerParameter filler, FillerParameter biasFiller) {
        public static Params from(LayerParameter layer) {
            ScaleParameter p = layer.getScaleParam();
            if (p.getNumAxes() < -1) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Scale): num_axes must be >= -1, got "
                        + p.getNumAxes());
            }
            return new Params(p.getAxis(), p.getNumAxes(), p.getBiasTerm(), p.getFiller(), p.getBiasFiller());
        }
    }

    private final Params p;
    private int outer;
    private int channels;
    private int inner;
    /** The bottom axis the scale starts at, as of the last {@link #reshape}. */
    private int scaleAxis;

    public ScaleLayer(LayerConfig config, Params params) {
        super(config, 1, 2, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    private boolean scaleIsBottom() {
        return config.bottoms().size() == 2;
    }

    @Override
    public void setUp(Backend backend, List<Shape> bottomShapes) {
        if (!scaleIsBottom()) {
            Shape in = bottomShapes.get(0);
            int axis = axis(in);
            // In long: num_axes comes from the prototxt and may be near 2^31.
            long end = p.numAxes() == -1 ? in.rank() : (long) axis + p.numAxes();
            if (end > in.rank()) {
                throw error("axis " + axis + " + num_axes " + p.numAxes() + " exceeds bottom " + in);
            }
            int[] dims = new int[(int) end - axis];
            System.arraycopy(in.dims(), axis, dims, 0, dims.length);
            Param scale = addParam(backend, Shape.of(dims));
            backend.fill(scale.data(), 1f);
        }
        if (p.biasTerm()) {
            Shape scaleShape = scaleIsBottom() ? bottomShapes.get(1) : params().get(0).shape();
            addParam(backend, scaleShape);
        }
    }

    private int axis(Shape in) {
        return canonicalAxis(in, p.axis());
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        Shape scale = scaleIsBottom() ? bottomShapes.get(1) : params().get(0).shape();
        int axis = scale.rank() == 0 ? 0 : axis(in);
        for (int i = 0; i < scale.rank(); i++) {
            if (axis + i >= in.rank() || in.dim(axis + i) != scale.dim(i)) {
                throw error("scale " + scale + " does not match bottom " + in + " from axis " + axis);
            }
        }
        outer = in.count(0, axis);
        scaleAxis = axis;
        channels = scale.count();
        inner = in.countFrom(axis + scale.rank());
        return List.of(in);
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor scale = scaleIsBottom() ? bottoms.get(1) : params().get(0).data();
        Tensor bias = p.biasTerm() ? params().get(params().size() - 1).data() : null;
        backend.channelAffine(bottoms.get(0), scale, bias, tops.get(0), outer, channels, inner);
    }

    /** With its scale a parameter (one bottom), elementwise per channel: the top may be the bottom's tensor. */
    @Override
    public boolean forwardInPlace() {
        return !scaleIsBottom();
    }

    /**
     * {@code {scale, bias}} (bias null without a bias term) when this layer is a per-channel map of an
     * {@code (N, C, ...)} bottom by its own parameters, the form a net may fold into the convolution before it;
     * otherwise null.
     */
    public float[][] channelAffine(Backend backend) {
        if (scaleIsBottom() || scaleAxis != 1 || params().get(0).shape().rank() != 1) {
            return null;
        }
        float[] scale = backend.download(params().get(0).data()).hostData();
        float[] bias = p.biasTerm() ? backend.download(params().get(params().size() - 1).data()).hostData() : null;
        return new float[][] {scale, bias};
    }

    /**
     * {@code dinp = dout * scale}; {@code dscale += sum over outer and inner of dout * bottom} (overwritten when the
     * scale is the second bottom); {@code dbias += sum of dout}.
     */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Tensor dout = topDiffs.get(0);
        Tensor scale = scaleIsBottom() ? bottoms.get(1) : params().get(0).data();
        Tensor scaleDiff = null;
        if (scaleIsBottom() && wants(bottomDiffs, 1)) {
            scaleDiff = bottomDiffs.get(1);
            backend.fill(scaleDiff, 0f);
        } else if (!scaleIsBottom() && params().get(0).isLearned()) {
            scaleDiff = params().get(0).diff(backend);
        }
        if (scaleDiff != null) {
            Tensor product = scratch(backend, "product", dout.shape());
            backend.multiply(dout, bottoms.get(0), product);
            backend.biasBackward(product, scaleDiff, outer, channels, inner);
        }
        if (p.biasTerm()) {
            Param bias = params().get(params().size() - 1);
            if (bias.isLearned()) {
                backend.biasBackward(dout, bias.diff(backend), outer, channels, inner);
            }
        }
        if (wants(bottomDiffs, 0)) {
            backend.channelAffine(dout, scale, null, bottomDiffs.get(0), outer, channels, inner);
        }
    }
}
