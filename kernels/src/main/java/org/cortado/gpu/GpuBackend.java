package org.cortado.gpu;

import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasGemmEx;
import static jcuda.jcublas.JCublas2.cublasSetMathMode;
import static jcuda.jcublas.JCublas2.cublasSetStream;
import static jcuda.jcublas.JCublas2.cublasSgemm;

import java.util.List;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;
import org.cortado.backend.Backend;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.LrnParams;
import org.cortado.backend.PoolGeometry;
import org.cortado.tensor.Device;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The GPU backend: the engine's own CUDA kernels ({@code src/main/cuda}), cuBLAS GEMMs and cuDNN (or im2col + GEMM)
 * convolutions, all queued on one stream of one GPU. Every method follows {@link Backend}'s conventions and is checked
 * against the CPU oracle by the GPU tests.
 *
 * <p>Work is asynchronous: methods return once the work is queued; {@link #download} and {@link #synchronize} wait.
 * A backend is meant for one thread at a time (the layers of a net run in order); it may move between threads.
 */
public final class GpuBackend implements Backend {
    private final CudaContext ctx;
    private final Device device;
    private final DeviceAllocator allocator = new DeviceAllocator();
    private final cublasHandle cublas = new cublasHandle();
    private final CudnnConvolution cudnn;
    private final ConvImpl convImpl;
    private final MathMode math;
    private final String description;
    private final Pointer one = Pointer.to(new float[] {1f});
    private final Pointer zero = Pointer.to(new float[] {0f});
    /** im2col columns of one image and group, grown to the largest layer; reused because the stream orders its uses. */
    private DeviceBuffer columns;
    /** Partial sums of sumOfSquares (as doubles: two floats each). */
    private DeviceBuffer partials;

    /**
     * Opens device {@code ordinal} with the given convolution implementation and math mode. The native stack must be
     * loaded ({@link NativeStack#load}); CUDNN requires that it found cuDNN.
     */
    public static GpuBackend open(int ordinal, ConvImpl convImpl, MathMode math) {
        NativeStack stack = NativeStack.load();
        if (convImpl == ConvImpl.CUDNN && !stack.hasCudnn()) {
            throw new IllegalStateException("ConvImpl.CUDNN asked for, but cuDNN did not load:\n"
                    + String.join("\n", stack.report()));
        }
        return new GpuBackend(new CudaContext(ordinal, stack.hasNvrtc()), convImpl, math, stack.hasCudnn());
    }

    private GpuBackend(CudaContext ctx, ConvImpl convImpl, MathMode math, boolean withCudnn) {
        this.ctx = ctx;
        this.device = new Device("cuda:" + ctx.ordinal);
        this.convImpl = convImpl;
        this.math = math;
        cublasCreate(cublas);
        cublasSetStream(cublas, new cudaStream_t(ctx.stream));
        cublasSetMathMode(cublas, math == MathMode.TF32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH
                : cublasMath.CUBLAS_DEFAULT_MATH);
        this.cudnn = withCudnn ? new CudnnConvolution(this, ctx, math) : null;
        this.description = String.format("cuda:%d (%s, compute %d.%d, driver %d.%d, conv %s, math %s)", ctx.ordinal,
                ctx.deviceName, ctx.ccMajor, ctx.ccMinor, ctx.driverVersion / 1000, ctx.driverVersion % 1000 / 10,
                convImpl, math);
    }

    @Override
    public String name() {
        return description;
    }

    @Override
    public Device device() {
        return device;
    }

    public ConvImpl convImpl() {
        return convImpl;
    }

    public MathMode mathMode() {
        return math;
    }

    /** Where each kernel module came from ("ptx", or "nvrtc (why)"). */
    public java.util.Map<String, String> kernelOrigins() {
        return ctx.kernels.origins();
    }

    /** The cuDNN algorithms chosen for {@code g} (after its first use), for benchmark logs. */
    public String convolutionPlan(ConvGeometry g) {
        return cudnn == null ? "no cuDNN" : cudnn.describe(g);
    }

    /** Bytes held by live tensors and by the allocator's cache. */
    public long[] memoryStats() {
        return new long[] {allocator.bytesInUse(), allocator.bytesCached(), allocator.peakBytes()};
    }

    CudaContext context() {
        return ctx;
    }

    /**
     * Records the work {@code work} queues into a graph instead of running it. The work must only queue: nothing that
     * waits for the device (download, sumOfSquares, synchronize) and no first use of a convolution shape (cuDNN's
     * algorithm search runs kernels and waits); run it once before capturing. Allocations inside are allowed.
     */
    public GpuGraph capture(Runnable work) {
        ctx.makeCurrent();
        ctx.synchronize();
        // Relaxed: allocations (cuMemAlloc) inside the captured work are allowed and not recorded.
        cuStreamBeginCapture(ctx.stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED);
        CUgraph graph = new CUgraph();
        try {
            work.run();
        } finally {
            cuStreamEndCapture(ctx.stream, graph);
        }
        CUgraphExec exec = new CUgraphExec();
        cuGraphInstantiate(exec, graph, 0);
        return new GpuGraph(this, graph, exec);
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    DeviceBuffer allocateBuffer(int floats) {
        ctx.makeCurrent();
        return new DeviceBuffer(this, allocator, floats);
    }

    @Override
    public Tensor allocate(Shape shape) {
        DeviceBuffer b = allocateBuffer(shape.count());
        if (shape.count() > 0) {
            cuMemsetD32Async(b.pointer(), 0, shape.count(), ctx.stream);
        }
        return new Tensor(shape, b);
    }

    @Override
    public Tensor upload(Tensor host) {
        DeviceBuffer b = allocateBuffer(host.count());
        if (host.count() > 0) {
            ctx.upload(host.hostData(), 0, host.count(), b.pointer(), 0);
        }
        return new Tensor(host.shape(), b);
    }

    @Override
    public Tensor download(Tensor t) {
        float[] out = new float[t.count()];
        if (t.isHost()) {
            System.arraycopy(t.hostData(), 0, out, 0, t.count());
        } else if (t.count() > 0) {
            DeviceBuffer b = buf(t);
            ctx.makeCurrent();
            ctx.download(b.pointer(), 0, out, 0, t.count());
        }
        return Tensor.wrap(t.shape(), out);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        requireSameCount(src, dst);
        DeviceBuffer s = buf(src);
        DeviceBuffer d = buf(dst);
        ctx.makeCurrent();
        cuMemcpyDtoDAsync(d.pointer(), s.pointer(), (long) src.count() * Float.BYTES, ctx.stream);
    }

    @Override
    public void fill(Tensor t, float value) {
        DeviceBuffer b = buf(t);
        if (t.count() == 0) {
            return;
        }
        ctx.makeCurrent();
        // A 32-bit memset writes any float's bit pattern, so no kernel is needed.
        cuMemsetD32Async(b.pointer(), Float.floatToRawIntBits(value), t.count(), ctx.stream);
    }

    @Override
    public void synchronize() {
        ctx.synchronize();
    }

    @Override
    public void close() {
        ctx.makeCurrent();
        ctx.synchronize();
        if (cudnn != null) {
            cudnn.close();
        }
        cublasDestroy(cublas);
        columns = null;
        partials = null;
        allocator.releaseCached();
        ctx.close();
    }

    // ---- dense linear algebra ----------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int aOffset,
                     Tensor b, int bOffset, float beta, Tensor c, int cOffset) {
        gemm(transA, transB, m, n, k, alpha, buf(a), aOffset, buf(b), bOffset, beta, buf(c), cOffset);
    }

    private void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset,
                      DeviceBuffer b, long bOffset, float beta, DeviceBuffer c, long cOffset) {
        ctx.makeCurrent();
        // cuBLAS is column-major; a row-major matrix read column-major is its transpose. So row-major
        // C (m x n) = op(A) op(B) is column-major C^T (n x m) = op(B)^T op(A)^T: swap the operands (B first), swap m
        // and n, keep each operand's own transpose flag, and use the row lengths of the stored matrices as leading
        // dimensions (B: n, or k when stored transposed; A: k, or m when stored transposed; C: n).
        int opA = transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opB = transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        Pointer pa = a.pointer().at(aOffset * Float.BYTES);
        Pointer pb = b.pointer().at(bOffset * Float.BYTES);
        Pointer pc = c.pointer().at(cOffset * Float.BYTES);
        Pointer al = alpha == 1f ? one : Pointer.to(new float[] {alpha});
        Pointer be = beta == 0f ? zero : beta == 1f ? one : Pointer.to(new float[] {beta});
        if (math == MathMode.BF16) {
            cublasGemmEx(cublas, opB, opA, n, m, k, al, pb, cudaDataType.CUDA_R_32F, ldb, pa, cudaDataType.CUDA_R_32F,
                    lda, be, pc, cudaDataType.CUDA_R_32F, n, cublasComputeType.CUBLAS_COMPUTE_32F_FAST_16BF,
                    cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
        } else {
            cublasSgemm(cublas, opB, opA, n, m, k, al, pb, ldb, pa, lda, be, pc, n);
        }
    }

    @Override
    public void axpby(float alpha, Tensor x, float beta, Tensor y) {
        requireSameCount(x, y);
        run(Kernel.AXPBY, x.count(), addr(x), addr(y), alpha, beta, x.count());
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        requireSameCount(a, b);
        requireSameCount(a, out);
        run(Kernel.MULTIPLY, a.count(), addr(a), addr(b), addr(out), a.count());
    }

    @Override
    public double sumOfSquares(Tensor x) {
        int n = x.count();
        int grid = (int) Math.max(1, Math.min(1024, ((long) n + Kernel.BLOCK - 1) / Kernel.BLOCK));
        if (partials == null) {
            partials = allocateBuffer(2 * 1024);
        }
        ctx.makeCurrent();
        ctx.launchGrid(Kernel.SUM_SQUARES, grid, addr(x), partials.address(0), n);
        double sum = 0;
        for (double p : ctx.downloadDoubles(partials.pointer(), grid)) {
            sum += p;
        }
        return sum;
    }

    // ---- convolution -------------------------------------------------------------------------------------------

    @Override
    public void convolutionForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        int outHW = g.outH() * g.outW();
        if (convImpl == ConvImpl.CUDNN) {
            ctx.makeCurrent();
            cudnn.forward(g, buf(input), buf(weight), buf(output));
        } else {
            int inHW = g.inH() * g.inW();
            int kg = g.outChannelsPerGroup();
            int cg = g.inChannelsPerGroup();
            int patch = g.patchSize();
            DeviceBuffer in = buf(input);
            DeviceBuffer w = buf(weight);
            DeviceBuffer out = buf(output);
            DeviceBuffer col = g.isPointwise() ? null : columns((long) patch * outHW);
            for (int n = 0; n < g.batch(); n++) {
                for (int grp = 0; grp < g.group(); grp++) {
                    long outOff = ((long) n * g.outChannels() + (long) grp * kg) * outHW;
                    long wOff = (long) grp * kg * patch;
                    long inOff = ((long) n * g.inChannels() + (long) grp * cg) * inHW;
                    if (g.isPointwise()) {
                        gemm(false, false, kg, outHW, patch, 1f, w, wOff, in, inOff, 0f, out, outOff);
                    } else {
                        im2col(Kernel.IM2COL, g, in.address(inOff), col.address(0), cg * outHW);
                        gemm(false, false, kg, outHW, patch, 1f, w, wOff, col, 0, 0f, out, outOff);
                    }
                }
            }
        }
        if (bias != null) {
            addBias(output, bias, g.batch(), g.outChannels(), outHW);
        }
    }

    @Override
    public void convolutionBackwardData(ConvGeometry g, Tensor weight, Tensor dout, Tensor dinp) {
        if (convImpl == ConvImpl.CUDNN) {
            ctx.makeCurrent();
            cudnn.backwardData(g, buf(weight), buf(dout), buf(dinp));
            return;
        }
        int outHW = g.outH() * g.outW();
        int inHW = g.inH() * g.inW();
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int patch = g.patchSize();
        DeviceBuffer w = buf(weight);
        DeviceBuffer dy = buf(dout);
        DeviceBuffer dx = buf(dinp);
        DeviceBuffer col = g.isPointwise() ? null : columns((long) patch * outHW);
        for (int n = 0; n < g.batch(); n++) {
            for (int grp = 0; grp < g.group(); grp++) {
                long outOff = ((long) n * g.outChannels() + (long) grp * kg) * outHW;
                long wOff = (long) grp * kg * patch;
                long inOff = ((long) n * g.inChannels() + (long) grp * cg) * inHW;
                if (g.isPointwise()) {
                    gemm(true, false, patch, outHW, kg, 1f, w, wOff, dy, outOff, 0f, dx, inOff);
                } else {
                    gemm(true, false, patch, outHW, kg, 1f, w, wOff, dy, outOff, 0f, col, 0);
                    // col2im overwrites the group's channels of this image (one thread per input pixel gathers).
                    im2col(Kernel.COL2IM, g, col.address(0), dx.address(inOff), cg * inHW);
                }
            }
        }
    }

    @Override
    public void convolutionBackwardFilter(ConvGeometry g, Tensor input, Tensor dout, Tensor dweight, Tensor dbias) {
        int outHW = g.outH() * g.outW();
        if (convImpl == ConvImpl.CUDNN) {
            ctx.makeCurrent();
            cudnn.backwardFilter(g, buf(input), buf(dout), buf(dweight));
        } else {
            int inHW = g.inH() * g.inW();
            int kg = g.outChannelsPerGroup();
            int cg = g.inChannelsPerGroup();
            int patch = g.patchSize();
            DeviceBuffer in = buf(input);
            DeviceBuffer dy = buf(dout);
            DeviceBuffer dw = buf(dweight);
            DeviceBuffer col = g.isPointwise() ? null : columns((long) patch * outHW);
            for (int n = 0; n < g.batch(); n++) {
                for (int grp = 0; grp < g.group(); grp++) {
                    long outOff = ((long) n * g.outChannels() + (long) grp * kg) * outHW;
                    long wOff = (long) grp * kg * patch;
                    long inOff = ((long) n * g.inChannels() + (long) grp * cg) * inHW;
                    if (g.isPointwise()) {
                        gemm(false, true, kg, patch, outHW, 1f, dy, outOff, in, inOff, 1f, dw, wOff);
                    } else {
                        im2col(Kernel.IM2COL, g, in.address(inOff), col.address(0), cg * outHW);
                        gemm(false, true, kg, patch, outHW, 1f, dy, outOff, col, 0, 1f, dw, wOff);
                    }
                }
            }
        }
        if (dbias != null) {
            biasBackward(dout, dbias, g.batch(), g.outChannels(), outHW);
        }
    }

    /** im2col (or col2im: same arguments) of one image and group; {@code threads} = work items of the kernel. */
    private void im2col(Kernel k, ConvGeometry g, long from, long to, int threads) {
        ctx.launch(k, threads, from, to, g.inChannelsPerGroup(), g.inH(), g.inW(), g.kernelH(), g.kernelW(),
                g.padH(), g.padW(), g.strideH(), g.strideW(), g.dilationH(), g.dilationW(), g.outH(), g.outW());
    }

    private DeviceBuffer columns(long floats) {
        if (floats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("im2col matrix of " + floats + " floats is too large; use ConvImpl.CUDNN");
        }
        if (columns == null || columns.length() < floats) {
            columns = allocateBuffer((int) floats);
        }
        return columns;
    }

    @Override
    public void addBias(Tensor data, Tensor bias, int outer, int channels, int inner) {
        int n = outer * channels * inner;
        run(Kernel.ADD_BIAS, n, addr(data), addr(bias), channels, inner, n);
    }

    @Override
    public void biasBackward(Tensor dout, Tensor dbias, int outer, int channels, int inner) {
        if (channels == 0) {
            return;
        }
        ctx.makeCurrent();
        ctx.launchGrid(Kernel.BIAS_BACKWARD, channels, addr(dout), addr(dbias), outer, channels, inner);
    }

    // ---- activations ---------------------------------------------------------------------------------------------

    @Override
    public void reluForward(Tensor in, Tensor out, float negativeSlope) {
        run(Kernel.RELU_FORWARD, in.count(), addr(in), addr(out), negativeSlope, in.count());
    }

    @Override
    public void reluBackward(Tensor in, Tensor dout, Tensor dinp, float negativeSlope) {
        run(Kernel.RELU_BACKWARD, in.count(), addr(in), addr(dout), addr(dinp), negativeSlope, in.count());
    }

    @Override
    public void sigmoidForward(Tensor in, Tensor out) {
        run(Kernel.SIGMOID_FORWARD, in.count(), addr(in), addr(out), in.count());
    }

    @Override
    public void sigmoidBackward(Tensor out, Tensor dout, Tensor dinp) {
        run(Kernel.SIGMOID_BACKWARD, out.count(), addr(out), addr(dout), addr(dinp), out.count());
    }

    @Override
    public void tanhForward(Tensor in, Tensor out) {
        run(Kernel.TANH_FORWARD, in.count(), addr(in), addr(out), in.count());
    }

    @Override
    public void tanhBackward(Tensor out, Tensor dout, Tensor dinp) {
        run(Kernel.TANH_BACKWARD, out.count(), addr(out), addr(dout), addr(dinp), out.count());
    }

    // ---- pooling and normalisation -------------------------------------------------------------------------------

    @Override
    public void maxPoolForward(PoolGeometry g, Tensor in, Tensor out, Tensor mask) {
        int n = g.batch() * g.channels() * g.outH() * g.outW();
        run(Kernel.MAX_POOL_FORWARD, n, addr(in), addr(out), mask == null ? 0L : addr(mask), pool(g));
    }

    @Override
    public void maxPoolBackward(PoolGeometry g, Tensor dout, Tensor mask, Tensor dinp) {
        int n = g.batch() * g.channels() * g.inH() * g.inW();
        run(Kernel.MAX_POOL_BACKWARD, n, addr(dout), addr(mask), addr(dinp), pool(g));
    }

    @Override
    public void avePoolForward(PoolGeometry g, Tensor in, Tensor out) {
        int n = g.batch() * g.channels() * g.outH() * g.outW();
        run(Kernel.AVE_POOL_FORWARD, n, addr(in), addr(out), pool(g));
    }

    @Override
    public void avePoolBackward(PoolGeometry g, Tensor dout, Tensor dinp) {
        int n = g.batch() * g.channels() * g.inH() * g.inW();
        run(Kernel.AVE_POOL_BACKWARD, n, addr(dout), addr(dinp), pool(g));
    }

    /** The geometry arguments every pooling kernel takes after its pointers. */
    private static Object[] pool(PoolGeometry g) {
        return new Object[] {g.batch() * g.channels(), g.inH(), g.inW(), g.outH(), g.outW(), g.kernelH(), g.kernelW(),
            g.strideH(), g.strideW(), g.padH(), g.padW()};
    }

    @Override
    public void lrnForward(LrnParams p, Tensor in, Tensor out, Tensor scale) {
        Shape s = in.shape();
        int num = s.dim(0);
        int channels = s.dim(1);
        int hw = s.count(2, s.rank());
        if (p.acrossChannels()) {
            run(Kernel.LRN_ACROSS_FORWARD, num * hw, addr(in), addr(out), addr(scale), num, channels, hw, p.size(),
                    p.alpha() / p.size(), p.beta(), p.k());
        } else {
            int h = s.dim(2);
            run(Kernel.LRN_WITHIN_FORWARD, in.count(), addr(in), addr(out), addr(scale), num * channels, h, hw / h,
                    p.size(), p.alpha() / (p.size() * p.size()), p.beta());
        }
    }

    @Override
    public void lrnBackward(LrnParams p, Tensor in, Tensor out, Tensor scale, Tensor dout, Tensor dinp) {
        Shape s = in.shape();
        int num = s.dim(0);
        int channels = s.dim(1);
        int hw = s.count(2, s.rank());
        if (p.acrossChannels()) {
            run(Kernel.LRN_ACROSS_BACKWARD, num * hw, addr(in), addr(out), addr(scale), addr(dout), addr(dinp), num,
                    channels, hw, p.size(), p.beta(), 2f * p.alpha() * p.beta() / p.size());
        } else {
            int h = s.dim(2);
            run(Kernel.LRN_WITHIN_BACKWARD, in.count(), addr(in), addr(out), addr(scale), addr(dout), addr(dinp),
                    num * channels, h, hw / h, p.size(), p.beta(), 2f * p.alpha() * p.beta() / (p.size() * p.size()));
        }
    }

    @Override
    public void softmaxForward(Tensor in, Tensor out, int outer, int channels, int inner) {
        if (outer * channels * inner == 0) {
            return;
        }
        if (inner == 1 && channels >= Kernel.BLOCK / 4) {
            // Class scores: a block per row (version 2) instead of a thread per row.
            ctx.makeCurrent();
            ctx.launchGrid(Kernel.SOFTMAX_FORWARD_ROWS, Math.min(outer, CudaContext.MAX_GRID), addr(in), addr(out),
                    outer, channels);
        } else {
            run(Kernel.SOFTMAX_FORWARD, outer * inner, addr(in), addr(out), outer, channels, inner);
        }
    }

    @Override
    public void softmaxBackward(Tensor out, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        run(Kernel.SOFTMAX_BACKWARD, outer * inner, addr(out), addr(dout), addr(dinp), outer, channels, inner);
    }

    @Override
    public void channelAffine(Tensor in, Tensor scale, Tensor bias, Tensor out, int outer, int channels, int inner) {
        int n = outer * channels * inner;
        run(Kernel.CHANNEL_AFFINE, n, addr(in), addr(scale), bias == null ? 0L : addr(bias), addr(out), channels,
                inner, n);
    }

    // ---- data movement -------------------------------------------------------------------------------------------

    @Override
    public void copyBlocks(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride,
                           int blockLength, int blocks, boolean accumulate) {
        int n = blockLength * blocks;
        if (n == 0) {
            return;
        }
        run(Kernel.COPY_BLOCKS, n, buf(src).address(srcOffset), buf(dst).address(dstOffset), srcStride, dstStride,
                blockLength, blocks, accumulate ? 1 : 0);
    }

    @Override
    public void eltwiseMaxForward(List<Tensor> inputs, Tensor out, Tensor mask) {
        copy(inputs.get(0), out);
        if (mask != null) {
            fill(mask, 0f);
        }
        for (int k = 1; k < inputs.size(); k++) {
            Tensor x = inputs.get(k);
            requireSameCount(x, out);
            run(Kernel.ELTWISE_MAX_STEP, out.count(), addr(x), addr(out), mask == null ? 0L : addr(mask), (float) k,
                    out.count());
        }
    }

    @Override
    public void eltwiseMaxBackward(Tensor dout, Tensor mask, int index, Tensor dinp) {
        run(Kernel.ELTWISE_MAX_BACKWARD, dout.count(), addr(dout), addr(mask), (float) index, addr(dinp),
                dout.count());
    }

    // ---- training and input kernels awaiting their Backend operations ---------------------------------------------
    // These run the kernels of dropout.cu, solver.cu and transform.cu; once Backend declares the operations (merged
    // from main), they become its overrides.

    /**
     * Training-time dropout: {@code out[i] = CounterRng.keep(seed, indexOffset + i, ratio) ? in[i] / (1 - ratio) : 0},
     * the CPU's mask drawn on the device. {@code out} may alias {@code in}.
     */
    public void dropoutForward(Tensor in, Tensor out, long seed, long indexOffset, float ratio) {
        requireSameCount(in, out);
        run(Kernel.DROPOUT_FORWARD, in.count(), addr(in), addr(out), seed, indexOffset, ratio, 1f / (1f - ratio),
                in.count());
    }

    /** {@code dinp[i] = keep ? dout[i] / (1 - ratio) : 0} with the mask of {@link #dropoutForward}. */
    public void dropoutBackward(Tensor dout, Tensor dinp, long seed, long indexOffset, float ratio) {
        requireSameCount(dout, dinp);
        run(Kernel.DROPOUT_BACKWARD, dout.count(), addr(dout), addr(dinp), seed, indexOffset, ratio,
                1f / (1f - ratio), dout.count());
    }

    /**
     * Caffe's SGD step fused: {@code h = momentum * h + rate * (g + decay * w); w -= h}, with rate and decay already
     * multiplied by the parameter's lr_mult and decay_mult. Modified: weight, history. Not modified: grad.
     */
    public void sgdUpdate(Tensor weight, Tensor grad, Tensor history, float rate, float momentum, float decay) {
        requireSameCount(weight, grad);
        requireSameCount(weight, history);
        run(Kernel.SGD_UPDATE, weight.count(), addr(weight), addr(grad), addr(history), rate, momentum, decay,
                weight.count());
    }

    /**
     * Caffe's data transform of a batch on the device: {@code src (N, C, H, W)} cropped at {@code (oy, ox)} per image to
     * {@code dst (N, C, h, w)}, mirrored where asked, minus the mean (per channel, or a {@code (C, H, W)} image indexed
     * at the source pixel; may be null), times {@code scale}.
     *
     * @param crops three ints per image: oy, ox, mirror (0 or 1)
     */
    public void transform(Tensor src, Tensor dst, int[] crops, Tensor mean, boolean meanImage, float scale) {
        Shape s = src.shape();
        Shape d = dst.shape();
        if (crops.length != 3 * s.dim(0)) {
            throw new IllegalArgumentException(crops.length + " crop values for " + s.dim(0) + " images (3 each)");
        }
        float[] bits = new float[crops.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Float.intBitsToFloat(crops[i]);
        }
        Tensor params = upload(Tensor.wrap(Shape.of(bits.length), bits));
        run(Kernel.TRANSFORM, dst.count(), addr(src), addr(dst), addr(params), mean == null ? 0L : addr(mean),
                meanImage ? 1 : 0, scale, s.dim(0), s.dim(1), s.dim(2), s.dim(3), d.dim(2), d.dim(3));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** Launches over {@code n} work items; {@link Object}[] arguments (pooling's geometry) are spliced in. */
    private void run(Kernel k, int n, Object... args) {
        if (n == 0) {
            return;
        }
        ctx.makeCurrent();
        ctx.launch(k, n, flatten(args));
    }

    private static Object[] flatten(Object[] args) {
        int size = 0;
        for (Object a : args) {
            size += a instanceof Object[] arr ? arr.length : 1;
        }
        if (size == args.length) {
            return args;
        }
        Object[] out = new Object[size];
        int i = 0;
        for (Object a : args) {
            if (a instanceof Object[] arr) {
                for (Object x : arr) {
                    out[i++] = x;
                }
            } else {
                out[i++] = a;
            }
        }
        return out;
    }

    /** The device buffer of {@code t}, which must be a tensor of this backend. */
    private DeviceBuffer buf(Tensor t) {
        if (t.buffer() instanceof DeviceBuffer b && b.owner() == this) {
            return b;
        }
        throw new IllegalArgumentException("tensor " + t.shape() + " lives on " + t.device() + ", not on this backend ("
                + description + "): upload it first");
    }

    private long addr(Tensor t) {
        return buf(t).address(0);
    }

    private static void requireSameCount(Tensor a, Tensor b) {
        if (a.count() != b.count()) {
            throw new IllegalArgumentException("element counts differ: " + a.shape() + " vs " + b.shape());
        }
    }
}
