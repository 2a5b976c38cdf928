package org.cortado.gpu;

import static jcuda.jcudnn.JCudnn.cudnnConvolutionBackwardData;
import static jcuda.jcudnn.JCudnn.cudnnConvolutionBackwardFilter;
import static jcuda.jcudnn.JCudnn.cudnnConvolutionForward;
import static jcuda.jcudnn.JCudnn.cudnnCreate;
import static jcuda.jcudnn.JCudnn.cudnnCreateConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroy;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionBackwardDataAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionBackwardFilterAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionForwardAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolution2dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionGroupCount;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionMathType;
import static jcuda.jcudnn.JCudnn.cudnnSetFilter4dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetStream;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor4dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor4dDescriptorEx;

import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionMode;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.jcudnn.cudnnTensorFormat;
import jcuda.runtime.cudaStream_t;
import org.cortado.backend.ConvGeometry;

/**
 * cuDNN convolutions: descriptors built once per {@link ConvGeometry}, and per direction the fastest algorithm that
 * {@code cudnnFind*Algorithm} measures on this GPU (once, on first use of the shape, as Caffe's cudnn_conv_layer and
 * PyTorch's {@code cudnn.benchmark} do) within the workspace limit; one workspace, grown to the largest need, serves
 * all of them.
 */
final class CudnnConvolution {
    private static final long WORKSPACE_LIMIT = CudnnSearch.WORKSPACE_LIMIT;
    private static final int BWD_DATA_ALGOS = 6;
    private static final int BWD_FILTER_ALGOS = 7;
    private static final int SUCCESS = CudnnSearch.SUCCESS;
    /** {@code -Dcortado.cudnn.trace=true} ({@link CudnnSearch#TRACE}). */
    static final boolean TRACE = CudnnSearch.TRACE;

    /** Descriptors of one shape and, once found, the algorithm of each direction. */
    private static final class Plan {
        final cudnnTensorDescriptor x = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        final cudnnTensorDescriptor y = new cudnnTensorDescriptor();
        final cudnnConvolutionDescriptor fwd = new cudnnConvolutionDescriptor();
        final cudnnConvolutionDescriptor bwdData = new cudnnConvolutionDescriptor();
        final cudnnConvolutionDescriptor bwdFilter = new cudnnConvolutionDescriptor();
        int fwdAlgo = -1;
        long fwdBytes;
        int bwdDataAlgo = -1;
        long bwdDataBytes;
        int bwdFilterAlgo = -1;
        long bwdFilterBytes;
        /** Outputs written into a wider tensor (a concat's slice), by that tensor's channel count. */
        final Map<Integer, Window> windows = new HashMap<>();
    }

    /** The output descriptor of a channel window of a tensor of more channels, and the forward algorithm found for it. */
    private static final class Window {
        final cudnnTensorDescriptor y = new cudnnTensorDescriptor();
        int algo = -1;
        long bytes;
    }

    private static final int UNSUPPORTED = -2;

    private final GpuDevice device;
    private final CudaContext ctx;
    private final cudnnHandle handle = new cudnnHandle();
    /**
     * The math type of every descriptor, kept after cudnnFind*: JCudnn 11.7.0's native copies algo, status, time,
     * memory and determinism of each perf result back to Java but not mathType, which stays 0 (CUDNN_DEFAULT_MATH);
     * setting that on the descriptor let cuDNN use TF32 tensor cores for FP32 convolutions on Ampere and later.
     */
    private final int mathType;
    /** BF16 math on float32 tensors: operands converted to bfloat16 around each forward. */
    private final boolean bf16;
    /** The tensors' storage: with 16 bits, the forward runs on them as they are (no conversion). */
    private final Precision storage;
    /** The 16-bit forward: BF16 math's (bfloat16 copies) or 16-bit storage's (the tensors as stored). */
    private final CudnnHalfForward halfForward;
    /** float32 copies of a 16-bit input, weight and output, for shapes cuDNN has no 16-bit forward for. */
    private final DeviceBuffer[] widened = new DeviceBuffer[3];
    /** bfloat16 copies of input, weight and output for the BF16 forward, grown as needed. */
    private final DeviceBuffer[] halves = new DeviceBuffer[3];
    private final Map<ConvGeometry, Plan> plans = new HashMap<>();
    private DeviceBuffer workspace;
    private final Pointer one = Pointer.to(new float[] {1f});
    private final Pointer zero = Pointer.to(new float[] {0f});

    /** cuDNN on {@code device}'s stream; the device must be CUDA. */
    CudnnConvolution(GpuDevice device, MathMode math) {
        this.device = device;
        this.ctx = device.cuda();
        cudnnCreate(handle);
        cudnnSetStream(handle, new cudaStream_t(ctx.stream));
        // FMA_MATH keeps cuDNN off TF32 tensor cores, which it would otherwise use for float data on Ampere and later.
        this.mathType = math == MathMode.FP32 ? cudnnMathType.CUDNN_FMA_MATH : cudnnMathType.CUDNN_TENSOR_OP_MATH;
        this.storage = device.precision();
        this.bf16 = math == MathMode.BF16 && !storage.isHalf();
        this.halfForward = new CudnnHalfForward(ctx, handle, storage == Precision.FP16, storage.isHalf()
                ? "this layer converts its operands to float32 and its output back"
                : "this layer runs in TF32 on float32 data", this::workspace);
    }

    /** {@code output = conv(input, weight)}; the bias is added by the caller. */
    void forward(ConvGeometry g, DeviceBuffer input, DeviceBuffer weight, DeviceBuffer output) {
        Plan p = plan(g);
        if (storage.isHalf()) {
            forwardStored16(g, p, input, weight, output);
            return;
        }
        if (bf16 && forwardBf16(g, input, weight, output)) {
            return;
        }
        forwardFloat(g, p, input, weight, output);
    }

    /** The float32 (or TF32) forward through the plan's float descriptors. */
    private void forwardFloat(ConvGeometry g, Plan p, DeviceBuffer input, DeviceBuffer weight, DeviceBuffer output) {
        if (p.fwdAlgo < 0) {
            long[] found = findForward(g, p, p.y);
            if (found == null) {
                requireAlgo(-1, "forward", g);
            }
            p.fwdAlgo = (int) found[0];
            p.fwdBytes = found[1];
        }
        DeviceBuffer ws = workspace(p.fwdBytes);
        cudnnConvolutionForward(handle, one, p.x, ptr(input), p.w, ptr(weight), p.fwd, p.fwdAlgo,
                ws == null ? null : ptr(ws), p.fwdBytes, zero, p.y, ptr(output));
    }

    /**
     * {@code conv(input, weight)} into channels from {@code channelOffset} of {@code output}, a tensor of
     * {@code outputChannels} channels of the output's size: a strided output descriptor (cuDNN writes the slice of
     * each image directly), with the fastest algorithm found for it once. In FP32 and TF32; the caller handles BF16.
     *
     * @return false, having done nothing, when cuDNN offers no algorithm for the strided output (found once): the
     *         caller then convolves into a tensor of its own and copies
     */
    boolean forwardInto(ConvGeometry g, DeviceBuffer input, DeviceBuffer weight, DeviceBuffer output,
                        int outputChannels, int channelOffset) {
        Plan p = plan(g);
        Window win = p.windows.get(outputChannels);
        if (win == null) {
            win = new Window();
            int plane = g.outH() * g.outW();
            cudnnCreateTensorDescriptor(win.y);
            cudnnSetTensor4dDescriptorEx(win.y, cudnnDataType.CUDNN_DATA_FLOAT, g.batch(), g.outChannels(), g.outH(),
                    g.outW(), outputChannels * plane, plane, g.outW(), 1);
            long[] found = findForward(g, p, win.y);
            win.algo = found == null ? UNSUPPORTED : (int) found[0];
            win.bytes = found == null ? 0 : found[1];
            p.windows.put(outputChannels, win);
        }
        if (win.algo == UNSUPPORTED) {
            return false;
        }
        DeviceBuffer ws = workspace(win.bytes);
        cudnnConvolutionForward(handle, one, p.x, ptr(input), p.w, ptr(weight), p.fwd, win.algo,
                ws == null ? null : ptr(ws), win.bytes, zero, win.y,
                ctx.pointer(output.address((long) channelOffset * g.outH() * g.outW())));
        return true;
    }

    /**
     * {@link #forwardInto} on 16-bit tensors ({@link CudnnHalfForward#forwardInto}); false, having done nothing, where
     * cuDNN has no 16-bit algorithm for the window.
     */
    boolean forwardInto16(ConvGeometry g, DeviceBuffer input, DeviceBuffer weight, DeviceBuffer output,
                          int outputChannels, int channelOffset) {
        return halfForward.forwardInto(g, input, weight, output, outputChannels, channelOffset);
    }

    /**
     * The fastest forward algorithm for output descriptor {@code y} within the workspace limit: {algo, bytes}; null
     * when there is none.
     */
    private long[] findForward(ConvGeometry g, Plan p, cudnnTensorDescriptor y) {
        cudnnConvolutionFwdAlgoPerf[] perf = CudnnSearch.forwardResults();
        int[] n = new int[1];
        cudnnFindConvolutionForwardAlgorithm(handle, p.x, p.w, p.fwd, y, perf.length, n, perf);
        CudnnSearch.trace("forward", g, perf, n[0]);
        for (int i = 0; i < n[0]; i++) {
            if (perf[i].status == SUCCESS && perf[i].memory <= WORKSPACE_LIMIT) {
                return new long[] {perf[i].algo, perf[i].memory};
            }
        }
        return null;
    }

    /**
     * The BF16 forward: input and weight rounded to bfloat16 by the engine's kernel, cuDNN in bfloat16 with float
     * accumulation ({@link CudnnHalfForward}), the output widened back. False when cuDNN has no bfloat16 algorithm for
     * this shape (found once, said once): the layer then runs on float32 data (TF32 tensor cores, like BF16 mode's
     * backward passes).
     */
    private boolean forwardBf16(ConvGeometry g, DeviceBuffer input, DeviceBuffer weight, DeviceBuffer output) {
        int inCount = g.batch() * g.inChannels() * g.inH() * g.inW();
        int wCount = g.outChannels() * g.patchSize();
        int outCount = g.batch() * g.outChannels() * g.outH() * g.outW();
        DeviceBuffer x16 = half(0, inCount);
        DeviceBuffer w16 = half(1, wCount);
        DeviceBuffer y16 = half(2, outCount);
        GpuBf16.toBf16(device, input.address(0), x16.address(0), inCount);
        GpuBf16.toBf16(device, weight.address(0), w16.address(0), wCount);
        if (!halfForward.forward(g, x16, w16, y16)) {
            return false;
        }
        GpuBf16.fromBf16(device, y16.address(0), output.address(0), outCount);
        return true;
    }

    /**
     * The forward on 16-bit tensors as stored ({@link Precision#BF16}, {@link Precision#FP16}): cuDNN on them
     * directly, float accumulation, the output rounded once by cuDNN. Where cuDNN has no 16-bit algorithm for the shape
     * (found once, said once), the operands are widened to float32, convolved in float32 and the output rounded back.
     */
    private void forwardStored16(ConvGeometry g, Plan p, DeviceBuffer input, DeviceBuffer weight,
                                 DeviceBuffer output) {
        if (halfForward.forward(g, input, weight, output)) {
            return;
        }
        int inCount = g.batch() * g.inChannels() * g.inH() * g.inW();
        int wCount = g.outChannels() * g.patchSize();
        int outCount = g.batch() * g.outChannels() * g.outH() * g.outW();
        DeviceBuffer x = widened(0, inCount);
        DeviceBuffer w = widened(1, wCount);
        DeviceBuffer y = widened(2, outCount);
        device.run(Kernel.H16_TO_FLOAT, inCount, input.address(0), x.address(0), storage.format, inCount);
        device.run(Kernel.H16_TO_FLOAT, wCount, weight.address(0), w.address(0), storage.format, wCount);
        forwardFloat(g, p, x, w, y);
        device.run(Kernel.H16_FROM_FLOAT, outCount, y.address(0), output.address(0), storage.format, outCount);
    }

    /** Scratch slot {@code i} holding at least {@code count} floats, for the converted forward of 16-bit tensors. */
    private DeviceBuffer widened(int i, int count) {
        if (widened[i] == null || widened[i].length() < count) {
            widened[i] = device.allocateBuffer(count);
        }
        return widened[i];
    }

    /** Scratch slot {@code i} holding at least {@code count} bfloat16 values (two per float). */
    private DeviceBuffer half(int i, int count) {
        int floats = (count + 1) / 2;
        if (halves[i] == null || halves[i].length() < floats) {
            halves[i] = device.allocateBuffer(floats);
        }
        return halves[i];
    }

    /** {@code dinp} overwritten. */
    void backwardData(ConvGeometry g, DeviceBuffer weight, DeviceBuffer dout, DeviceBuffer dinp) {
        Plan p = plan(g);
        if (p.bwdDataAlgo < 0) {
            cudnnConvolutionBwdDataAlgoPerf[] perf = new cudnnConvolutionBwdDataAlgoPerf[BWD_DATA_ALGOS];
            for (int i = 0; i < perf.length; i++) {
                perf[i] = new cudnnConvolutionBwdDataAlgoPerf();
            }
            int[] n = new int[1];
            cudnnFindConvolutionBackwardDataAlgorithm(handle, p.w, p.y, p.bwdData, p.x, perf.length, n, perf);
            for (int i = 0; i < n[0] && p.bwdDataAlgo < 0; i++) {
                if (perf[i].status == SUCCESS && perf[i].memory <= WORKSPACE_LIMIT) {
                    p.bwdDataAlgo = perf[i].algo;
                    p.bwdDataBytes = perf[i].memory;
                }
            }
            requireAlgo(p.bwdDataAlgo, "backward-data", g);
        }
        DeviceBuffer ws = workspace(p.bwdDataBytes);
        cudnnConvolutionBackwardData(handle, one, p.w, ptr(weight), p.y, ptr(dout), p.bwdData,
                p.bwdDataAlgo, ws == null ? null : ptr(ws), p.bwdDataBytes, zero, p.x, ptr(dinp));
    }

    /** {@code dweight} accumulated (beta = 1, as Caffe's diffs). */
    void backwardFilter(ConvGeometry g, DeviceBuffer input, DeviceBuffer dout, DeviceBuffer dweight) {
        Plan p = plan(g);
        if (p.bwdFilterAlgo < 0) {
            cudnnConvolutionBwdFilterAlgoPerf[] perf = new cudnnConvolutionBwdFilterAlgoPerf[BWD_FILTER_ALGOS];
            for (int i = 0; i < perf.length; i++) {
                perf[i] = new cudnnConvolutionBwdFilterAlgoPerf();
            }
            int[] n = new int[1];
            cudnnFindConvolutionBackwardFilterAlgorithm(handle, p.x, p.y, p.bwdFilter, p.w, perf.length, n, perf);
            for (int i = 0; i < n[0] && p.bwdFilterAlgo < 0; i++) {
                if (perf[i].status == SUCCESS && perf[i].memory <= WORKSPACE_LIMIT) {
                    p.bwdFilterAlgo = perf[i].algo;
                    p.bwdFilterBytes = perf[i].memory;
                }
            }
            requireAlgo(p.bwdFilterAlgo, "backward-filter", g);
        }
        DeviceBuffer ws = workspace(p.bwdFilterBytes);
        cudnnConvolutionBackwardFilter(handle, one, p.x, ptr(input), p.y, ptr(dout), p.bwdFilter,
                p.bwdFilterAlgo, ws == null ? null : ptr(ws), p.bwdFilterBytes, one, p.w, ptr(dweight));
    }

    /** Chosen algorithms per shape, for the benchmark log: "fwd=1 (0 B) data=... filter=...". */
    String describe(ConvGeometry g) {
        Plan p = plans.get(g);
        return p == null ? "not planned" : String.format("fwd algo %d (%,d B), bwd-data algo %d (%,d B), bwd-filter"
                + " algo %d (%,d B)", p.fwdAlgo, p.fwdBytes, p.bwdDataAlgo, p.bwdDataBytes, p.bwdFilterAlgo,
                p.bwdFilterBytes);
    }

    void close() {
        cudnnDestroy(handle);
    }

    private Pointer ptr(DeviceBuffer b) {
        return ctx.pointer(b.address(0));
    }

    private Plan plan(ConvGeometry g) {
        Plan p = plans.get(g);
        if (p != null) {
            return p;
        }
        p = new Plan();
        int f = cudnnDataType.CUDNN_DATA_FLOAT;
        int nchw = cudnnTensorFormat.CUDNN_TENSOR_NCHW;
        cudnnCreateTensorDescriptor(p.x);
        cudnnSetTensor4dDescriptor(p.x, nchw, f, g.batch(), g.inChannels(), g.inH(), g.inW());
        cudnnCreateTensorDescriptor(p.y);
        cudnnSetTensor4dDescriptor(p.y, nchw, f, g.batch(), g.outChannels(), g.outH(), g.outW());
        cudnnCreateFilterDescriptor(p.w);
        cudnnSetFilter4dDescriptor(p.w, f, nchw, g.outChannels(), g.inChannelsPerGroup(), g.kernelH(), g.kernelW());
        for (cudnnConvolutionDescriptor c : new cudnnConvolutionDescriptor[] {p.fwd, p.bwdData, p.bwdFilter}) {
            cudnnCreateConvolutionDescriptor(c);
            // Caffe's convolution is a cross-correlation (the kernel is not flipped).
            cudnnSetConvolution2dDescriptor(c, g.padH(), g.padW(), g.strideH(), g.strideW(), g.dilationH(),
                    g.dilationW(), cudnnConvolutionMode.CUDNN_CROSS_CORRELATION, f);
            cudnnSetConvolutionGroupCount(c, g.group());
            cudnnSetConvolutionMathType(c, mathType);
        }
        plans.put(g, p);
        return p;
    }

    private DeviceBuffer workspace(long bytes) {
        if (bytes == 0) {
            return null;
        }
        if (workspace == null || (long) workspace.length() * Float.BYTES < bytes) {
            workspace = device.allocateBuffer((int) Math.min(Integer.MAX_VALUE, (bytes + Float.BYTES - 1) / Float.BYTES));
        }
        return workspace;
    }

    private static void requireAlgo(int algo, String direction, ConvGeometry g) {
        if (algo < 0) {
            throw new IllegalStateException("cuDNN offers no " + direction + " algorithm within "
                    + WORKSPACE_LIMIT + " bytes of workspace for " + g);
        }
    }
}
