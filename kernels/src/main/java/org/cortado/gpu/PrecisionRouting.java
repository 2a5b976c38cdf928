package org.cortado.gpu;

import org.cortado.backend.LrnParams;
import org.cortado.backend.PoolGeometry;
import org.cortado.image.PixelBatch;
import org.cortado.tensor.Tensor;

/**
 * What {@link GpuBackend} does about 16-bit storage ({@link Precision}): which backends may store in 16 bits, and
 * the inference operations with a 16-bit form, each sent to {@link GpuHalfOps} when its output is stored in 16 bits
 * and to its float32 op class otherwise. Convolutions and GEMMs choose by themselves ({@link GpuConvolution},
 * {@link GpuBlas}); every other operation refuses a 16-bit tensor.
 */
final class PrecisionRouting {
    private final GpuDevice device;
    private final GpuHalfOps half;
    private final GpuBlas blas;
    private final GpuActivations activations;
    private final GpuPooling pooling;
    private final GpuLrn lrn;
    private final GpuCopies copies;
    private final GpuPixelTransform pixels;

    PrecisionRouting(GpuDevice device, GpuHalfOps half, GpuBlas blas, GpuActivations activations,
                     GpuPooling pooling, GpuLrn lrn, GpuCopies copies, GpuPixelTransform pixels) {
        this.device = device;
        this.half = half;
        this.blas = blas;
        this.activations = activations;
        this.pooling = pooling;
        this.lrn = lrn;
        this.copies = copies;
        this.pixels = pixels;
    }

    /** 16-bit storage runs its convolutions through cuDNN only, and has no float32 math to choose. */
    static void requireSupported(ConvImpl convImpl, MathMode math, Precision precision) {
        if (!precision.isHalf()) {
            return;
        }
        if (convImpl != ConvImpl.CUDNN) {
            throw new IllegalArgumentException(precision.typeName() + " storage needs cuDNN's convolutions, not "
                    + "ConvImpl." + convImpl);
        }
        if (math != MathMode.FP32) {
            throw new IllegalArgumentException(precision.typeName() + " storage takes no math mode (asked: " + math
                    + "): its convolutions and GEMMs are 16-bit already");
        }
    }

    void transformPixels(PixelBatch batch, Tensor output) {
        if (device.isHalf(output)) {
            // The transform's kernel writes floats: into a float32 scratch, rounded into the 16-bit input after.
            Tensor floats = device.allocateFloat(output.shape());
            pixels.transform(batch, floats);
            device.copy(floats, output);
        } else {
            pixels.transform(batch, output);
        }
    }

    void addBias(Tensor data, Tensor bias, int outer, int channels, int inner) {
        if (device.isHalf(data)) {
            half.biasRelu(data, bias, false, outer, channels, inner, channels, 0);
            return;
        }
        blas.addBias(data, bias, outer, channels, inner);
    }

    void reluForward(Tensor in, Tensor out, float negativeSlope) {
        if (device.isHalf(out)) {
            half.reluForward(in, out, negativeSlope);
            return;
        }
        activations.reluForward(in, out, negativeSlope);
    }

    void softmaxForward(Tensor in, Tensor out, int outer, int channels, int inner) {
        if (device.isHalf(out)) {
            half.softmaxForward(in, out, outer, channels, inner);
            return;
        }
        activations.softmaxForward(in, out, outer, channels, inner);
    }

    void maxPoolForward(PoolGeometry g, Tensor in, Tensor out, Tensor mask) {
        if (device.isHalf(out)) {
            half.maxPoolForward(g, in, out, mask);
            return;
        }
        pooling.maxForward(g, in, out, mask);
    }

    void avePoolForward(PoolGeometry g, Tensor in, Tensor out) {
        if (device.isHalf(out)) {
            half.avePoolForward(g, in, out);
            return;
        }
        pooling.aveForward(g, in, out);
    }

    void lrnForward(LrnParams p, Tensor in, Tensor out, Tensor scale) {
        if (device.isHalf(out)) {
            half.lrnForward(p, in, out, scale);
            return;
        }
        lrn.forward(p, in, out, scale);
    }

    void copyBlocks(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride,
                    int blockLength, int blocks, boolean accumulate) {
        if (device.isHalf(dst)) {
            half.copyBlocks(src, srcOffset, srcStride, dst, dstOffset, dstStride, blockLength, blocks, accumulate);
            return;
        }
        copies.copyBlocks(src, srcOffset, srcStride, dst, dstOffset, dstStride, blockLength, blocks, accumulate);
    }
}
