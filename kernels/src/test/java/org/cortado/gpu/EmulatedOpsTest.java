package org.cortado.gpu;

import org.junit.jupiter.api.Assumptions;

/**
 * Every GPU backend operation against the CPU oracle on the emulated device: the engine's kernel sources compiled for
 * the CPU (see {@link EmulatedDevice}), so that the kernels, the backend's launch arguments and its GEMM convention are
 * checked on every machine. cuDNN, reduced-precision math and graphs need the GPU.
 */
class EmulatedOpsTest extends BackendOpsContract {
    @Override
    GpuBackend open(ConvImpl conv, MathMode math) {
        Assumptions.assumeTrue(conv == ConvImpl.IM2COL_GEMM && math == MathMode.FP32,
                "the emulated device has no cuDNN and computes in float32 only");
        return EmulatedDevice.backend();
    }

    @Override
    boolean graphs() {
        return false;
    }
}
