package org.cortado.gpu;

import java.util.function.BooleanSupplier;
import org.cortado.backend.ConvGeometry;
import org.cortado.tensor.Tensor;

/**
 * The GPU's convolutions, by {@link ConvImpl}: Caffe's im2col (or col2im) and a cuBLAS GEMM per image and group, in one
 * loop for all three directions; cuDNN ({@link CudnnConvolution}); or, for the forward, whichever of the two
 * {@link ForwardChoice} timed faster for the shape. Bias and ReLU follow in one epilogue kernel where they are fused.
 * On 16-bit tensors ({@link Precision}) the forward is cuDNN's on them as stored and the epilogue {@link GpuHalfOps}'.
 */
final class GpuConvolution {
    private final GpuDevice device;
    private final GpuBlas blas;
    private final GpuReductions reductions;
    private final ConvImpl impl;
    private final MathMode math;
    /** cuDNN's convolutions; null where cuDNN did not load or the device is not CUDA. */
    private final CudnnConvolution cudnn;
    /** The epilogue on 16-bit tensors. */
    private final GpuHalfOps half;
    /** FASTEST's per-shape choice between cuDNN and im2col + GEMM for the forward; null otherwise. */
    private final ForwardChoice forwardChoice;
    /** im2col columns of one image and group, grown to the largest layer; reused because the stream orders its uses. */
    private DeviceBuffer columns;

    /** One image and group's GEMM, given where its weights and output start and where its image operand lies. */
    @FunctionalInterface
    private interface GroupProduct {
        void run(long weightOffset, long outputOffset, DeviceBuffer image, long imageOffset);
    }

    GpuConvolution(GpuDevice device, GpuBlas blas, GpuReductions reductions, ConvImpl impl, MathMode math,
                   CudnnConvolution cudnn, GpuHalfOps half) {
        if (impl.needsCudnn() && cudnn == null) {
            throw new IllegalStateException("ConvImpl." + impl + " needs cuDNN on a CUDA device: "
                    + device.description());
        }
        this.device = device;
        this.blas = blas;
        this.reductions = reductions;
        this.impl = impl;
        this.math = math;
        this.cudnn = cudnn;
        this.half = half;
        this.forwardChoice = impl == ConvImpl.FASTEST
                ? new ForwardChoice(device::synchronize, CudnnConvolution.TRACE) : null;
    }

    /** {@code output = conv(input, weight) + bias} (bias may be null). */
    void forward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolve(g, input, weight, output);
        if (device.isHalf(output)) {
            if (bias != null) {
                epilogue(g, bias, false, output, 0);
            }
        } else if (bias != null) {
            blas.addBias(output, bias, g.batch(), g.outChannels(), g.outH() * g.outW());
        }
    }

    /** The convolution, then its bias and the ReLU in one kernel: one pass over the output where there were two. */
    void forwardRelu(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolve(g, input, weight, output);
        epilogue(g, bias, true, output, 0);
    }

    /**
     * Into a channel window: cuDNN through a strided output descriptor, or the im2col products at the window's
     * offsets, then bias and ReLU in one kernel over the window.
     *
     * @return false, having done nothing, where cuDNN cannot write the window (BF16 converts a contiguous output; cuDNN
     *         may offer no algorithm for a strided one, in 16 bits or float32): the caller then computes into a
     *         tensor of its own and copies
     */
    boolean forwardInto(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, boolean relu, Tensor output,
                        int channelOffset) {
        g.requireOutputWindow(output.shape(), channelOffset);
        int outputChannels = output.shape().dim(1);
        if (device.isHalf(output)) {
            device.current();
            if (!cudnn.forwardInto16(g, device.anyBuf(input), device.anyBuf(weight), device.anyBuf(output),
                    outputChannels, channelOffset)) {
                return false;
            }
            if (bias != null || relu) {
                epilogue(g, bias, relu, output, channelOffset);
            }
            return true;
        }
        BooleanSupplier viaCudnn = () -> {
            device.current();
            return math != MathMode.BF16 && cudnn.forwardInto(g, device.buf(input), device.buf(weight),
                    device.buf(output), outputChannels, channelOffset);
        };
        Runnable viaGemm = () -> gemmForward(g, input, weight, output, outputChannels, channelOffset);
        if (forwardByGemm(g, outputChannels, viaCudnn, viaGemm)) {
            viaGemm.run();
        } else if (!viaCudnn.getAsBoolean()) {
            return false;
        }
        if (bias != null || relu) {
            epilogue(g, bias, relu, output, channelOffset);
        }
        return true;
    }

    /** {@code dinp} overwritten with the input gradient. */
    void backwardData(ConvGeometry g, Tensor weight, Tensor dout, Tensor dinp) {
        if (impl.needsCudnn()) {
            device.current();
            cudnn.backwardData(g, device.buf(weight), device.buf(dout), device.buf(dinp));
            return;
        }
        int kg = g.outChannelsPerGroup();
        int patch = g.patchSize();
        int outHW = g.outH() * g.outW();
        DeviceBuffer w = device.buf(weight);
        DeviceBuffer dy = device.buf(dout);
        // The columns are the product's output here; col2im then overwrites the group's channels of the image.
        perImageAndGroup(g, device.buf(dinp), g.outChannels(), 0, false, (wOff, outOff, cols, colsOff) ->
                blas.gemm(true, false, patch, outHW, kg, 1f, w, wOff, dy, outOff, 0f, cols, colsOff));
    }

    /** {@code dweight} (and {@code dbias}, when not null) accumulated. */
    void backwardFilter(ConvGeometry g, Tensor input, Tensor dout, Tensor dweight, Tensor dbias) {
        int outHW = g.outH() * g.outW();
        if (impl.needsCudnn()) {
            device.current();
            cudnn.backwardFilter(g, device.buf(input), device.buf(dout), device.buf(dweight));
        } else {
            int kg = g.outChannelsPerGroup();
            int patch = g.patchSize();
            DeviceBuffer dy = device.buf(dout);
            DeviceBuffer dw = device.buf(dweight);
            perImageAndGroup(g, device.buf(input), g.outChannels(), 0, true, (wOff, outOff, cols, colsOff) ->
                    blas.gemm(false, true, kg, patch, outHW, 1f, dy, outOff, cols, colsOff, 1f, dw, wOff));
        }
        if (dbias != null) {
            reductions.biasBackward(dout, dbias, g.batch(), g.outChannels(), outHW);
        }
    }

    /** The cuDNN algorithms chosen for {@code g} (after its first use), for benchmark logs. */
    String plan(ConvGeometry g) {
        return cudnn == null ? "no cuDNN" : cudnn.describe(g);
    }

    /** {@code conv(input, weight)} into the whole of {@code output}, by the backend's convolution implementation. */
    private void convolve(ConvGeometry g, Tensor input, Tensor weight, Tensor output) {
        if (device.isHalf(output)) {
            // 16-bit storage needs cuDNN (GpuBackend refuses another ConvImpl with it): no im2col + GEMM in 16 bits.
            device.current();
            cudnn.forward(g, device.anyBuf(input), device.anyBuf(weight), device.anyBuf(output));
            return;
        }
        BooleanSupplier viaCudnn = () -> {
            device.current();
            cudnn.forward(g, device.buf(input), device.buf(weight), device.buf(output));
            return true;
        };
        Runnable viaGemm = () -> gemmForward(g, input, weight, output, g.outChannels(), 0);
        if (forwardByGemm(g, g.outChannels(), viaCudnn, viaGemm)) {
            viaGemm.run();
        } else {
            viaCudnn.getAsBoolean();
        }
    }

    /** Whether a forward convolution runs as im2col + GEMM: always, never, or as FASTEST timed it for the shape. */
    private boolean forwardByGemm(ConvGeometry g, int outputChannels, BooleanSupplier viaCudnn, Runnable viaGemm) {
        return switch (impl) {
            case IM2COL_GEMM -> true;
            case CUDNN -> false;
            case FASTEST -> forwardChoice.gemmIsFaster(g, outputChannels, device.capturing(), viaCudnn, viaGemm);
        };
    }

    /** The forward as im2col + GEMM into channels from {@code channelOffset} of an output of {@code outputChannels}. */
    private void gemmForward(ConvGeometry g, Tensor input, Tensor weight, Tensor output, int outputChannels,
                             int channelOffset) {
        int kg = g.outChannelsPerGroup();
        int patch = g.patchSize();
        int outHW = g.outH() * g.outW();
        DeviceBuffer w = device.buf(weight);
        DeviceBuffer out = device.buf(output);
        perImageAndGroup(g, device.buf(input), outputChannels, channelOffset, true, (wOff, outOff, cols, colsOff) ->
                blas.gemm(false, false, kg, outHW, patch, 1f, w, wOff, cols, colsOff, 0f, out, outOff));
    }

    /**
     * Runs {@code product} for each image and group of {@code image} (the input, or for the data gradient the input
     * gradient), passing the offsets of the group's weights and of its output (or output gradient) channels, in an
     * output of {@code outputChannels} channels from {@code channelOffset}, and its image operand: the columns, or
     * for a 1x1 stride-1 unpadded convolution the image itself. With {@code im2colFirst} the columns are gathered from
     * the image before the product; otherwise the product writes them and col2im scatters them into the image.
     */
    private void perImageAndGroup(ConvGeometry g, DeviceBuffer image, int outputChannels, int channelOffset,
                                  boolean im2colFirst, GroupProduct product) {
        int outHW = g.outH() * g.outW();
        int inHW = g.inH() * g.inW();
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int patch = g.patchSize();
        DeviceBuffer col = g.isPointwise() ? null : columns((long) patch * outHW);
        for (int n = 0; n < g.batch(); n++) {
            for (int grp = 0; grp < g.group(); grp++) {
                long outOff = ((long) n * outputChannels + channelOffset + (long) grp * kg) * outHW;
                long wOff = (long) grp * kg * patch;
                long inOff = ((long) n * g.inChannels() + (long) grp * cg) * inHW;
                if (col == null) {
                    product.run(wOff, outOff, image, inOff);
                } else if (im2colFirst) {
                    im2col(Kernel.IM2COL, g, image.address(inOff), col.address(0), cg * outHW);
                    product.run(wOff, outOff, col, 0);
                } else {
                    product.run(wOff, outOff, col, 0);
                    // col2im overwrites the group's channels of this image (one thread per input pixel gathers).
                    im2col(Kernel.COL2IM, g, col.address(0), image.address(inOff), cg * inHW);
                }
            }
        }
    }

    /** im2col (or col2im: same arguments) of one image and group; {@code threads} = work items of the kernel. */
    private void im2col(Kernel k, ConvGeometry g, long from, long to, int threads) {
        device.launch(k, threads, from, to, g.inChannelsPerGroup(), g.inH(), g.inW(), g.kernelH(), g.kernelW(),
                g.padH(), g.padW(), g.strideH(), g.strideW(), g.dilationH(), g.dilationW(), g.outH(), g.outW());
    }

    private DeviceBuffer columns(long floats) {
        if (floats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("im2col matrix of " + floats + " floats is too large;"
                    + " use ConvImpl.CUDNN");
        }
        if (columns == null || columns.length() < floats) {
            columns = device.allocateBuffer((int) floats);
        }
        return columns;
    }

    /** Bias (may be null) and, with {@code relu}, the ReLU of a convolution's output in its channel window. */
    private void epilogue(ConvGeometry g, Tensor bias, boolean relu, Tensor output, int channelOffset) {
        if (device.isHalf(output)) {
            half.biasRelu(output, bias, relu, g.batch(), g.outChannels(), g.outH() * g.outW(), output.shape().dim(1),
                    channelOffset);
            return;
        }
        int n = g.batch() * g.outChannels() * g.outH() * g.outW();
        device.run(Kernel.CONV_EPILOGUE, n, device.addr(output), device.addrOrNull(bias), bias == null ? 0 : 1,
                relu ? 1 : 0, g.outChannels(), g.outH() * g.outW(), output.shape().dim(1), channelOffset, n);
    }
}
