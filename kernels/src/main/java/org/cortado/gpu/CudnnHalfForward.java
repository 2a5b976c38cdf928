package org.cortado.gpu;

import static jcuda.jcudnn.JCudnn.cudnnConvolutionForward;
import static jcuda.jcudnn.JCudnn.cudnnCreateConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionForwardAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionForwardWorkspaceSize;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolution2dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionGroupCount;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionMathType;
import static jcuda.jcudnn.JCudnn.cudnnSetFilter4dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor4dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor4dDescriptorEx;
import static jcuda.jcudnn.cudnnConvolutionFwdAlgo.CUDNN_CONVOLUTION_FWD_ALGO_GEMM;
import static jcuda.jcudnn.cudnnConvolutionFwdAlgo.CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
import static jcuda.jcudnn.cudnnConvolutionFwdAlgo.CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongFunction;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionMode;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.jcudnn.cudnnTensorFormat;
import org.cortado.backend.ConvGeometry;

/**
 * cuDNN's forward convolution on 16-bit data (bfloat16 or half) with float32 accumulation: descriptors per shape, and
 * the algorithm found once. For the BF16 math mode (on bfloat16 copies that {@link CudnnConvolution} makes) and for
 * 16-bit storage (on the tensors as stored).
 *
 * <p>Only the direct-summation algorithms (implicit GEMM, precomputed implicit GEMM, GEMM) are taken: Winograd and FFT
 * transform the data, in 16 bits here, and taking the fastest of all put outputs of a grouped layer beyond the
 * rounding that float accumulation of bfloat16 inputs allows (bench/RESULTS.md, "Figures moved from code comments").
 * An algorithm that a first real call refuses (cuDNN has answered CUDNN_STATUS_BAD_PARAM) is dropped for the next one.
 * With none left the shape is unsupported, said once (WARNING), and the caller computes in float32.
 */
final class CudnnHalfForward {
    private static final int UNKNOWN = -1;
    private static final int UNSUPPORTED = -2;

    /** One shape's descriptors and its algorithm, UNKNOWN or UNSUPPORTED. */
    private static final class Plan {
        final cudnnTensorDescriptor x = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        final cudnnTensorDescriptor y = new cudnnTensorDescriptor();
        final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
        int algo = UNKNOWN;
        long bytes;
        /** The direct-summation algorithms cudnnFind measured, fastest first: {algo, bytes}; tried in turn. */
        ArrayDeque<long[]> candidates;
        /** Whether the current algorithm has run once here (a first call may still refuse it). */
        boolean proven;
        /** Outputs written into a wider tensor (a concat's slice), by that tensor's channel count. */
        final Map<Integer, Window> windows = new HashMap<>();
    }

    /** The strided output descriptor of a channel window, and its algorithm (found once) or UNSUPPORTED. */
    private static final class Window {
        final cudnnTensorDescriptor y = new cudnnTensorDescriptor();
        int algo = UNKNOWN;
        long bytes;
        boolean proven;
    }

    private final CudaContext ctx;
    private final cudnnHandle handle;
    private final int dataType;
    private final String typeName;
    /** What the caller does for a shape without a 16-bit algorithm, for the warning. */
    private final String fallback;
    /** The caller's workspace holding at least the given bytes (null for 0). */
    private final LongFunction<DeviceBuffer> workspace;
    private final Map<ConvGeometry, Plan> plans = new HashMap<>();
    private final Pointer one = Pointer.to(new float[] {1f});
    private final Pointer zero = Pointer.to(new float[] {0f});

    /** {@code half}: IEEE half data, else bfloat16. */
    CudnnHalfForward(CudaContext ctx, cudnnHandle handle, boolean half, String fallback,
                     LongFunction<DeviceBuffer> workspace) {
        this.ctx = ctx;
        this.handle = handle;
        this.dataType = half ? cudnnDataType.CUDNN_DATA_HALF : cudnnDataType.CUDNN_DATA_BFLOAT16;
        this.typeName = half ? "float16" : "bfloat16";
        this.fallback = fallback;
        this.workspace = workspace;
    }

    /**
     * {@code y = conv(x, w)} on 16-bit tensors; false, having queued nothing, where cuDNN has no 16-bit algorithm for
     * the shape (found on its first use).
     */
    boolean forward(ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y) {
        Plan p = plan(g);
        if (p.algo == UNSUPPORTED) {
            return false;
        }
        while (true) {
            DeviceBuffer ws = workspace.apply(p.bytes);
            try {
                cudnnConvolutionForward(handle, one, p.x, ptr(x), p.w, ptr(w), p.conv, p.algo,
                        ws == null ? null : ptr(ws), p.bytes, zero, p.y, ptr(y));
                p.proven = true;
                return true;
            } catch (CudaException e) {
                // cuDNN checks its parameters before it launches anything, so a refused call left no work behind.
                if (p.proven) {
                    throw e;
                }
                if (!next(g, p, "algorithm " + p.algo + " refused: " + e.getMessage())) {
                    return false;
                }
            }
        }
    }

    /**
     * {@code conv(x, w)} into channels from {@code channelOffset} of {@code out}, a 16-bit tensor of
     * {@code outputChannels} channels of the output's size, through a strided output descriptor (a concat's slice
     * written in place); false, having queued nothing, where cuDNN has no 16-bit algorithm for it (found once, by the
     * same rules as the whole output's, first call included): the caller then convolves into a tensor of its own.
     */
    boolean forwardInto(ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer out, int outputChannels,
                        int channelOffset) {
        Plan p = plan(g);
        if (p.algo == UNSUPPORTED) {
            return false;
        }
        Window win = p.windows.get(outputChannels);
        if (win == null) {
            win = new Window();
            p.windows.put(outputChannels, win);
            int plane = g.outH() * g.outW();
            try {
                cudnnCreateTensorDescriptor(win.y);
                cudnnSetTensor4dDescriptorEx(win.y, dataType, g.batch(), g.outChannels(), g.outH(), g.outW(),
                        outputChannels * plane, plane, g.outW(), 1);
                long[] best = measure(g, p, win.y).poll();
                if (best == null) {
                    win.algo = UNSUPPORTED;
                } else {
                    long[] need = new long[1];
                    cudnnGetConvolutionForwardWorkspaceSize(handle, p.x, p.w, p.conv, win.y, (int) best[0], need);
                    win.algo = (int) best[0];
                    win.bytes = Math.max(best[1], need[0]);
                }
            } catch (CudaException e) {
                win.algo = UNSUPPORTED;
            }
        }
        if (win.algo == UNSUPPORTED) {
            return false;
        }
        DeviceBuffer ws = workspace.apply(win.bytes);
        Pointer y = ctx.pointer(out.address((long) channelOffset * g.outH() * g.outW()));
        try {
            cudnnConvolutionForward(handle, one, p.x, ptr(x), p.w, ptr(w), p.conv, win.algo,
                    ws == null ? null : ptr(ws), win.bytes, zero, win.y, y);
            win.proven = true;
        } catch (CudaException e) {
            // cuDNN checks its parameters before it launches anything: a refused first call left no work behind, and
            // the window is copied from then on. A refusal after a call that ran is an error.
            if (win.proven) {
                throw e;
            }
            win.algo = UNSUPPORTED;
            return false;
        }
        return true;
    }

    /** The plan of {@code g}, its descriptors built and its algorithm chosen on first use. */
    private Plan plan(ConvGeometry g) {
        Plan p = plans.get(g);
        if (p == null) {
            p = new Plan();
            p.candidates = find(g, p);
            plans.put(g, p);
            next(g, p, "cudnnFind listed no direct-summation algorithm");
        }
        return p;
    }

    /** Builds the descriptors and measures the direct-summation algorithms: {algo, bytes}, fastest first. */
    private ArrayDeque<long[]> find(ConvGeometry g, Plan p) {
        try {
            int nchw = cudnnTensorFormat.CUDNN_TENSOR_NCHW;
            cudnnCreateTensorDescriptor(p.x);
            cudnnSetTensor4dDescriptor(p.x, nchw, dataType, g.batch(), g.inChannels(), g.inH(), g.inW());
            cudnnCreateTensorDescriptor(p.y);
            cudnnSetTensor4dDescriptor(p.y, nchw, dataType, g.batch(), g.outChannels(), g.outH(), g.outW());
            cudnnCreateFilterDescriptor(p.w);
            cudnnSetFilter4dDescriptor(p.w, dataType, nchw, g.outChannels(), g.inChannelsPerGroup(), g.kernelH(),
                    g.kernelW());
            cudnnCreateConvolutionDescriptor(p.conv);
            // 16-bit data, float32 accumulation.
            cudnnSetConvolution2dDescriptor(p.conv, g.padH(), g.padW(), g.strideH(), g.strideW(), g.dilationH(),
                    g.dilationW(), cudnnConvolutionMode.CUDNN_CROSS_CORRELATION, cudnnDataType.CUDNN_DATA_FLOAT);
            cudnnSetConvolutionGroupCount(p.conv, g.group());
            cudnnSetConvolutionMathType(p.conv, cudnnMathType.CUDNN_TENSOR_OP_MATH);
            return measure(g, p, p.y);
        } catch (CudaException e) {
            return new ArrayDeque<>(); // no 16-bit convolution here (an older GPU or cuDNN): the caller uses float32
        }
    }

    /** cudnnFind for output descriptor {@code y}: the direct-summation algorithms, {algo, bytes}, fastest first. */
    private ArrayDeque<long[]> measure(ConvGeometry g, Plan p, cudnnTensorDescriptor y) {
        ArrayDeque<long[]> found = new ArrayDeque<>();
        cudnnConvolutionFwdAlgoPerf[] perf = CudnnSearch.forwardResults();
        int[] n = new int[1];
        cudnnFindConvolutionForwardAlgorithm(handle, p.x, p.w, p.conv, y, perf.length, n, perf);
        CudnnSearch.trace(typeName + " forward" + (y == p.y ? "" : " into a window")
                + " (of these only algorithms 0-2 are taken)", g, perf, n[0]);
        for (int i = 0; i < n[0]; i++) {
            if (perf[i].status == CudnnSearch.SUCCESS && perf[i].memory <= CudnnSearch.WORKSPACE_LIMIT
                    && directSummation(perf[i].algo)) {
                found.add(new long[] {perf[i].algo, perf[i].memory});
            }
        }
        return found;
    }

    /** cuDNN's forward algorithms that sum products directly (float accumulation, no transform of the data). */
    private static boolean directSummation(int algo) {
        return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM
                || algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM
                || algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM;
    }

    /**
     * Takes the next candidate of {@code p}; with none left marks the shape UNSUPPORTED and warns once that the layer
     * falls back, and why ({@code reason}).
     */
    private boolean next(ConvGeometry g, Plan p, String reason) {
        if (CudnnSearch.TRACE && p.algo >= 0) {
            CudnnSearch.LOG.log(System.Logger.Level.INFO, typeName + " forward " + g + ": " + reason);
        }
        long[] next;
        while ((next = p.candidates.poll()) != null) {
            // cuDNN 9 lists an algorithm once per math type with that type's workspace, and JCudnn 11.7.0 does not
            // copy the math type back: ask what the descriptors as set (TENSOR_OP_MATH) need, and give the larger.
            long[] need = new long[1];
            try {
                cudnnGetConvolutionForwardWorkspaceSize(handle, p.x, p.w, p.conv, p.y, (int) next[0], need);
            } catch (CudaException e) {
                reason = "algorithm " + next[0] + " refused its workspace query: " + e.getMessage();
                if (CudnnSearch.TRACE) {
                    CudnnSearch.LOG.log(System.Logger.Level.INFO, typeName + " forward " + g + ": " + reason);
                }
                continue;
            }
            p.algo = (int) next[0];
            p.bytes = Math.max(next[1], need[0]);
            return true;
        }
        p.algo = UNSUPPORTED;
        CudnnSearch.LOG.log(System.Logger.Level.WARNING, "no " + typeName + " cuDNN forward for convolution " + g
                + " (" + reason + "); " + fallback);
        return false;
    }

    private Pointer ptr(DeviceBuffer b) {
        return ctx.pointer(b.address(0));
    }
}
