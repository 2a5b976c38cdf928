package org.cortado.gpu;

/**
 * Training on the host-CUDA device ({@link HostCuda}) against the CPU oracle, with cuDNN (its backward-data and
 * backward-filter paths, workspace and beta = 1 accumulation) and with im2col + GEMM convolutions.
 */
class HostCudaNetTrainingParityTest extends NetTrainingParityContract {
    @Override
    GpuBackend open(ConvImpl conv) {
        return HostCuda.open(conv, MathMode.FP32);
    }
}
