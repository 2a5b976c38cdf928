package org.cortado.gpu;

/**
 * The training kernels (dropout, solver updates, losses) on the host-CUDA device ({@link HostCuda}): launched by the
 * real {@link CudaContext} through JCuda, their parameters packed by cuLaunchKernel as on a GPU.
 */
class HostCudaTrainingKernelsTest extends TrainingKernelsContract {
    @Override
    GpuBackend open() {
        return HostCuda.open(ConvImpl.IM2COL_GEMM, MathMode.FP32);
    }
}
