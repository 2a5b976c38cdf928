package org.cortado.gpu;

import org.cortado.backend.LrnParams;
import org.cortado.backend.PoolGeometry;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The inference operations on 16-bit tensors ({@link Precision#BF16}, {@link Precision#FP16}; kernels in
 * {@code half.cu}): each loads 16-bit values, computes in float32 as its float32 kernel does and rounds once where it
 * stores. ReLU, the convolution's and inner product's bias with the fused ReLU, Concat's block copies, MAX (without
 * the training mask) and AVE pooling, LRN and softmax; convolutions and GEMMs are cuDNN's and cuBLAS's
 * ({@link CudnnConvolution}, {@link GpuBlas}).
 */
final class GpuHalfOps {
    private final GpuDevice device;
    private final int format;

    GpuHalfOps(GpuDevice device) {
        this.device = device;
        this.format = device.precision().format;
    }

    void reluForward(Tensor in, Tensor out, float negativeSlope) {
        GpuDevice.requireSameCount(in, out);
        device.run(Kernel.H16_RELU_FORWARD, in.count(), device.addrAny(in), device.addrAny(out), negativeSlope, format,
                in.count());
    }

    /**
     * Bias (may be null) and, with {@code relu}, a ReLU of slope 0 on channels {@code [offset, offset + channels)} of
     * {@code data}, a tensor of {@code total} channels of {@code inner} values, over {@code outer} images.
     */
    void biasRelu(Tensor data, Tensor bias, boolean relu, int outer, int channels, int inner, int total, int offset) {
        int n = outer * channels * inner;
        device.run(Kernel.H16_BIAS_RELU, n, device.addrAny(data), bias == null ? 0L : device.addrAny(bias),
                bias == null ? 0 : 1, relu ? 1 : 0, channels, inner, total, offset, format, n);
    }

    void copyBlocks(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride,
                    int blockLength, int blocks, boolean accumulate) {
        int n = blockLength * blocks;
        device.run(Kernel.H16_COPY_BLOCKS, n, device.anyBuf(src).address(srcOffset),
                device.anyBuf(dst).address(dstOffset), srcStride, dstStride, blockLength, blocks, accumulate ? 1 : 0,
                format);
    }

    /** MAX pooling at inference; the argmax mask, which only training reads, has no 16-bit form. */
    void maxPoolForward(PoolGeometry g, Tensor in, Tensor out, Tensor mask) {
        if (mask != null) {
            throw new UnsupportedOperationException("MAX pooling's training mask has no 16-bit form: train with"
                    + " --precision fp32");
        }
        device.run(Kernel.H16_MAX_POOL_FORWARD, out.count(), device.addrAny(in), device.addrAny(out), geometry(g),
                format);
    }

    void avePoolForward(PoolGeometry g, Tensor in, Tensor out) {
        device.run(Kernel.H16_AVE_POOL_FORWARD, out.count(), device.addrAny(in), device.addrAny(out), geometry(g),
                format);
    }

    void lrnForward(LrnParams p, Tensor in, Tensor out, Tensor scale) {
        Shape s = in.shape();
        int num = s.dim(0);
        int channels = s.dim(1);
        int hw = s.count(2, s.rank());
        if (p.acrossChannels()) {
            device.run(Kernel.H16_LRN_ACROSS_FORWARD, num * hw, device.addrAny(in), device.addrAny(out),
                    device.addrAny(scale), num, channels, hw, p.size(), p.alpha() / p.size(), p.beta(), p.k(), format);
        } else {
            int h = s.dim(2);
            device.run(Kernel.H16_LRN_WITHIN_FORWARD, in.count(), device.addrAny(in), device.addrAny(out),
                    device.addrAny(scale), num * channels, h, hw / h, p.size(), p.alpha() / (p.size() * p.size()),
                    p.beta(), format);
        }
    }

    void softmaxForward(Tensor in, Tensor out, int outer, int channels, int inner) {
        device.run(Kernel.H16_SOFTMAX_FORWARD, outer * inner, device.addrAny(in), device.addrAny(out), outer, channels,
                inner, format);
    }

    /** The geometry arguments of the pooling kernels after their pointers, as GpuPooling passes them. */
    private static Object[] geometry(PoolGeometry g) {
        return new Object[] {g.batch() * g.channels(), g.inH(), g.inW(), g.outH(), g.outW(), g.kernelH(), g.kernelW(),
            g.strideH(), g.strideW(), g.padH(), g.padW()};
    }
}
