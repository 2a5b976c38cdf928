package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Every GPU backend operation against the CPU oracle on the host-CUDA device ({@link HostCuda}): the real
 * {@link CudaContext}, {@link KernelModules}, {@link CudnnConvolution} and {@link GpuGraph} through the real JCuda
 * natives and the soname bridges, with CPU implementations of the driver, cuBLAS and cuDNN behind them. Both
 * convolution implementations and FASTEST's choice between them, all three math modes, graph capture.
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

    /** This layout has no NVRTC: asking for compiled kernels fails at once and says what is missing. */
    @Test
    void compilingTheKernelsWithoutNvrtcIsRefusedWithTheStacksAccount() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HostCuda.open(HostCuda.Layout.CUDA_13, ConvImpl.IM2COL_GEMM, MathMode.FP32, true));
        assertTrue(e.getMessage().startsWith("compiling the kernels was asked for, but NVRTC did not load")
                && e.getMessage().contains("NVRTC"), e.getMessage());
    }
}
