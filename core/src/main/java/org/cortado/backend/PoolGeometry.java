package org.cortado.backend;

/**
 * The geometry of a 2-D pooling over {@code (batch, channels, inH, inW)} into {@code (batch, channels, outH, outW)}.
 *
 * <p>The output size is decided by the Pooling layer (Caffe rounds up, then drops a last window that would start in
 * the padding); windows are clipped to {@code [-pad, in+pad)} for the AVE divisor and to {@code [0, in)} for the
 * values, exactly as Caffe's pooling_layer.cpp does.
 */
public record PoolGeometry(int batch, int channels, int inH, int inW, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW, int outH, int outW) {
    public PoolGeometry {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("invalid pooling geometry " + this);
        }
    }
}
