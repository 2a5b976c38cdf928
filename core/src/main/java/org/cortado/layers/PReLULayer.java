package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.PReLUParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * PReLU: bottom {@code (N, C, ...)} (at least two axes), top of the same shape,
 * {@code top = max(x, 0) + slope[c] min(x, 0)} with a learned slope per channel {@code (C)}, or one {@code ()} shared
 * by all with {@code channel_shared}. {@code dinp = dout (x > 0 ? 1 : slope[c])},
 * {@code dslope[c] += sum over n and the other axes of dout x (x <= 0)}. The slope starts at Caffe's default filler,
 * constant 0.25, or at a constant filler's value; other fillers are not drawn at build time (a net's parameters come
 * from its weights).
 */
public final class PReLULayer extends Layer {
    public record Params(boolean channelShared, FillerParameter filler) {
        public static Params from(LayerParameter layer) {
            PReLUParameter p = layer.getPreluParam();
            FillerParameter filler = p.hasFiller() ? p.getFiller()
                    : FillerParameter.newBuilder().setType("constant").setValue(0.25f).build();
            return new Params(p.getChannelShared(), filler);
        }
    }

    private final Params p;
    private int outer;
    private int channels;
    private int inner;

    public PReLULayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public void setUp(Backend backend, List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        requireTwoAxes(in);
        Param slope = addParam(backend, p.channelShared() ? Shape.of() : Shape.of(in.dim(1)));
        if (p.filler().getType().equals("constant")) {
            backend.fill(slope.data(), p.filler().getValue());
        }
    }

    private void requireTwoAxes(Shape in) {
        if (in.rank() < 2) {
            throw error("bottom must have at least 2 axes (N, C, ...), got " + in);
        }
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        requireTwoAxes(in);
        int slopes = params().get(0).shape().count();
        if (!p.channelShared() && slopes != in.dim(1)) {
            throw error("bottom " + in + " has " + in.dim(1) + " channels, the layer " + slopes + " slopes");
        }
        outer = in.dim(0);
        channels = p.channelShared() ? 1 : in.dim(1);
        inner = in.countFrom(1) / channels;
        return List.of(in);
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.layerOps().preluForward(bottoms.get(0), params().get(0).data(), tops.get(0), outer, channels, inner);
    }

    /** Elementwise; the slope gradient is taken before the bottom gradient overwrites the top's. */
    @Override
    public boolean backwardInPlace() {
        return true;
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Param slope = params().get(0);
        Tensor x = bottoms.get(0);
        Tensor dout = topDiffs.get(0);
        if (slope.isLearned()) {
            backend.layerOps().preluSlopeBackward(x, dout, slope.diff(backend), outer, channels, inner);
        }
        if (wants(bottomDiffs, 0)) {
            backend.layerOps().preluBackward(x, slope.data(), dout, bottomDiffs.get(0), outer, channels, inner);
        }
    }
}
