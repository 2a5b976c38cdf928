package org.cortado.gpu;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import org.cortado.backend.Backend;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LabelledSum;
import org.cortado.backend.LrnParams;
import org.cortado.backend.PoolGeometry;
import org.cortado.backend.SolverGradient;
import org.cortado.image.PixelBatch;
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
    /** Grid size cap: grid-stride loops make any grid correct; this many blocks fill every GPU made so far. */
    static final int MAX_GRID = 65_535;
    /** The most blocks a reduction (sumOfSquares, losses) launches: each adds a strided share, the host the blocks. */
    private static final int MAX_PARTIAL_BLOCKS = 1024;
    /** Doubles in the partials buffer: three per block of a loss reduction. */
    private static final int PARTIAL_DOUBLES = 3 * MAX_PARTIAL_BLOCKS;
    /** Values of a channel one block of the split bias gradient adds (64 per thread). */
    static final int BIAS_VALUES_PER_BLOCK = 64 * Kernel.BLOCK;

    private final DeviceApi api;
    private final Device device;
    private final DeviceAllocator allocator;
    private final CudnnConvolution cudnn;
    /** FASTEST's per-shape choice between cuDNN and im2col + GEMM for the forward; null otherwise. */
    private final ForwardChoice forwardChoice;
    private final ConvImpl convImpl;
    private final MathMode math;
    private final String description;
    /** im2col columns of one image and group, grown to the largest layer; reused because the stream orders its uses. */
    private DeviceBuffer columns;
    /** Per-block partial sums of the reductions, as doubles (two float slots each). */
    private DeviceBuffer partials;
    /** The operations of Caffe's less common layers, on this backend's kernels. */
    private final GpuLayerOps layerOps = new GpuLayerOps(this);
    /** The last mean array {@link #transformPixels} met, and its copy on the device. */
    private float[] meanKey;
    private DeviceBuffer meanCopy;

    /**
     * Opens device {@code ordinal} with the given convolution implementation and math mode, loading the native stack
     * first ({@link NativeStack#load}); CUDNN requires that it found cuDNN.
     */
    public static GpuBackend open(int ordinal, ConvImpl convImpl, MathMode math) {
        return open(ordinal, convImpl, math, false);
    }

    /**
     * As {@link #open(int, ConvImpl, MathMode)}; with {@code compileKernels} the kernels come from NVRTC compiling the
     * jar's sources, never from the build's PTX: what a driver older than the build's CUDA gets, on any machine.
     */
    static GpuBackend open(int ordinal, ConvImpl convImpl, MathMode math, boolean compileKernels) {
        NativeStack stack = NativeStack.load();
        if (compileKernels && !stack.hasNvrtc()) {
            throw new IllegalStateException("compiling the kernels was asked for, but NVRTC did not load:\n"
                    + String.join("\n", stack.report()));
        }
        if (convImpl.needsCudnn() && !stack.hasCudnn()) {
            throw new IllegalStateException("ConvImpl." + convImpl + " asked for, but cuDNN did not load:\n"
                    + String.join("\n", stack.report()));
        }
        CudaContext ctx = new CudaContext(ordinal, stack.hasNvrtc(), math, compileKernels);
        String name = String.format("cuda:%d (%s, compute %d.%d, driver %d.%d, conv %s, math %s)", ctx.ordinal,
                ctx.deviceName, ctx.ccMajor, ctx.ccMinor, ctx.driverVersion / 1000, ctx.driverVersion % 1000 / 10,
                convImpl, math);
        return new GpuBackend(ctx, new Device("cuda:" + ctx.ordinal), name, convImpl, math, stack.hasCudnn());
    }

    /** A backend over {@code api}; cuDNN only on a {@link CudaContext}. */
    GpuBackend(DeviceApi api, Device device, String description, ConvImpl convImpl, MathMode math,
               boolean withCudnn) {
        this.api = api;
        this.device = device;
        this.description = description;
        this.convImpl = convImpl;
        this.math = math;
        this.allocator = new DeviceAllocator(api);
        this.cudnn = withCudnn && api instanceof CudaContext ctx ? new CudnnConvolution(this, ctx, math) : null;
        if (convImpl.needsCudnn() && cudnn == null) {
            throw new IllegalStateException("ConvImpl." + convImpl + " needs cuDNN on a CUDA device: " + description);
        }
        this.forwardChoice = convImpl == ConvImpl.FASTEST
                ? new ForwardChoice(api::synchronize, CudnnConvolution.TRACE) : null;
    }

    @Override
    public String name() {
        return description;
    }

    @Override
    public org.cortado.backend.LayerOps layerOps() {
        return layerOps;
    }

    @Override
    public Device device() {
        return device;
    }

    /**
     * The device as {@link #name()} describes it: model, compute capability, driver, convolution and math modes.
     * cuDNN's algorithms, chosen by timing on first use, are not fixed by these.
     */
    @Override
    public Map<String, String> numerics() {
        return Map.of("device", description);
    }

    public ConvImpl convImpl() {
        return convImpl;
    }

    public MathMode mathMode() {
        return math;
    }

    /** Where each kernel module came from ("ptx", or "nvrtc (why)"). */
    public java.util.Map<String, String> kernelOrigins() {
        return api instanceof CudaContext ctx ? ctx.kernels.origins() : java.util.Map.of();
    }

    /** The cuDNN algorithms chosen for {@code g} (after its first use), for benchmark logs. */
    public String convolutionPlan(ConvGeometry g) {
        return cudnn == null ? "no cuDNN" : cudnn.describe(g);
    }

    /** Bytes held by live tensors and by the allocator's cache. */
    public long[] memoryStats() {
        return new long[] {allocator.bytesInUse(), allocator.bytesCached(), allocator.peakBytes()};
    }

    /** The CUDA context, for what only CUDA does (graphs). */
    CudaContext context() {
        if (api instanceof CudaContext ctx) {
            return ctx;
        }
        throw new UnsupportedOperationException(description + " is not a CUDA device");
    }

    /**
     * Records the work {@code work} queues into a graph instead of running it. The work must only queue: nothing that
     * waits for the device (download, sumOfSquares, synchronize), no upload from the host (refused: see
     * CudaContext.upload; upload before, copy on the device inside) and no first use of a convolution shape (cuDNN's
     * algorithm search runs kernels and waits); run it once before capturing. Allocations inside are allowed.
     */
    public GpuGraph capture(Runnable work) {
        CudaContext ctx = context();
        ctx.makeCurrent();
        ctx.synchronize();
        // Relaxed: allocations (cuMemAlloc) inside the captured work are allowed and not recorded.
        cuStreamBeginCapture(ctx.stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED);
        CUgraph graph = new CUgraph();
        ctx.capturing = true;
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            ctx.capturing = false;
            // End the capture, or the stream stays in capture mode; its error (INVALIDATED when the work did what a
            // capture cannot hold) must not replace the work's own, which says what that was.
            try {
                cuStreamEndCapture(ctx.stream, graph);
                cuGraphDestroy(graph);
            } catch (RuntimeException end) {
                e.addSuppressed(end);
            }
            throw e;
        }
        ctx.capturing = false;
        cuStreamEndCapture(ctx.stream, graph);
        CUgraphExec exec = new CUgraphExec();
        cuGraphInstantiate(exec, graph, 0);
        return new GpuGraph(this, graph, exec);
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    DeviceBuffer allocateBuffer(int floats) {
        api.makeCurrent();
        return new DeviceBuffer(this, allocator, floats);
    }

    @Override
    public Tensor allocate(Shape shape) {
        DeviceBuffer b = allocateBuffer(shape.count());
        if (shape.count() > 0) {
            api.memset32(b.address(0), 0, shape.count());
        }
        return new Tensor(shape, b);
    }

    @Override
    public Tensor upload(Tensor host) {
        DeviceBuffer b = allocateBuffer(host.count());
        if (host.count() > 0) {
            api.upload(host.hostData(), 0, host.count(), b.address(0));
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
            api.makeCurrent();
            api.download(b.address(0), out, 0, t.count());
        }
        return Tensor.wrap(t.shape(), out);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        requireSameCount(src, dst);
        DeviceBuffer s = buf(src);
        DeviceBuffer d = buf(dst);
        api.makeCurrent();
        api.copy(d.address(0), s.address(0), (long) src.count() * Float.BYTES);
    }

    @Override
    public void fill(Tensor t, float value) {
        DeviceBuffer b = buf(t);
        if (t.count() == 0) {
            return;
        }
        api.makeCurrent();
        // A 32-bit memset writes any float's bit pattern, so no kernel is needed.
        api.memset32(b.address(0), Float.floatToRawIntBits(value), t.count());
    }

    @Override
    public void transformPixels(PixelBatch batch, Tensor output) {
        if (output.count() != batch.outputShape().count()) {
            throw new IllegalArgumentException("output " + output.shape() + " does not hold the batch's "
                    + batch.outputShape());
        }
        if (batch.count() == 0) {
            return;
        }
        // Pixels and layout cross as bytes into one scratch buffer: the pixels, then the layout at a 4-byte boundary.
        int pixelBytes = batch.pixels().length;
        int layoutAt = (pixelBytes + 3) & ~3;
        ByteBuffer layout = ByteBuffer.allocate(batch.layout().length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        layout.asIntBuffer().put(batch.layout());
        DeviceBuffer scratch = allocateBuffer(layoutAt / Float.BYTES + batch.layout().length);
        api.uploadBytes(batch.pixels(), 0, pixelBytes, scratch.address(0));
        api.uploadBytes(layout.array(), 0, layout.capacity(), scratch.address(0) + layoutAt);
        float[] mean = batch.meanImage() != null ? batch.meanImage() : batch.meanValues();
        int meanMode = batch.meanImage() != null ? 4 : mean.length;
        run(Kernel.TRANSFORM_PIXELS, output.count(), scratch.address(0), scratch.address(0) + layoutAt,
                meanMode == 0 ? 0L : meanOnDevice(mean), meanMode, batch.scale(), addr(output), batch.count(),
                batch.cropHeight(), batch.cropWidth());
    }

    /**
     * {@code mean} on the device: uploaded once per array (a transformer keeps one mean image per size, and a pixel
     * batch's arrays do not change), so a training run sends its mean image once, not with every batch.
     */
    private long meanOnDevice(float[] mean) {
        if (mean != meanKey) {
            meanCopy = allocateBuffer(mean.length);
            api.upload(mean, 0, mean.length, meanCopy.address(0));
            meanKey = mean;
        }
        return meanCopy.address(0);
    }

    @Override
    public void synchronize() {
        api.makeCurrent();
        api.synchronize();
    }

    @Override
    public void close() {
        api.makeCurrent();
        api.synchronize();
        if (cudnn != null) {
            cudnn.close();
        }
        columns = null;
        partials = null;
        meanKey = null;
        meanCopy = null;
        allocator.releaseCached();
        api.close();
    }

    // ---- dense linear algebra ----------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int aOffset,
                     Tensor b, int bOffset, float beta, Tensor c, int cOffset) {
        gemm(transA, transB, m, n, k, alpha, buf(a), aOffset, buf(b), bOffset, beta, buf(c), cOffset);
    }

    private void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset,
                      DeviceBuffer b, long bOffset, float beta, DeviceBuffer c, long cOffset) {
        api.makeCurrent();
        // cuBLAS is column-major; a row-major matrix read column-major is its transpose. So row-major
        // C (m x n) = op(A) op(B) is column-major C^T (n x m) = op(B)^T op(A)^T: swap the operands (B first), swap m
        // and n, keep each operand's own transpose flag, and use the row lengths of the stored matrices as leading
        // dimensions (B: n, or k when stored transposed; A: k, or m when stored transposed; C: n).
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        api.sgemm(transB, transA, n, m, k, alpha, b.address(bOffset), ldb, a.address(aOffset), lda, beta,
                c.address(cOffset), n);
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
        int grid = (int) Math.max(1, Math.min(MAX_PARTIAL_BLOCKS, ((long) n + Kernel.BLOCK - 1) / Kernel.BLOCK));
        DeviceBuffer p = partials();
        api.makeCurrent();
        api.launch(Kernel.SUM_SQUARES, grid, addr(x), p.address(0), n);
        double sum = 0;
        for (double v : downloadDoubles(p, grid)) {
            sum += v;
        }
        return sum;
    }

    // ---- convolution -------------------------------------------------------------------------------------------

    @Override
    public void convolutionForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolve(g, input, weight, output);
        if (bias != null) {
            addBias(output, bias, g.batch(), g.outChannels(), g.outH() * g.outW());
        }
    }

    /** The convolution, then its bias and the ReLU in one kernel: one pass over the output where there were two. */
    @Override
    public void convolutionReluForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolve(g, input, weight, output);
        epilogue(g, bias, true, output, 0);
    }

    /**
     * Into a channel window: cuDNN through a strided output descriptor, or the im2col products at the window's
     * offsets, then bias and ReLU in one kernel over the window. Where cuDNN cannot write the window (BF16 converts a
     * contiguous output; cuDNN may offer no algorithm for a strided one) this computes into a tensor of its own and
     * copies (the default).
     */
    @Override
    public void convolutionForwardInto(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, boolean relu,
                                       Tensor output, int channelOffset) {
        g.requireOutputWindow(output.shape(), channelOffset);
        int outputChannels = output.shape().dim(1);
        // BF16 converts a contiguous output, so it never writes a window through cuDNN.
        BooleanSupplier viaCudnn = () -> {
            api.makeCurrent();
            return math != MathMode.BF16
                    && cudnn.forwardInto(g, buf(input), buf(weight), buf(output), outputChannels, channelOffset);
        };
        Runnable viaGemm = () -> gemmConvolution(g, input, weight, output, outputChannels, channelOffset);
        if (forwardByGemm(g, outputChannels, viaCudnn, viaGemm)) {
            viaGemm.run();
        } else if (!viaCudnn.getAsBoolean()) {
            Backend.super.convolutionForwardInto(g, input, weight, bias, relu, output, channelOffset);
            return;
        }
        if (bias != null || relu) {
            epilogue(g, bias, relu, output, channelOffset);
        }
    }

    /** {@code conv(input, weight)} into the whole of {@code output}, by the backend's convolution implementation. */
    private void convolve(ConvGeometry g, Tensor input, Tensor weight, Tensor output) {
        BooleanSupplier viaCudnn = () -> {
            api.makeCurrent();
            cudnn.forward(g, buf(input), buf(weight), buf(output));
            return true;
        };
        Runnable viaGemm = () -> gemmConvolution(g, input, weight, output, g.outChannels(), 0);
        if (forwardByGemm(g, g.outChannels(), viaCudnn, viaGemm)) {
            viaGemm.run();
        } else {
            viaCudnn.getAsBoolean();
        }
    }

    /** Whether a forward convolution runs as im2col + GEMM: always, never, or as FASTEST timed it for the shape. */
    private boolean forwardByGemm(ConvGeometry g, int outputChannels, BooleanSupplier viaCudnn, Runnable viaGemm) {
        return switch (convImpl) {
            case IM2COL_GEMM -> true;
            case CUDNN -> false;
            case FASTEST -> forwardChoice.gemmIsFaster(g, outputChannels, context().capturing, viaCudnn, viaGemm);
        };
    }

    /**
     * {@code conv(input, weight)} as im2col and a GEMM per image and group, into channels from {@code channelOffset}
     * of an output of {@code outputChannels}.
     */
    private void gemmConvolution(ConvGeometry g, Tensor input, Tensor weight, Tensor output, int outputChannels,
                                 int channelOffset) {
        int outHW = g.outH() * g.outW();
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
                long outOff = ((long) n * outputChannels + channelOffset + (long) grp * kg) * outHW;
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

    /** Bias (may be null) and, with {@code relu}, the ReLU of a convolution's output in its channel window. */
    private void epilogue(ConvGeometry g, Tensor bias, boolean relu, Tensor output, int channelOffset) {
        int n = g.batch() * g.outChannels() * g.outH() * g.outW();
        run(Kernel.CONV_EPILOGUE, n, addr(output), bias == null ? 0L : addr(bias), bias == null ? 0 : 1, relu ? 1 : 0,
                g.outChannels(), g.outH() * g.outW(), output.shape().dim(1), channelOffset, n);
    }

    @Override
    public void convolutionBackwardData(ConvGeometry g, Tensor weight, Tensor dout, Tensor dinp) {
        if (convImpl.needsCudnn()) {
            api.makeCurrent();
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
        if (convImpl.needsCudnn()) {
            api.makeCurrent();
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
        launch(k, threads, from, to, g.inChannelsPerGroup(), g.inH(), g.inW(), g.kernelH(), g.kernelW(),
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
        int splits = biasSplits(outer, channels, inner);
        api.makeCurrent();
        if (splits == 1) {
            api.launch(Kernel.BIAS_BACKWARD, channels, addr(dout), addr(dbias), outer, channels, inner);
            return;
        }
        DeviceBuffer p = partials();
        api.launch(Kernel.BIAS_BACKWARD_SPLIT, channels * splits, addr(dout), p.address(0), outer, channels, inner,
                splits);
        launch(Kernel.BIAS_BACKWARD_FINISH, channels, p.address(0), addr(dbias), channels, splits);
    }

    /**
     * How many blocks share each channel of a bias gradient: one per {@link #BIAS_VALUES_PER_BLOCK} values of the
     * channel, as many as the partials buffer holds; 1 (one block per channel, no second pass) for small channels.
     */
    static int biasSplits(int outer, int channels, int inner) {
        long per = (long) outer * inner;
        long wanted = (per + BIAS_VALUES_PER_BLOCK - 1) / BIAS_VALUES_PER_BLOCK;
        return (int) Math.max(1, Math.min(wanted, PARTIAL_DOUBLES / channels));
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
    static Object[] pool(PoolGeometry g) {
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
            api.makeCurrent();
            api.launch(Kernel.SOFTMAX_FORWARD_ROWS, Math.min(outer, MAX_GRID), addr(in), addr(out), outer, channels);
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

    // ---- training: dropout and solver updates ----------------------------------------------------------------------
    // The kernels repeat UpdateKernels' float statements with round-to-nearest intrinsics, so the results equal the
    // CPU's bits (TrainingKernelsContract checks that).

    @Override
    public void dropoutMask(Tensor mask, float ratio, long seed) {
        // The kept value 1 / (1 - ratio) rounded by Java, as UpdateKernels does.
        float keepScale = 1f / (1f - ratio);
        run(Kernel.DROPOUT_MASK, mask.count(), addr(mask), seed, ratio, keepScale, mask.count());
    }

    @Override
    public void sgdUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float momentum) {
        requireSameCount(data, diff);
        requireSameCount(data, history);
        run(Kernel.SGD_UPDATE, data.count(), addr(data), addr(diff), addr(history), grad.scale(), grad.decay(),
                l1(grad), lr, momentum, data.count());
    }

    @Override
    public void nesterovUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr,
                               float momentum) {
        requireSameCount(data, diff);
        requireSameCount(data, history);
        run(Kernel.NESTEROV_UPDATE, data.count(), addr(data), addr(diff), addr(history), grad.scale(), grad.decay(),
                l1(grad), lr, momentum, data.count());
    }

    @Override
    public void adamUpdate(Tensor data, Tensor diff, Tensor m, Tensor v, SolverGradient grad, float lrCorrected,
                           float beta1, float beta2, float eps) {
        requireSameCount(data, diff);
        requireSameCount(data, m);
        requireSameCount(data, v);
        run(Kernel.ADAM_UPDATE, data.count(), addr(data), addr(diff), addr(m), addr(v), grad.scale(), grad.decay(),
                l1(grad), lrCorrected, beta1, beta2, eps, data.count());
    }

    @Override
    public void adaGradUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float delta) {
        requireSameCount(data, diff);
        requireSameCount(data, history);
        run(Kernel.ADAGRAD_UPDATE, data.count(), addr(data), addr(diff), addr(history), grad.scale(), grad.decay(),
                l1(grad), lr, delta, data.count());
    }

    @Override
    public void rmsPropUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr,
                              float rmsDecay, float delta) {
        requireSameCount(data, diff);
        requireSameCount(data, history);
        run(Kernel.RMSPROP_UPDATE, data.count(), addr(data), addr(diff), addr(history), grad.scale(), grad.decay(),
                l1(grad), lr, rmsDecay, delta, data.count());
    }

    @Override
    public void adaDeltaUpdate(Tensor data, Tensor diff, Tensor history, Tensor updates, SolverGradient grad,
                               float lr, float momentum, float delta) {
        requireSameCount(data, diff);
        requireSameCount(data, history);
        requireSameCount(data, updates);
        run(Kernel.ADADELTA_UPDATE, data.count(), addr(data), addr(diff), addr(history), addr(updates), grad.scale(),
                grad.decay(), l1(grad), lr, momentum, delta, data.count());
    }

    /** The kernels' L1 flag. */
    private static int l1(SolverGradient grad) {
        return grad.l1() ? 1 : 0;
    }

    // ---- losses and accuracy ----------------------------------------------------------------------------------------
    // The forward kernels reduce to per-block partials (sum, labelled count, lowest invalid label position) that come
    // back as a few doubles; only an invalid label costs one more float (its value, for the message).

    @Override
    public LabelledSum softmaxLossForward(Tensor prob, Tensor labels, int outer, int channels, int inner,
                                          Integer ignoreLabel) {
        return reduceLabelled(Kernel.SOFTMAX_LOSS_FORWARD, outer * inner, labels, channels, addr(prob), addr(labels),
                partials().address(0), outer, channels, inner, ignoreLabel == null ? 0 : 1, ignoreValue(ignoreLabel));
    }

    @Override
    public void softmaxLossBackward(Tensor prob, Tensor labels, Tensor dinp, int outer, int channels, int inner,
                                    Integer ignoreLabel, float scale) {
        run(Kernel.SOFTMAX_LOSS_BACKWARD, outer * channels * inner, addr(prob), addr(labels), addr(dinp), outer,
                channels, inner, ignoreLabel == null ? 0 : 1, ignoreValue(ignoreLabel), scale);
    }

    @Override
    public double hingeLossForward(Tensor scores, Tensor labels, int num, int dim, boolean squared) {
        return reduceLabelled(Kernel.HINGE_LOSS_FORWARD, num * dim, labels, dim, addr(scores), addr(labels),
                partials().address(0), num, dim, squared ? 1 : 0).sum();
    }

    @Override
    public void hingeLossBackward(Tensor scores, Tensor labels, Tensor dinp, int num, int dim, boolean squared,
                                  float scale) {
        run(Kernel.HINGE_LOSS_BACKWARD, num * dim, addr(scores), addr(labels), addr(dinp), num, dim, squared ? 1 : 0,
                scale);
    }

    @Override
    public LabelledSum accuracy(Tensor scores, Tensor labels, int outer, int channels, int inner, int topK,
                                Integer ignoreLabel) {
        return reduceLabelled(Kernel.ACCURACY, outer * inner, labels, channels, addr(scores), addr(labels),
                partials().address(0), outer, channels, inner, topK, ignoreLabel == null ? 0 : 1,
                ignoreValue(ignoreLabel));
    }

    /** Caffe compares a float label with the int ignore_label, that is with the int's float value. */
    private static float ignoreValue(Integer ignoreLabel) {
        return ignoreLabel == null ? 0f : (float) ignoreLabel.intValue();
    }

    /**
     * Launches a loss-type reduction over {@code n} work items (kernel arguments {@code args}, which name the partials
     * buffer) and adds the blocks' partials in block order.
     *
     * @throws InvalidLabelException naming the lowest invalid label position any block found
     */
    LabelledSum reduceLabelled(Kernel k, int n, Tensor labels, int classes, Object... args) {
        int grid = (int) Math.max(1, Math.min(MAX_PARTIAL_BLOCKS, ((long) n + Kernel.BLOCK - 1) / Kernel.BLOCK));
        api.makeCurrent();
        api.launch(k, grid, args);
        double[] part = downloadDoubles(partials(), 3 * grid);
        double sum = 0;
        double labelled = 0;
        double bad = Integer.MAX_VALUE;
        for (int b = 0; b < grid; b++) {
            sum += part[3 * b];
            labelled += part[3 * b + 1];
            bad = Math.min(bad, part[3 * b + 2]);
        }
        if (bad < Integer.MAX_VALUE) {
            float[] value = new float[1];
            api.download(buf(labels).address((long) bad), value, 0, 1);
            throw new InvalidLabelException(value[0], (long) bad, classes);
        }
        return new LabelledSum(sum, (long) labelled);
    }

    /** The partial sums buffer of the reductions: up to {@link #MAX_PARTIAL_BLOCKS} blocks of three doubles. */
    DeviceBuffer partials() {
        if (partials == null) {
            partials = allocateBuffer(2 * PARTIAL_DOUBLES);
        }
        return partials;
    }

    /** {@code count} doubles from the start of {@code b}, which kernels wrote as doubles (two float slots each). */
    private double[] downloadDoubles(DeviceBuffer b, int count) {
        float[] raw = new float[2 * count];
        api.makeCurrent();
        api.download(b.address(0), raw, 0, raw.length);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            // A little-endian double in two floats (x86-64 and every CUDA GPU are little-endian).
            long lo = Float.floatToRawIntBits(raw[2 * i]) & 0xffffffffL;
            long hi = Float.floatToRawIntBits(raw[2 * i + 1]) & 0xffffffffL;
            out[i] = Double.longBitsToDouble(hi << 32 | lo);
        }
        return out;
    }

    // ---- bfloat16 conversions (the BF16 math mode's cuDNN convolutions) ------------------------------------------

    /** {@code count} floats at {@code src} rounded to bfloat16 (nearest even) into {@code dst}, two per float slot. */
    void toBf16(long src, long dst, int count) {
        launch(Kernel.FLOAT_TO_BF16, count, src, dst, count);
    }

    /** {@code count} bfloat16 values at {@code src} widened to floats at {@code dst}. */
    void fromBf16(long src, long dst, int count) {
        launch(Kernel.BF16_TO_FLOAT, count, src, dst, count);
    }

    /** {@code out = float(bfloat16(in))}: what the BF16 mode does to a convolution's operands (for tests). */
    void roundTripBf16(Tensor in, Tensor out) {
        requireSameCount(in, out);
        DeviceBuffer half = allocateBuffer((in.count() + 1) / 2);
        toBf16(addr(in), half.address(0), in.count());
        fromBf16(half.address(0), addr(out), in.count());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** Launches over {@code n} work items; {@link Object}[] arguments (pooling's geometry) are spliced in. */
    void run(Kernel k, int n, Object... args) {
        if (n == 0) {
            return;
        }
        launch(k, n, flatten(args));
    }

    /** Launches {@code blocks} blocks (capped at MAX_GRID; the kernels stride), for kernels with a block per row. */
    void launchBlocks(Kernel k, int blocks, Object... args) {
        if (blocks == 0) {
            return;
        }
        api.makeCurrent();
        api.launch(k, Math.min(blocks, MAX_GRID), args);
    }

    /** Launches over {@code n} work items: the standard block, a grid capped at MAX_GRID (the kernels stride). */
    private void launch(Kernel k, int n, Object... args) {
        int grid = (int) Math.max(1, Math.min(MAX_GRID, ((long) n + Kernel.BLOCK - 1) / Kernel.BLOCK));
        api.makeCurrent();
        api.launch(k, grid, args);
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
    DeviceBuffer buf(Tensor t) {
        if (t.buffer() instanceof DeviceBuffer b && b.owner() == this) {
            return b;
        }
        throw new IllegalArgumentException("tensor " + t.shape() + " lives on " + t.device() + ", not on this backend ("
                + description + "): upload it first");
    }

    long addr(Tensor t) {
        return buf(t).address(0);
    }

    private static void requireSameCount(Tensor a, Tensor b) {
        if (a.count() != b.count()) {
            throw new IllegalArgumentException("element counts differ: " + a.shape() + " vs " + b.shape());
        }
    }
}
