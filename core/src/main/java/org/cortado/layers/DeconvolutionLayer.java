package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.ConvGeometry;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Deconvolution (transposed convolution), with Convolution's parameters: bottom {@code (N, C, H, W)}, weight
 * {@code (C, K/group, kh, kw)}, bias {@code (K)}, top {@code (N, K, H', W')} with
 * {@code H' = stride_h (H - 1) + dilation_h (kh - 1) + 1 - 2 pad_h}. It is the backward-data pass of the convolution
 * that maps a {@code (N, K, H', W')} input to this layer's bottom with the same weights ({@link #geometry}), as
 * Caffe computes it: forward = that convolution's input gradient (plus bias), the input gradient = that convolution's
 * forward, the weight gradient = its weight gradient with the roles of input and output gradient swapped.
 */
public final class DeconvolutionLayer extends Layer {
    private final ConvolutionLayer.Params p;
    /** The convolution this layer transposes: input (N, K, H', W'), output (N, C, H, W). */
    private ConvGeometry geometry;

    public DeconvolutionLayer(LayerConfig config, ConvolutionLayer.Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    /** Builds the parameters as Convolution does, naming this layer's type in errors. */
    public static ConvolutionLayer.Params paramsFrom(LayerParameter def) {
        return ConvolutionLayer.Params.from(def);
    }

    public ConvolutionLayer.Params settings() {
        return p;
    }

    @Override
    public void setUp(Backend backend, List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        requireRank(in, 4, "bottom");
        int channels = in.dim(1);
        if (channels % p.group() != 0 || p.numOutput() % p.group() != 0) {
            throw error("group " + p.group() + " must divide input channels " + channels + " and num_output "
                    + p.numOutput());
        }
        addParam(backend, Shape.of(channels, p.numOutput() / p.group(), p.kernelH(), p.kernelW()));
        if (p.biasTerm()) {
            addParam(backend, Shape.of(p.numOutput()));
        }
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        requireRank(in, 4, "bottom");
        if (in.dim(1) != params().get(0).shape().dim(0)) {
            throw error("bottom has " + in.dim(1) + " channels, weights expect " + params().get(0).shape().dim(0));
        }
        long outH = outputSize(in.dim(2), p.kernelH(), p.strideH(), p.padH(), p.dilationH());
        long outW = outputSize(in.dim(3), p.kernelW(), p.strideW(), p.padW(), p.dilationW());
        if (outH < 1 || outW < 1 || outH > Integer.MAX_VALUE || outW > Integer.MAX_VALUE) {
            throw error("output of " + outH + " x " + outW + " for bottom " + in + " is out of range");
        }
        geometry = new ConvGeometry(in.dim(0), p.numOutput(), (int) outH, (int) outW, in.dim(1), p.kernelH(),
                p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW(), p.group());
        return List.of(Shape.of(in.dim(0), p.numOutput(), (int) outH, (int) outW));
    }

    /** Caffe's deconvolution output size, in long (the parameters come from a file). */
    private static long outputSize(int in, int kernel, int stride, int pad, int dilation) {
        return (long) stride * (in - 1) + (long) dilation * (kernel - 1) + 1 - 2L * pad;
    }

    /** The convolution this layer transposes, as of the last {@link #reshape}. */
    public ConvGeometry geometry() {
        return geometry;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor top = tops.get(0);
        backend.convolutionBackwardData(geometry, params().get(0).data(), bottoms.get(0), top);
        if (p.biasTerm()) {
            backend.addBias(top, params().get(1).data(), geometry.batch(), p.numOutput(),
                    geometry.inH() * geometry.inW());
        }
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Tensor dout = topDiffs.get(0);
        Param weight = params().get(0);
        if (weight.isLearned()) {
            backend.convolutionBackwardFilter(geometry, dout, bottoms.get(0), weight.diff(backend), null);
        }
        if (p.biasTerm() && params().get(1).isLearned()) {
            backend.biasBackward(dout, params().get(1).diff(backend), geometry.batch(), p.numOutput(),
                    geometry.inH() * geometry.inW());
        }
        if (wants(bottomDiffs, 0)) {
            backend.convolutionForward(geometry, dout, weight.data(), null, bottomDiffs.get(0));
        }
    }
}
