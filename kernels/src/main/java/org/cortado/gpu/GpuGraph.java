package org.cortado.gpu;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;

/**
 * Work of a {@link GpuBackend} recorded once (CUDA stream capture) and replayed with a single launch: the kernels,
 * GEMMs, convolutions and copies of, say, a whole forward pass, with their arguments as they were when captured. For
 * small batches the per-launch cost of the host dominates; a graph pays it once. Replays read and write the same
 * device buffers, so the caller refills the inputs (on the device) between launches.
 */
public final class GpuGraph implements AutoCloseable {
    private final GpuBackend backend;
    private final CUgraph graph;
    private final CUgraphExec exec;
    private boolean closed;

    GpuGraph(GpuBackend backend, CUgraph graph, CUgraphExec exec) {
        this.backend = backend;
        this.graph = graph;
        this.exec = exec;
    }

    /** Queues one replay on the backend's stream (asynchronous, like every backend operation). */
    public void launch() {
        if (closed) {
            throw new IllegalStateException("graph already closed");
        }
        CudaContext ctx = backend.context();
        ctx.makeCurrent();
        cuGraphLaunch(exec, ctx.stream);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            backend.context().makeCurrent();
            cuGraphExecDestroy(exec);
            cuGraphDestroy(graph);
        }
    }
}
