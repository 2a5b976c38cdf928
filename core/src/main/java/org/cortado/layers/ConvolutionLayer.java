package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.ConvGeometry;
import org.cortado.caffe.proto.Caffe.ConvolutionParameter;
import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Convolution: bottom {@code (N, C, H, W)}, weight {@code (K, C/group, kh, kw)}, bias {@code (K)}, top
 * {@code (N, K, H', W')} with {@code H' = (H + 2 pad_h - (dilation_h (kh - 1) + 1)) / stride_h + 1} (floor).
 * {@code top[n, k] = bias[k] + sum over c in k's group of weight[k, c] (x) bottom[n, c]} (cross-correlation).
 */
public final class ConvolutionLayer extends Layer {
    /** convolution_param, with Caffe's single/pair/h-w forms resolved. */
    public record Params(int numOutput, boolean biasTerm, int kernelH, int kernelW, int strideH, int strideW,
                         int padH, int padW, int dilationH, int dilationW, int group,
                         FillerParameter weightFiller, FillerParameter biasFiller) {
        public static Params from(LayerParameter layer) {
            ConvolutionParameter p = layer.getConvolutionParam();
            // Deconvolution takes the same parameters.
            String who = "layer '" + layer.getName() + "' (" + layer.getType() + "): ";
            if (!layer.hasConvolutionParam() || !p.hasNumOutput() || p.getNumOutput() < 1) {
                throw new NetDefinitionException(who + "convolution_param.num_output must be set and positive");
            }
            if (p.getAxis() != 1) {
                throw new NetDefinitionException(who + "only axis 1 (N, C, H, W) is supported, got axis " + p.getAxis());
            }
            int[] kernel = pair(who, "kernel", p.hasKernelH() || p.hasKernelW(), p.getKernelH(), p.getKernelW(),
                    p.getKernelSizeList(), -1);
            int[] stride = pair(who, "stride", p.hasStrideH() || p.hasStrideW(), p.getStrideH(), p.getStrideW(),
                    p.getStrideList(), 1);
            int[] pad = pair(who, "pad", p.hasPadH() || p.hasPadW(), p.getPadH(), p.getPadW(), p.getPadList(), 0);
            int[] dilation = pair(who, "dilation", false, 0, 0, p.getDilationList(), 1);
            if (kernel[0] < 1 || kernel[1] < 1 || stride[0] < 1 || stride[1] < 1 || dilation[0] < 1
                    || dilation[1] < 1) {
                throw new NetDefinitionException(who + "kernel, stride and dilation must be positive");
            }
            // Caffe's fields are uint32: a value past 2^31-1 reads negative here, and group 0 would divide by zero.
            if (pad[0] < 0 || pad[1] < 0) {
                throw new NetDefinitionException(who + "pad (" + Integer.toUnsignedString(pad[0]) + ", "
                        + Integer.toUnsignedString(pad[1]) + ") is past 2^31-1");
            }
            if (p.getGroup() < 1) {
                throw new NetDefinitionException(who + "group must be positive, got "
                        + Integer.toUnsignedString(p.getGroup()));
            }
            return new Params(p.getNumOutput(), p.getBiasTerm(), kernel[0], kernel[1], stride[0], stride[1],
                    pad[0], pad[1], dilation[0], dilation[1], p.getGroup(), p.getWeightFiller(), p.getBiasFiller());
        }

        /** Caffe's rule: either the _h/_w pair, or a repeated field with 0 (default), 1 (both) or 2 values. */
        private static int[] pair(String who, String name, boolean hw, int h, int w, List<Integer> values, int dflt) {
            if (hw) {
                if (!values.isEmpty()) {
                    throw new NetDefinitionException(who + "give either " + name + "_h/" + name + "_w or "
                            + name + (name.equals("kernel") ? "_size" : "") + ", not both");
                }
                return new int[] {h, w};
            }
            switch (values.size()) {
                case 0:
                    if (dflt < 0) {
                        throw new NetDefinitionException(who + "kernel_size (or kernel_h and kernel_w) is required");
                    }
                    return new int[] {dflt, dflt};
                case 1:
                    return new int[] {values.get(0), values.get(0)};
                case 2:
                    return new int[] {values.get(0), values.get(1)};
                default:
                    throw new NetDefinitionException(who + name + " has " + values.size()
                            + " values; 2-D convolution takes 1 or 2");
            }
        }
    }

    private final Params p;
    private ConvGeometry geometry;
    /** The bias an inference fold gave a layer that has none of its own ({@link #foldChannelAffine}), else null. */
    private Tensor foldedBias;

    public ConvolutionLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
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
        addParam(backend, Shape.of(p.numOutput(), channels / p.group(), p.kernelH(), p.kernelW()));
        if (p.biasTerm()) {
            addParam(backend, Shape.of(p.numOutput()));
        }
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        requireRank(in, 4, "bottom");
        int expectedChannels = params().get(0).shape().dim(1) * p.group();
        if (in.dim(1) != expectedChannels) {
            throw error("bottom has " + in.dim(1) + " channels, weights expect " + expectedChannels);
        }
        geometry = new ConvGeometry(in.dim(0), in.dim(1), in.dim(2), in.dim(3), p.numOutput(),
                p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(),
                p.dilationH(), p.dilationW(), p.group());
        if (geometry.outH() < 1 || geometry.outW() < 1) {
            throw error("input " + in + " is smaller than the dilated kernel " + p.kernelH() + "x" + p.kernelW());
        }
        return List.of(Shape.of(in.dim(0), p.numOutput(), geometry.outH(), geometry.outW()));
    }

    /** The geometry of the last {@link #reshape}. */
    public ConvGeometry geometry() {
        return geometry;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor bias = bias();
        backend.convolutionForward(geometry, bottoms.get(0), params().get(0).data(), bias, tops.get(0));
    }

    /**
     * {@link #forward} and a ReLU of slope 0 on the top in one call ({@link Backend#convolutionReluForward}): what a
     * net runs for this layer and the in-place ReLU after it once it has fused the two ({@code Net#fuseReLUs}).
     */
    public void forwardWithRelu(Backend backend, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor bias = bias();
        backend.convolutionReluForward(geometry, bottoms.get(0), params().get(0).data(), bias, tops.get(0));
    }

    /**
     * The forward pass (with {@code relu}, fused with its ReLU) written into channels from {@code channelOffset} of
     * {@code target} instead of this layer's top ({@link Backend#convolutionForwardInto}): what a net runs for a
     * convolution whose output goes to a Concat alone, once it writes concats in place ({@code Net#writeConcatsInPlace}).
     */
    public void forwardInto(Backend backend, List<Tensor> bottoms, boolean relu, Tensor target, int channelOffset) {
        Tensor bias = bias();
        backend.convolutionForwardInto(geometry, bottoms.get(0), params().get(0).data(), bias, relu, target,
                channelOffset);
    }

    private Tensor bias() {
        return p.biasTerm() ? params().get(1).data() : foldedBias;
    }

    /**
     * Folds a per-output-channel affine map that follows this layer at inference (a BatchNorm with stored statistics,
     * a Scale) into its weights: {@code weight[k] *= scale[k]}, {@code bias[k] = bias[k] * scale[k] + shift[k]}, a
     * bias of {@code shift} where the layer has none (kept apart from its parameters, which still match the
     * prototxt). The layer then computes the affine map of its former output, as close as float rounding allows.
     * The folded values are new tensors unless {@code inPlace}: the old ones may be shared with the caffemodel's
     * blobs or another net. With {@code inPlace} (the caller knows nobody else holds them), host parameters are
     * overwritten instead: on ResNet-50 the new copies left the unfolded weights (about 94 MB) for the collector,
     * which a one-shot process's old generation held until its peak (bench/RESULTS.md). Modified: this layer's
     * weight (and bias).
     *
     * @throws IllegalArgumentException unless both arrays hold one value per output channel
     */
    public void foldChannelAffine(Backend backend, double[] scale, double[] shift, boolean inPlace) {
        int k = p.numOutput();
        if (scale.length != k || shift.length != k) {
            throw new IllegalArgumentException(config.describe() + ": a fold needs " + k + " scales and shifts, got "
                    + scale.length + " and " + shift.length);
        }
        Param weight = params().get(0);
        boolean overwrite = inPlace && weight.data().isHost();
        float[] w = overwrite ? weight.data().hostData() : backend.download(weight.data()).hostData().clone();
        int perChannel = weight.shape().countFrom(1);
        for (int c = 0; c < k; c++) {
            for (int j = c * perChannel; j < (c + 1) * perChannel; j++) {
                w[j] = (float) (w[j] * scale[c]);
            }
        }
        float[] b = new float[k];
        float[] old = p.biasTerm() ? backend.download(params().get(1).data()).hostData() : null;
        for (int c = 0; c < k; c++) {
            b[c] = (float) ((old == null ? 0.0 : old[c] * scale[c]) + shift[c]);
        }
        if (!overwrite) {
            weight.setData(backend.upload(Tensor.wrap(weight.shape(), w)));
        }
        Tensor bias = backend.upload(Tensor.wrap(Shape.of(k), b));
        if (p.biasTerm()) {
            params().get(1).setData(bias);
        } else {
            foldedBias = bias;
        }
    }

    /**
     * {@code dinp = dout (*) weight} (col2im of {@code weight^T dout}), {@code dweight += dout (x) bottom} and
     * {@code dbias += sum of dout over N, H', W'}; parameter gradients only for learned parameters.
     */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Tensor dout = topDiffs.get(0);
        Param weight = params().get(0);
        Param bias = p.biasTerm() ? params().get(1) : null;
        boolean learnBias = bias != null && bias.isLearned();
        if (weight.isLearned()) {
            backend.convolutionBackwardFilter(geometry, bottoms.get(0), dout, weight.diff(backend),
                    learnBias ? bias.diff(backend) : null);
        } else if (learnBias) {
            backend.biasBackward(dout, bias.diff(backend), geometry.batch(), geometry.outChannels(),
                    geometry.outH() * geometry.outW());
        }
        if (wants(bottomDiffs, 0)) {
            backend.convolutionBackwardData(geometry, weight.data(), dout, bottomDiffs.get(0));
        }
    }
}
