package org.cortado.gpu;

/**
 * Every GPU backend operation against the CPU oracle on the host-CUDA device ({@link HostCuda}): the real
 * {@link CudaContext}, {@link KernelModules}, {@link CudnnConvolution} and {@link GpuGraph} through the real JCuda
 * natives and the soname bridges, with CPU implementations of the driver, cuBLAS and cuDNN behind them. Both
 * convolution implementations, all three math modes, graph capture.
 */
class HostCudaOpsTest extends BackendOpsContract {
    @Override
    GpuBackend open(ConvImpl conv, MathMode math) {
        return HostCuda.open(conv, math);
    }

    @Override
    boolean graphs() {
        return true;
    }
}
