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

    public int outH() {
        return (inH + 2 * padH - (dilationH * (kernelH - 1) + 1)) / strideH + 1;
    }

    public int outW() {
        return (inW + 2 * padW - (dilationW * (kernelW - 1) + 1)) / strideW + 1;
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
