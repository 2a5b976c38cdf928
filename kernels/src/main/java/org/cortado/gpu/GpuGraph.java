package org.cortado.gpu;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;

/**
 * Work of a {@link GpuBackend} recorded once (CUDA stream capture) and replayed with a single launch: the kernels,
 * GEMMs, convolutions and copies of, say, a whole forward pass, with their arguments as they were when captured. For
 * small batches the per-launch cost of the host dominates; a graph pays it once. Replays read and write the same
 * device buffers, so the caller refills the inputs (on the device) between launches.
 */
public final class GpuGraph implements AutoCloseable {
    private final CudaContext ctx;
    private final CUgraph graph;
    private final CUgraphExec exec;
    private boolean closed;

    private GpuGraph(CudaContext ctx, CUgraph graph, CUgraphExec exec) {
        this.ctx = ctx;
        this.graph = graph;
        this.exec = exec;
    }

    /**
     * Records the work {@code work} queues on {@code ctx}'s stream into a graph instead of running it; see
     * {@link GpuBackend#capture} for what the work may do.
     */
    static GpuGraph capture(CudaContext ctx, Runnable work) {
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
        return new GpuGraph(ctx, graph, exec);
    }

    /** Queues one replay on the backend's stream (asynchronous, like every backend operation). */
    public void launch() {
        if (closed) {
            throw new IllegalStateException("graph already closed");
        }
        ctx.makeCurrent();
        cuGraphLaunch(exec, ctx.stream);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ctx.makeCurrent();
            cuGraphExecDestroy(exec);
            cuGraphDestroy(graph);
        }
    }
}
