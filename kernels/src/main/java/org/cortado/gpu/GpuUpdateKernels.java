package org.cortado.gpu;

import org.cortado.backend.SolverGradient;
import org.cortado.tensor.Tensor;

/**
 * The GPU's training kernels ({@code dropout.cu}, {@code solver.cu}): the dropout mask and the solvers' update rules,
 * each one pass. The kernels repeat {@code UpdateKernels}' float statements with round-to-nearest intrinsics, so the
 * results equal the CPU's bits (TrainingKernelsContract checks that).
 */
final class GpuUpdateKernels {
    private final GpuDevice device;

    GpuUpdateKernels(GpuDevice device) {
        this.device = device;
    }

    void dropoutMask(Tensor mask, float ratio, long seed) {
        // The kept value 1 / (1 - ratio) rounded by Java, as UpdateKernels does.
        float keepScale = 1f / (1f - ratio);
        device.run(Kernel.DROPOUT_MASK, mask.count(), device.addr(mask), seed, ratio, keepScale, mask.count());
    }

    void sgd(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float momentum) {
        GpuDevice.requireSameCount(data, diff);
        GpuDevice.requireSameCount(data, history);
        device.run(Kernel.SGD_UPDATE, data.count(), device.addr(data), device.addr(diff), device.addr(history),
                grad.scale(), grad.decay(), l1(grad), lr, momentum, data.count());
    }

    void nesterov(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float momentum) {
        GpuDevice.requireSameCount(data, diff);
        GpuDevice.requireSameCount(data, history);
        device.run(Kernel.NESTEROV_UPDATE, data.count(), device.addr(data), device.addr(diff), device.addr(history),
                grad.scale(), grad.decay(), l1(grad), lr, momentum, data.count());
    }

    void adam(Tensor data, Tensor diff, Tensor m, Tensor v, SolverGradient grad, float lrCorrected, float beta1,
              float beta2, float eps) {
        GpuDevice.requireSameCount(data, diff);
        GpuDevice.requireSameCount(data, m);
        GpuDevice.requireSameCount(data, v);
        device.run(Kernel.ADAM_UPDATE, data.count(), device.addr(data), device.addr(diff), device.addr(m),
                device.addr(v), grad.scale(), grad.decay(), l1(grad), lrCorrected, beta1, beta2, eps, data.count());
    }

    void adaGrad(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float delta) {
        GpuDevice.requireSameCount(data, diff);
        GpuDevice.requireSameCount(data, history);
        device.run(Kernel.ADAGRAD_UPDATE, data.count(), device.addr(data), device.addr(diff), device.addr(history),
                grad.scale(), grad.decay(), l1(grad), lr, delta, data.count());
    }

    void rmsProp(Tensor data, Tensor diff, Tensor history, SolverGradient grad, float lr, float rmsDecay,
                 float delta) {
        GpuDevice.requireSameCount(data, diff);
        GpuDevice.requireSameCount(data, history);
        device.run(Kernel.RMSPROP_UPDATE, data.count(), device.addr(data), device.addr(diff), device.addr(history),
                grad.scale(), grad.decay(), l1(grad), lr, rmsDecay, delta, data.count());
    }

    void adaDelta(Tensor data, Tensor diff, Tensor history, Tensor updates, SolverGradient grad, float lr,
                  float momentum, float delta) {
        GpuDevice.requireSameCount(data, diff);
        GpuDevice.requireSameCount(data, history);
        GpuDevice.requireSameCount(data, updates);
        device.run(Kernel.ADADELTA_UPDATE, data.count(), device.addr(data), device.addr(diff), device.addr(history),
                device.addr(updates), grad.scale(), grad.decay(), l1(grad), lr, momentum, delta, data.count());
    }

    /** The kernels' L1 flag. */
    private static int l1(SolverGradient grad) {
        return grad.l1() ? 1 : 0;
    }
}
