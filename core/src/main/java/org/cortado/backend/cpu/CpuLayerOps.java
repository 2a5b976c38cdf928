package org.cortado.backend.cpu;

import org.cortado.backend.Backend;
import org.cortado.backend.HostLayerOps;
import org.cortado.backend.Pointwise;
import org.cortado.tensor.Tensor;

/**
 * The CPU backend's {@link org.cortado.backend.LayerOps}: the reference loops in place on the host arrays, the neuron
 * functions and PReLU split over the backend's threads (they sit between convolutions, at their output sizes, in the
 * nets that use them; the other operations see a row or a loss's values).
 */
final class CpuLayerOps extends HostLayerOps {
    private final Parallel parallel;

    CpuLayerOps(Backend backend, Parallel parallel) {
        super(backend);
        this.parallel = parallel;
    }

    @Override
    public void pointwiseForward(Pointwise f, Tensor in, Tensor out) {
        float[] x = in.hostData();
        float[] y = out.hostData();
        parallel.forRange(in.count(), 1 << 13, (s, e) -> CpuActivations.forward(f, x, y, s, e));
    }

    @Override
    public void pointwiseBackward(Pointwise f, Tensor in, Tensor out, Tensor dout, Tensor dinp) {
        float[] x = in.hostData();
        float[] y = out.hostData();
        float[] dy = dout.hostData();
        float[] dx = dinp.hostData();
        parallel.forRange(in.count(), 1 << 13, (s, e) -> CpuActivations.backward(f, x, y, dy, dx, s, e));
    }

    @Override
    public void preluForward(Tensor in, Tensor slope, Tensor out, int outer, int channels, int inner) {
        float[] x = in.hostData();
        float[] a = slope.hostData();
        float[] y = out.hostData();
        parallel.forRange(in.count(), 1 << 15, (s, e) -> CpuActivations.preluForward(x, a, y, channels, inner, s, e));
    }

    @Override
    public void preluBackward(Tensor in, Tensor slope, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        float[] x = in.hostData();
        float[] a = slope.hostData();
        float[] dy = dout.hostData();
        float[] dx = dinp.hostData();
        parallel.forRange(in.count(), 1 << 15,
                (s, e) -> CpuActivations.preluBackward(x, a, dy, dx, channels, inner, s, e));
    }

    @Override
    public void preluSlopeBackward(Tensor in, Tensor dout, Tensor dslope, int outer, int channels, int inner) {
        float[] x = in.hostData();
        float[] dy = dout.hostData();
        float[] da = dslope.hostData();
        parallel.forRange(channels, 1,
                (s, e) -> CpuActivations.preluSlopeBackward(x, dy, da, outer, channels, inner, s, e));
    }
}
