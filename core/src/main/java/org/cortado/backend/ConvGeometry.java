package org.cortado.backend;

import org.cortado.tensor.Shape;

/**
 * The shape arithmetic of a 2-D convolution, as Caffe defines it.
 *
 * <p>Input {@code (batch, inChannels, inH, inW)}, weight {@code (outChannels, inChannels/group, kernelH, kernelW)},
 * output {@code (batch, outChannels, outH, outW)} with
 * {@code outH = (inH + 2*padH - (dilationH*(kernelH-1)+1)) / strideH + 1} (floor), and likewise for W.
 */
public record ConvGeometry(int batch, int inChannels, int inH, int inW, int outChannels,
                           int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                           int dilationH, int dilationW, int group) {

    public ConvGeometry {
        if (group < 1 || inChannels % group != 0 || outChannels % group != 0) {
            throw new IllegalArgumentException("group " + group + " must divide input channels " + inChannels
                    + " and output channels " + outChannels);
        }
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1
                || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("invalid convolution geometry " + this);
        }
        long outH = outputSize(inH, kernelH, strideH, padH, dilationH);
        long outW = outputSize(inW, kernelW, strideW, padW, dilationW);
        if (outH > Integer.MAX_VALUE || outW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("convolution output of " + outH + " x " + outW + " pixels (padding "
                    + padH + " x " + padW + ") is out of range");
        }
    }

    /**
     * Caffe's output size, in long arithmetic since padding, kernel and dilation come from a file and may be huge;
     * the division truncates towards zero as Caffe's does.
     */
    private static long outputSize(int in, int kernel, int stride, int pad, int dilation) {
        long extent = (long) dilation * (kernel - 1) + 1;
        return (in + 2L * pad - extent) / stride + 1;
    }

    /**
     * Checks that {@code output} is {@code (N, C', outH, outW)} with room for this convolution's channels from
     * {@code channelOffset} (a concat's slice; see {@link Backend#convolutionForwardInto}).
     *
     * @throws IllegalArgumentException naming both shapes and the offset
     */
    public void requireOutputWindow(Shape output, int channelOffset) {
        if (output.rank() != 4 || output.dim(0) != batch || output.dim(2) != outH() || output.dim(3) != outW()
                || channelOffset < 0 || channelOffset + outChannels > output.dim(1)) {
            throw new IllegalArgumentException("a convolution output of " + Shape.of(batch,
                    outChannels, outH(), outW()) + " does not fit channels from " + channelOffset
                    + " of an output of " + output);
        }
    }

    /** At most 2^31-1 (checked on construction); below 1 when the dilated kernel is larger than the padded input. */
    public int outH() {
        return (int) Math.max(Integer.MIN_VALUE, outputSize(inH, kernelH, strideH, padH, dilationH));
    }

    public int outW() {
        return (int) Math.max(Integer.MIN_VALUE, outputSize(inW, kernelW, strideW, padW, dilationW));
    }

    /** Input channels seen by one output channel. */
    public int inChannelsPerGroup() {
        return inChannels / group;
    }

    public int outChannelsPerGroup() {
        return outChannels / group;
    }

    /** Rows of the im2col matrix of one group: {@code inChannels/group * kernelH * kernelW}. */
    public int patchSize() {
        return inChannelsPerGroup() * kernelH * kernelW;
    }

    /** Whether the convolution is a plain matrix product over pixels (1x1, stride 1, no padding). */
    public boolean isPointwise() {
        return kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
    }

    /** Multiply-adds of the forward pass, times two. */
    public double flops() {
        return 2.0 * batch * outChannels * outH() * outW() * patchSize();
    }
}
