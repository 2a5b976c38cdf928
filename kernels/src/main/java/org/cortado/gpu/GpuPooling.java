package org.cortado.gpu;

import org.cortado.backend.PoolGeometry;
import org.cortado.tensor.Tensor;

/**
 * The GPU's pooling ({@code pooling.cu}): MAX with its argmax mask, AVE, and STOCHASTIC (references {@code CpuPooling},
 * {@code CpuStochasticPooling}).
 */
final class GpuPooling {
    private final GpuDevice device;

    GpuPooling(GpuDevice device) {
        this.device = device;
    }

    void maxForward(PoolGeometry g, Tensor in, Tensor out, Tensor mask) {
        int n = g.batch() * g.channels() * g.outH() * g.outW();
        device.run(Kernel.MAX_POOL_FORWARD, n, device.addr(in), device.addr(out), device.addrOrNull(mask), geometry(g));
    }

    void maxBackward(PoolGeometry g, Tensor dout, Tensor mask, Tensor dinp) {
        int n = g.batch() * g.channels() * g.inH() * g.inW();
        device.run(Kernel.MAX_POOL_BACKWARD, n, device.addr(dout), device.addr(mask), device.addr(dinp), geometry(g));
    }

    void aveForward(PoolGeometry g, Tensor in, Tensor out) {
        int n = g.batch() * g.channels() * g.outH() * g.outW();
        device.run(Kernel.AVE_POOL_FORWARD, n, device.addr(in), device.addr(out), geometry(g));
    }

    void aveBackward(PoolGeometry g, Tensor dout, Tensor dinp) {
        int n = g.batch() * g.channels() * g.inH() * g.inW();
        device.run(Kernel.AVE_POOL_BACKWARD, n, device.addr(dout), device.addr(dinp), geometry(g));
    }

    /** STOCHASTIC at test time: each window's values weighted by themselves. */
    void stochasticForward(PoolGeometry g, Tensor in, Tensor out) {
        device.run(Kernel.STO_POOL_TEST, out.count(), device.addr(in), device.addr(out), geometry(g));
    }

    /** STOCHASTIC in training: a value drawn from each window (CounterRng's draws), its position in {@code mask}. */
    void stochasticSample(PoolGeometry g, Tensor in, Tensor out, Tensor mask, long seed) {
        device.run(Kernel.STO_POOL_TRAIN, out.count(), device.addr(in), device.addr(out), device.addr(mask), seed,
                geometry(g));
    }

    /** The geometry arguments every pooling kernel takes after its pointers. */
    private static Object[] geometry(PoolGeometry g) {
        return new Object[] {g.batch() * g.channels(), g.inH(), g.inW(), g.outH(), g.outW(), g.kernelH(), g.kernelW(),
            g.strideH(), g.strideW(), g.padH(), g.padW()};
    }
}
