package org.cortado.gpu;

import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.LabelledSum;
import org.cortado.backend.LayerOps;
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
 * <p>This class opens the device and hands each operation to the op class of its family, as {@code CpuBackend} does:
 * {@link GpuDevice} (memory, launches), {@link GpuBlas}, {@link GpuConvolution} (with {@link CudnnConvolution}),
 * {@link GpuActivations}, {@link GpuPooling}, {@link GpuLrn}, {@link GpuReductions}, {@link GpuLosses},
 * {@link GpuCopies}, {@link GpuUpdateKernels}, {@link GpuPixelTransform}, and {@link GpuLayerOps} over them.
 *
 * <p>With a 16-bit {@link Precision} every tensor the backend allocates or uploads is stored in 16 bits: inference
 * runs through {@link GpuHalfOps} (chosen by {@link PrecisionRouting}), cuDNN and cuBLAS on them, and the other
 * operations refuse them (see {@link Precision}). {@link CudaDeviceOpener} opens the device.
 *
 * <p>Work is asynchronous: methods return once the work is queued; {@link #download} and {@link #synchronize} wait.
 * A backend is meant for one thread at a time (the layers of a net run in order); it may move between threads.
 */
public final class GpuBackend implements Backend {
    private final GpuDevice device;
    private final ConvImpl convImpl;
    private final MathMode math;
    private final Precision precision;
    /** cuDNN's convolutions; null where cuDNN did not load or the device is not CUDA. */
    private final CudnnConvolution cudnn;
    private final GpuBlas blas;
    private final GpuReductions reductions;
    private final GpuConvolution convolution;
    private final GpuActivations activations;
    private final GpuPooling pooling;
    private final GpuLrn lrn;
    private final GpuLosses losses;
    private final GpuCopies copies;
    private final GpuUpdateKernels updateKernels;
    private final GpuLayerOps layerOps;
    private final PrecisionRouting byPrecision;

    /**
     * Opens device {@code ordinal} with the given convolution implementation and math mode, loading the native stack
     * first ({@link NativeStack#load}); CUDNN requires that it found cuDNN.
     */
    public static GpuBackend open(int ordinal, ConvImpl convImpl, MathMode math) {
        return open(ordinal, convImpl, math, Precision.FP32, false);
    }

    /**
     * As {@link #open(int, ConvImpl, MathMode)}, its tensors stored in {@code precision}; 16 bits need
     * {@link ConvImpl#CUDNN} and {@link MathMode#FP32} (the math of the float32 operations, of which inference then
     * has none).
     */
    public static GpuBackend open(int ordinal, ConvImpl convImpl, MathMode math, Precision precision) {
        return open(ordinal, convImpl, math, precision, false);
    }

    /**
     * As {@link #open(int, ConvImpl, MathMode)}; with {@code compileKernels} the kernels come from NVRTC compiling the
     * jar's sources, never from the build's PTX: what a driver older than the build's CUDA gets, on any machine.
     */
    static GpuBackend open(int ordinal, ConvImpl convImpl, MathMode math, boolean compileKernels) {
        return open(ordinal, convImpl, math, Precision.FP32, compileKernels);
    }

    static GpuBackend open(int ordinal, ConvImpl convImpl, MathMode math, Precision precision,
                           boolean compileKernels) {
        CudaDeviceOpener.Opened opened = CudaDeviceOpener.open(ordinal, convImpl, math, precision, compileKernels);
        return new GpuBackend(opened.context(), opened.device(), opened.description(), convImpl, math, precision,
                opened.withCudnn());
    }

    /** A backend over {@code api}; cuDNN only on a {@link CudaContext}. */
    GpuBackend(DeviceApi api, Device device, String description, ConvImpl convImpl, MathMode math,
               boolean withCudnn) {
        this(api, device, description, convImpl, math, Precision.FP32, withCudnn);
    }

    GpuBackend(DeviceApi api, Device device, String description, ConvImpl convImpl, MathMode math,
               Precision precision, boolean withCudnn) {
        PrecisionRouting.requireSupported(convImpl, math, precision);
        this.device = new GpuDevice(api, device, description, precision);
        this.convImpl = convImpl;
        this.math = math;
        this.precision = precision;
        GpuHalfOps half = new GpuHalfOps(this.device);
        this.cudnn = withCudnn && api instanceof CudaContext ? new CudnnConvolution(this.device, math) : null;
        this.blas = new GpuBlas(this.device);
        this.reductions = new GpuReductions(this.device);
        this.convolution = new GpuConvolution(this.device, blas, reductions, convImpl, math, cudnn, half);
        this.activations = new GpuActivations(this.device, reductions);
        this.pooling = new GpuPooling(this.device);
        this.lrn = new GpuLrn(this.device);
        this.losses = new GpuLosses(this.device, reductions);
        this.copies = new GpuCopies(this.device, reductions);
        this.updateKernels = new GpuUpdateKernels(this.device);
        this.layerOps = new GpuLayerOps(activations, copies, reductions, pooling, losses);
        this.byPrecision = new PrecisionRouting(this.device, half, blas, activations, pooling, lrn, copies,
                new GpuPixelTransform(this.device));
    }

    @Override
    public String name() {
        return device.description();
    }

    @Override
    public LayerOps layerOps() {
        return layerOps;
    }

    @Override
    public Device device() {
        return device.device();
    }

    /**
     * The device as {@link #name()} describes it: model, compute capability, driver, convolution and math modes.
     * cuDNN's algorithms, chosen by timing on first use, are not fixed by these.
     */
    @Override
    public Map<String, String> numerics() {
        return Map.of("device", device.description());
    }

    public ConvImpl convImpl() {
        return convImpl;
    }

    public MathMode mathMode() {
        return math;
    }

    /** How this backend stores its tensors. */
    public Precision precision() {
        return precision;
    }

    /** Where each kernel module came from ("ptx", or "nvrtc (why)"). */
    public Map<String, String> kernelOrigins() {
        return device.isCuda() ? device.cuda().kernels.origins() : Map.of();
    }

    /** The cuDNN algorithms chosen for {@code g} (after its first use), for benchmark logs. */
    public String convolutionPlan(ConvGeometry g) {
        return convolution.plan(g);
    }

    /** Bytes held by live tensors and by the allocator's cache. */
    public long[] memoryStats() {
        return device.memoryStats();
    }

    /** The CUDA context, for what only CUDA does (the device report). */
    CudaContext context() {
        return device.cuda();
    }

    /**
     * Records the work {@code work} queues into a graph instead of running it. The work must only queue: nothing that
     * waits for the device (download, sumOfSquares, synchronize), no upload from the host (refused: see
     * CudaContext.upload; upload before, copy on the device inside) and no first use of a convolution shape (cuDNN's
     * algorithm search runs kernels and waits); run it once before capturing. Allocations inside are allowed.
     */
    public GpuGraph capture(Runnable work) {
        return GpuGraph.capture(device.cuda(), work);
    }

    /** {@code out = float(bfloat16(in))}: what the BF16 mode does to a convolution's operands (for tests). */
    void roundTripBf16(Tensor in, Tensor out) {
        GpuBf16.roundTrip(device, in, out);
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    @Override
    public Tensor allocate(Shape shape) {
        return device.allocate(shape);
    }

    @Override
    public Tensor upload(Tensor host) {
        return device.upload(host);
    }

    @Override
    public Tensor download(Tensor t) {
        return device.download(t);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        device.copy(src, dst);
    }

    @Override
    public void fill(Tensor t, float value) {
        device.fill(t, value);
    }

    @Override
    public void transformPixels(PixelBatch batch, Tensor output) {
        byPrecision.transformPixels(batch, output);
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    @Override
    public void close() {
        device.synchronize();
        if (cudnn != null) {
            cudnn.close();
        }
        device.close();
    }

    // ---- dense linear algebra ----------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int aOffset,
                     Tensor b, int bOffset, float beta, Tensor c, int cOffset) {
        blas.gemm(transA, transB, m, n, k, alpha, device.anyBuf(a), aOffset, device.anyBuf(b), bOffset, beta,
                device.anyBuf(c), cOffset);
    }

    @Override
    public void axpby(float alpha, Tensor x, float beta, Tensor y) {
        blas.axpby(alpha, x, beta, y);
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        blas.multiply(a, b, out);
    }

    @Override
    public double sumOfSquares(Tensor x) {
        return reductions.sumOfSquares(x);
    }

    @Override
    public void addBias(Tensor data, Tensor bias, int outer, int channels, int inner) {
        byPrecision.addBias(data, bias, outer, channels, inner);
    }

    @Override
    public void biasBackward(Tensor dout, Tensor dbias, int outer, int channels, int inner) {
        reductions.biasBackward(dout, dbias, outer, channels, inner);
    }

    @Override
    public void channelAffine(Tensor in, Tensor scale, Tensor bias, Tensor out, int outer, int channels, int inner) {
        blas.channelAffine(in, scale, bias, out, outer, channels, inner);
    }

    // ---- convolution -------------------------------------------------------------------------------------------

    @Override
    public void convolutionForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolution.forward(g, input, weight, bias, output);
    }

    @Override
    public void convolutionReluForward(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        convolution.forwardRelu(g, input, weight, bias, output);
    }

    /** Into the channel window directly where the convolution can write it, else through a tensor of its own. */
    @Override
    public void convolutionForwardInto(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, boolean relu,
                                       Tensor output, int channelOffset) {
        if (!convolution.forwardInto(g, input, weight, bias, relu, output, channelOffset)) {
            Backend.super.convolutionForwardInto(g, input, weight, bias, relu, output, channelOffset);
        }
    }

    @Override
    public void convolutionBackwardData(ConvGeometry g, Tensor weight, Tensor dout, Tensor dinp) {
        convolution.backwardData(g, weight, dout, dinp);
    }

    @Override
    public void convolutionBackwardFilter(ConvGeometry g, Tensor input, Tensor dout, Tensor dweight, Tensor dbias) {
        convolution.backwardFilter(g, input, dout, dweight, dbias);
    }

    // ---- activations ---------------------------------------------------------------------------------------------

    @Override
    public void reluForward(Tensor in, Tensor out, float negativeSlope) {
        byPrecision.reluForward(in, out, negativeSlope);
    }

    @Override
    public void reluBackward(Tensor in, Tensor dout, Tensor dinp, float negativeSlope) {
        activations.reluBackward(in, dout, dinp, negativeSlope);
    }

    @Override
    public void sigmoidForward(Tensor in, Tensor out) {
        activations.sigmoidForward(in, out);
    }

    @Override
    public void sigmoidBackward(Tensor out, Tensor dout, Tensor dinp) {
        activations.sigmoidBackward(out, dout, dinp);
    }

    @Override
    public void tanhForward(Tensor in, Tensor out) {
        activations.tanhForward(in, out);
    }

    @Override
    public void tanhBackward(Tensor out, Tensor dout, Tensor dinp) {
        activations.tanhBackward(out, dout, dinp);
    }

    @Override
    public void softmaxForward(Tensor in, Tensor out, int outer, int channels, int inner) {
        byPrecision.softmaxForward(in, out, outer, channels, inner);
    }

    @Override
    public void softmaxBackward(Tensor out, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        activations.softmaxBackward(out, dout, dinp, outer, channels, inner);
    }

    // ---- pooling and normalisation -------------------------------------------------------------------------------

    @Override
    public void maxPoolForward(PoolGeometry g, Tensor in, Tensor out, Tensor mask) {
        byPrecision.maxPoolForward(g, in, out, mask);
    }

    @Override
    public void maxPoolBackward(PoolGeometry g, Tensor dout, Tensor mask, Tensor dinp) {
        pooling.maxBackward(g, dout, mask, dinp);
    }

    @Override
    public void avePoolForward(PoolGeometry g, Tensor in, Tensor out) {
        byPrecision.avePoolForward(g, in, out);
    }

    @Override
    public void avePoolBackward(PoolGeometry g, Tensor dout, Tensor dinp) {
        pooling.aveBackward(g, dout, dinp);
    }

    @Override
    public void lrnForward(LrnParams p, Tensor in, Tensor out, Tensor scale) {
        byPrecision.lrnForward(p, in, out, scale);
    }

    @Override
    public void lrnBackward(LrnParams p, Tensor in, Tensor out, Tensor scale, Tensor dout, Tensor dinp) {
        lrn.backward(p, in, out, scale, dout, dinp);
    }

    // ---- data movement -------------------------------------------------------------------------------------------

    @Override
    public void copyBlocks(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride,
                           int blockLength, int blocks, boolean accumulate) {
        byPrecision.copyBlocks(src, srcOffset, srcStride, dst, dstOffset, dstStride, blockLength, blocks,
                accumulate);
    }

    @Override
    public void eltwiseMaxForward(List<Tensor> inputs, Tensor out, Tensor mask) {
        copies.eltwiseMaxForward(inputs, out, mask);
    }

    @Override
    public void eltwiseMaxBackward(Tensor dout, Tensor mask, int index, Tensor dinp) {
        copies.eltwiseMaxBackward(dout, mask, index, dinp);
    }

    // ---- training: dropout and solver updates ----------------------------------------------------------------------

    @Override
    public void dropoutMask(Tensor mask, float ratio, long seed) {
        updateKernels.dropoutMask(mask, ratio, seed);
    }

    @Override
    public void sgdUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float momentum) {
        updateKernels.sgd(data, diff, history, grad, lr, momentum);
    }

    @Override
    public void nesterovUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr,
                               float momentum) {
        updateKernels.nesterov(data, diff, history, grad, lr, momentum);
    }

    @Override
    public void adamUpdate(Tensor data, Tensor diff, Tensor m, Tensor v, SolverGradient grad, float lrCorrected,
                           float beta1, float beta2, float eps) {
        updateKernels.adam(data, diff, m, v, grad, lrCorrected, beta1, beta2, eps);
    }

    @Override
    public void adaGradUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float delta) {
        updateKernels.adaGrad(data, diff, history, grad, lr, delta);
    }

    @Override
    public void rmsPropUpdate(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr,
                              float rmsDecay, float delta) {
        updateKernels.rmsProp(data, diff, history, grad, lr, rmsDecay, delta);
    }

    @Override
    public void adaDeltaUpdate(Tensor data, Tensor diff, Tensor history, Tensor updates, SolverGradient grad,
                               float lr, float momentum, float delta) {
        updateKernels.adaDelta(data, diff, history, updates, grad, lr, momentum, delta);
    }

    // ---- losses and accuracy ----------------------------------------------------------------------------------------

    @Override
    public LabelledSum softmaxLossForward(Tensor prob, Tensor labels, int outer, int channels, int inner,
                                          Integer ignoreLabel) {
        return losses.softmaxLossForward(prob, labels, outer, channels, inner, ignoreLabel);
    }

    @Override
    public void softmaxLossBackward(Tensor prob, Tensor labels, Tensor dinp, int outer, int channels, int inner,
                                    Integer ignoreLabel, float scale) {
        losses.softmaxLossBackward(prob, labels, dinp, outer, channels, inner, ignoreLabel, scale);
    }

    @Override
    public double hingeLossForward(Tensor scores, Tensor labels, int num, int dim, boolean squared) {
        return losses.hingeLossForward(scores, labels, num, dim, squared);
    }

    @Override
    public void hingeLossBackward(Tensor scores, Tensor labels, Tensor dinp, int num, int dim, boolean squared,
                                  float scale) {
        losses.hingeLossBackward(scores, labels, dinp, num, dim, squared, scale);
    }

    @Override
    public LabelledSum accuracy(Tensor scores, Tensor labels, int outer, int channels, int inner, int topK,
                                Integer ignoreLabel) {
        return losses.accuracy(scores, labels, outer, channels, inner, topK, ignoreLabel);
    }
}
