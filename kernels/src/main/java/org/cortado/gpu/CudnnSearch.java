package org.cortado.gpu;

import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import org.cortado.backend.ConvGeometry;

/**
 * What cuDNN's algorithm searches share ({@link CudnnConvolution}, {@link CudnnHalfForward}): the workspace limit, the
 * number of forward results asked for, and the trace of what cudnnFind measured.
 */
final class CudnnSearch {
    /** Largest workspace an algorithm may ask for; beyond that a slower algorithm is taken. */
    static final long WORKSPACE_LIMIT = 2L << 30;
    static final int FWD_ALGOS = 8;
    static final int SUCCESS = 0;
    /**
     * {@code -Dcortado.cudnn.trace=true}: each forward search logs (INFO) what cudnnFind measured and what was taken,
     * as Caffe logs its cuDNN choices; for reading a GPU run's log, off by default.
     */
    static final boolean TRACE = Boolean.getBoolean("cortado.cudnn.trace");
    /** The logger the cuDNN messages have always gone to (by name: no dependency on that class). */
    static final System.Logger LOG = System.getLogger("org.cortado.gpu.CudnnConvolution");

    private CudnnSearch() {
    }

    /** Room for the results of a forward cudnnFind. */
    static cudnnConvolutionFwdAlgoPerf[] forwardResults() {
        cudnnConvolutionFwdAlgoPerf[] perf = new cudnnConvolutionFwdAlgoPerf[FWD_ALGOS];
        for (int i = 0; i < perf.length; i++) {
            perf[i] = new cudnnConvolutionFwdAlgoPerf();
        }
        return perf;
    }

    /** With {@link #TRACE}: the {@code n} results of a forward cudnnFind, as {algo status ms bytes}. */
    static void trace(String what, ConvGeometry g, cudnnConvolutionFwdAlgoPerf[] perf, int n) {
        if (!TRACE) {
            return;
        }
        StringBuilder line = new StringBuilder("cudnnFind ").append(what).append(' ').append(g).append(':');
        for (int i = 0; i < n; i++) {
            line.append(String.format(" {algo %d status %d %.3f ms %d B}", perf[i].algo, perf[i].status, perf[i].time,
                    perf[i].memory));
        }
        LOG.log(System.Logger.Level.INFO, line);
    }
}
