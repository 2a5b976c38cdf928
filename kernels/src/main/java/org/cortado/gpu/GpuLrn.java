package org.cortado.gpu;

import org.cortado.backend.LrnParams;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The GPU's local response normalisation ({@code lrn.cu}), across channels or within a channel (reference
 * {@code CpuLrn}).
 */
final class GpuLrn {
    private final GpuDevice device;

    GpuLrn(GpuDevice device) {
        this.device = device;
    }

    void forward(LrnParams p, Tensor in, Tensor out, Tensor scale) {
        Shape s = in.shape();
        int num = s.dim(0);
        int channels = s.dim(1);
        int hw = s.count(2, s.rank());
        if (p.acrossChannels()) {
            device.run(Kernel.LRN_ACROSS_FORWARD, num * hw, device.addr(in), device.addr(out), device.addr(scale), num,
                    channels, hw, p.size(), p.alpha() / p.size(), p.beta(), p.k());
        } else {
            int h = s.dim(2);
            device.run(Kernel.LRN_WITHIN_FORWARD, in.count(), device.addr(in), device.addr(out), device.addr(scale),
                    num * channels, h, hw / h, p.size(), p.alpha() / (p.size() * p.size()), p.beta());
        }
    }

    void backward(LrnParams p, Tensor in, Tensor out, Tensor scale, Tensor dout, Tensor dinp) {
        Shape s = in.shape();
        int num = s.dim(0);
        int channels = s.dim(1);
        int hw = s.count(2, s.rank());
        if (p.acrossChannels()) {
            device.run(Kernel.LRN_ACROSS_BACKWARD, num * hw, device.addr(in), device.addr(out), device.addr(scale),
                    device.addr(dout), device.addr(dinp), num, channels, hw, p.size(), p.beta(),
                    2f * p.alpha() * p.beta() / p.size());
        } else {
            int h = s.dim(2);
            device.run(Kernel.LRN_WITHIN_BACKWARD, in.count(), device.addr(in), device.addr(out), device.addr(scale),
                    device.addr(dout), device.addr(dinp), num * channels, h, hw / h, p.size(), p.beta(),
                    2f * p.alpha() * p.beta() / (p.size() * p.size()));
        }
    }
}
