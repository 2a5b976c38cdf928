package org.cortado.gpu;

import org.cortado.backend.Pointwise;
import org.cortado.tensor.Tensor;

/**
 * The GPU's activations ({@code activations.cu}, {@code softmax.cu}): ReLU, sigmoid, tanh and softmax, Caffe's other
 * neuron functions ({@link Pointwise}, reference {@code CpuActivations}) and PReLU.
 */
final class GpuActivations {
    private final GpuDevice device;
    private final GpuReductions reductions;

    GpuActivations(GpuDevice device, GpuReductions reductions) {
        this.device = device;
        this.reductions = reductions;
    }

    void reluForward(Tensor in, Tensor out, float negativeSlope) {
        device.run(Kernel.RELU_FORWARD, in.count(), device.addr(in), device.addr(out), negativeSlope, in.count());
    }

    void reluBackward(Tensor in, Tensor dout, Tensor dinp, float negativeSlope) {
        device.run(Kernel.RELU_BACKWARD, in.count(), device.addr(in), device.addr(dout), device.addr(dinp),
                negativeSlope, in.count());
    }

    void sigmoidForward(Tensor in, Tensor out) {
        device.run(Kernel.SIGMOID_FORWARD, in.count(), device.addr(in), device.addr(out), in.count());
    }

    void sigmoidBackward(Tensor out, Tensor dout, Tensor dinp) {
        device.run(Kernel.SIGMOID_BACKWARD, out.count(), device.addr(out), device.addr(dout), device.addr(dinp),
                out.count());
    }

    void tanhForward(Tensor in, Tensor out) {
        device.run(Kernel.TANH_FORWARD, in.count(), device.addr(in), device.addr(out), in.count());
    }

    void tanhBackward(Tensor out, Tensor dout, Tensor dinp) {
        device.run(Kernel.TANH_BACKWARD, out.count(), device.addr(out), device.addr(dout), device.addr(dinp),
                out.count());
    }

    void softmaxForward(Tensor in, Tensor out, int outer, int channels, int inner) {
        if (outer * channels * inner == 0) {
            return;
        }
        if (inner == 1 && channels >= Kernel.BLOCK / 4) {
            // Class scores: a block per row (version 2) instead of a thread per row.
            device.launchGrid(Kernel.SOFTMAX_FORWARD_ROWS, Math.min(outer, GpuDevice.MAX_GRID), device.addr(in),
                    device.addr(out), outer, channels);
        } else {
            device.run(Kernel.SOFTMAX_FORWARD, outer * inner, device.addr(in), device.addr(out), outer, channels,
                    inner);
        }
    }

    void softmaxBackward(Tensor out, Tensor dout, Tensor dinp, int outer, int channels, int inner) {
        device.run(Kernel.SOFTMAX_BACKWARD, outer * inner, device.addr(out), device.addr(dout), device.addr(dinp),
                outer, channels, inner);
    }

    // ---- Caffe's other neuron functions and PReLU -----------------------------------------------------------------

    void pointwiseForward(Pointwise f, Tensor in, Tensor out) {
        device.run(Kernel.POINTWISE_FORWARD, in.count(), device.addr(in), device.addr(out), f.kind().ordinal(), f.a(),
                f.b(), f.c(), in.count());
    }

    void pointwiseBackward(Pointwise f, Tensor in, Tensor out, Tensor dout, Tensor dinp) {
        if (!f.hasBackward()) {
            throw new UnsupportedOperationException(f.kind() + " has no backward pass");
        }
        device.run(Kernel.POINTWISE_BACKWARD, in.count(), device.addr(in), device.addr(out), device.addr(dout),
                device.addr(dinp), f.kind().ordinal(), f.a(), f.b(), f.c(), f.d(), in.count());
    }

    void preluForward(Tensor in, Tensor slope, Tensor out, int channels, int inner) {
        device.run(Kernel.PRELU_FORWARD, in.count(), device.addr(in), device.addr(slope), device.addr(out), channels,
                inner, in.count());
    }

    void preluBackward(Tensor in, Tensor slope, Tensor dout, Tensor dinp, int channels, int inner) {
        device.run(Kernel.PRELU_BACKWARD, in.count(), device.addr(in), device.addr(slope), device.addr(dout),
                device.addr(dinp), channels, inner, in.count());
    }

    /** The terms {@code dout * x * (x <= 0)} into a tensor of their own, then the bias gradient's channel sums. */
    void preluSlopeBackward(Tensor in, Tensor dout, Tensor dslope, int outer, int channels, int inner) {
        Tensor terms = device.allocate(in.shape());
        device.run(Kernel.PRELU_SLOPE_TERMS, in.count(), device.addr(in), device.addr(dout), device.addr(terms),
                in.count());
        reductions.biasBackward(terms, dslope, outer, channels, inner);
    }
}
